"""The results benchmark runs end to end with a few thousand answers; its timings are not
checked, only that it counted what it stored and cleaned up."""

from __future__ import annotations

import json
from pathlib import Path

from tests.benchmarks.test_telegram_benchmark import run_benchmark


def test_the_results_benchmark_counts_every_response_it_stored(tmp_path: Path) -> None:
    options = ["--answers", "3000", "--other-answers", "500", "--repeat", "1"]
    done, _marker = run_benchmark(tmp_path, "benchmarks.results_query", *options)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["answers"] == 3000
    assert figures["counted_responses"] == figures["responses"] > 0
    assert "USING COVERING INDEX responses_by_slug" in done.stderr  # the plans are shown
    assert list(tmp_path.iterdir()) == []
