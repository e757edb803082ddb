"""The Telegram benchmark runs end to end with tiny numbers; its figures are not checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
KEYS = {
    "participants",
    "questions",
    "messages",
    "messages_per_s",
    "ptb_messages_per_s",
    "cpu_s_per_1000",
    "ptb_cpu_s_per_1000",
    "p50_ms",
    "p99_ms",
}


def processes_with(marker: str) -> list[int]:
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue  # gone, or not ours
    return found


def run_benchmark(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """`python -m benchmarks.ARGS` with its temporary files in `tmp_path`; the run and the
    marker in the environment of every process it started."""
    marker = f"BENCH_SMOKE_{uuid.uuid4().hex}"
    env = {**os.environ, "TMPDIR": str(tmp_path), "BENCH_SMOKE_MARKER": marker}
    done = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done, marker


def test_the_telegram_benchmark_prints_one_json_line_and_cleans_up(tmp_path: Path) -> None:
    done, marker = run_benchmark(
        tmp_path, "benchmarks.telegram", "--participants", "5", "--questions", "3"
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures.keys() >= KEYS
    assert figures["participants"] == 5 and figures["questions"] == 3
    # /start, consent, age band, two opt-ins and three questions, each answered.
    assert figures["messages"] == 5 * (1 + 4 + 3)
    assert "youthvoice serve" in done.stderr and "python-telegram-bot" in done.stderr
    assert list(tmp_path.iterdir()) == []  # the working folder is gone
    assert processes_with(marker) == []  # the fake and both bots have stopped
