"""The broadcast benchmark runs end to end with tiny numbers, a crash included, on both
channels; of its figures only those that must hold at any size are checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchmarks.test_telegram_benchmark import processes_with, run_benchmark

KEYS = {
    "achieved_fraction",
    "rejected_429",
    "duplicates",
    "lost",
    "interactive_p95_ms",
    "peak_rss_mb",
}


@pytest.mark.parametrize("channel", ["telegram", "sms"])
def test_a_small_broadcast_with_a_crash_loses_and_repeats_nothing(
    tmp_path: Path, channel: str
) -> None:
    options = ["--recipients", "120", "--rate", "60", "--interactive", "2", "--crash-at", "0.4"]
    done, marker = run_benchmark(tmp_path, "benchmarks.broadcast", "--channel", channel, *options)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures.keys() >= KEYS
    assert figures["crashed"] is True
    assert (figures["duplicates"], figures["lost"]) == (0, 0)
    assert list(tmp_path.iterdir()) == []
    assert processes_with(marker) == []
