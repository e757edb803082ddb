"""benchmarks/plots.py draws every figure from the kept benchmark outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("matplotlib")  # the dev extra's; an environment made before it may lack it

from benchmarks import plots

NAMES = {"engine-throughput", "memory", "telegram", "broadcast", "load-latency", "results-query"}


def test_every_figure_is_drawn_from_the_kept_results(tmp_path: Path) -> None:
    plots.main(["--out", str(tmp_path)])
    assert {path.stem for path in tmp_path.glob("*.png")} == NAMES
