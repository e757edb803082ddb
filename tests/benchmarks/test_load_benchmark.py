"""The load benchmark runs end to end with a few young people on both channels; only its
invariants are checked (everyone finished, every reply timed, the database intact), never
its timings."""

from __future__ import annotations

import json
from pathlib import Path

from tests.benchmarks.test_telegram_benchmark import processes_with, run_benchmark


def test_a_small_load_run_finishes_everyone_and_times_every_reply(tmp_path: Path) -> None:
    latencies = tmp_path.parent / f"{tmp_path.name}-latencies.json"
    options = ["--people", "8", "--questions", "2", "--start-within", "2"]
    options += ["--fairness-bound", "0", "--latencies", str(latencies)]
    done, marker = run_benchmark(
        tmp_path, "benchmarks.load", "--channels", "telegram,sms", *options
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["finished"] == figures["completed_in_database"] == 8
    # "/start" or the keyword, consent, age band, two opt-ins and two questions, each answered.
    assert figures["replies"] == figures["expected_replies"] == 8 * 7
    assert figures["integrity"] == "ok" and figures["problems"] == []
    assert figures["by_channel"].keys() == {"telegram", "sms"}
    for channel in figures["by_channel"].values():
        assert channel["people"] == channel["finished"] == 4
        assert channel["replies"] == 4 * 7
        assert channel["wait_max_s"] >= channel["wait_median_s"]
    timed = json.loads(latencies.read_text())
    assert {channel: len(values) for channel, values in timed.items()} == {
        "telegram": 28,
        "sms": 28,
    }
    assert list(tmp_path.iterdir()) == []
    assert processes_with(marker) == []
