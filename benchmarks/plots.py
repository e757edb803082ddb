"""Draws the figures in docs/performance/ from the benchmarks' JSON outputs.

Each benchmark prints one JSON object as its last line of stdout; the runs behind the figures
keep it in docs/performance/results/ (NAME.json; the load run's every latency in
load-latencies.json). `--run` runs the benchmarks first, one at a time, and keeps what they
print there; without it, what is there is drawn. Needs matplotlib (the dev extra):

    python -m benchmarks.plots               # draw from docs/performance/results/
    python -m benchmarks.plots --run engine  # rerun the engine benchmark, then draw
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "docs" / "performance"
RUNS: dict[str, list[tuple[str, list[str]]]] = {  # what --run runs: (output name, arguments)
    "engine": [
        (f"engine-{n}", ["benchmarks.engine", "--participants", str(n), "--questions", "10"])
        for n in (1_000, 10_000, 30_000, 100_000)
    ],
    "telegram": [
        (f"telegram-{n}", ["benchmarks.telegram", "--participants", str(n), "--questions", "10"])
        for n in (200, 1_000)
    ],
    "broadcast": [
        (
            f"broadcast-{channel}-{n}",
            ["benchmarks.broadcast", "--recipients", str(n), "--rate", "500", "--channel", channel],
        )
        for channel, n in (("telegram", 10_000), ("telegram", 100_000), ("sms", 10_000))
    ],
    "results": [("results-query", ["benchmarks.results_query", "--answers", "1000000"])],
    "load": [
        (
            "load",
            [
                *("benchmarks.load", "--people", "2000", "--channels", "telegram,sms"),
                *("--latencies", str(FOLDER / "results" / "load-latencies.json")),
            ],
        )
    ],
}


AGAIN = ("engine-1000-second", "engine-10000-quieter")  # engine runs repeated by hand


def run(names: list[str], results: Path) -> None:
    results.mkdir(parents=True, exist_ok=True)
    for name in names:
        for output, arguments in RUNS[name]:
            print(f"running {' '.join(arguments)}", file=sys.stderr)
            done = subprocess.run(
                [sys.executable, "-m", *arguments], cwd=ROOT, stdout=subprocess.PIPE, check=False
            )
            lines = done.stdout.decode().strip().splitlines()
            if lines:
                (results / f"{output}.json").write_text(lines[-1] + "\n", "utf-8")
            if done.returncode != 0:
                print(f"  {output}: exit code {done.returncode}", file=sys.stderr)


def read(results: Path, name: str) -> dict[str, Any] | None:
    path = results / f"{name}.json"
    if not path.exists():
        return None
    return dict(json.loads(path.read_text().strip().splitlines()[-1]))


def goal(axes: Any, value: float, text: str) -> None:
    axes.axhline(value, color="tab:red", linestyle="--", linewidth=1)
    axes.annotate(text, (0.01, value), xycoords=("axes fraction", "data"), color="tab:red",
                  va="bottom", fontsize=8)  # fmt: skip


def dated(runs: list[Any]) -> str:
    """ " (measured DATE)" when the figures were copied from an earlier run ("measured")."""
    dates = sorted({found["measured"][:10] for _, found in runs if "measured" in found})
    return f" (measured {', '.join(dates)})" if dates else ""


def save(figure: Any, name: str, out: Path) -> None:
    figure.tight_layout()
    figure.savefig(out / f"{name}.png", dpi=110)
    plt.close(figure)
    print(f"drew {out / name}.png", file=sys.stderr)


def engine(results: Path, out: Path) -> None:
    runs = [
        found for n in (1_000, 10_000, 30_000, 100_000) if (found := read(results, f"engine-{n}"))
    ]
    if not runs:
        return
    people = [found["participants"] for found in runs]
    earlier = (read(results, "engine-2026-11-23") or {}).get("runs", [])
    again = [found for name in AGAIN if (found := read(results, name))]
    figure, axes = plt.subplots(figsize=(6, 3.6))
    axes.plot(people, [found["messages_per_s"] for found in runs], marker="o",
              label="2026-12-05, cores shared with other work")  # fmt: skip
    if again:
        axes.plot([found["participants"] for found in again],
                  [found["messages_per_s"] for found in again], "o", color="tab:blue",
                  fillstyle="none", label="2026-12-05, run again, cores shared")  # fmt: skip
    if earlier:
        axes.plot([run["participants"] for run in earlier],
                  [run["messages_per_s"] for run in earlier], marker="s", linestyle=":",
                  color="tab:gray", label="2026-11-23")  # fmt: skip
    goal(axes, 5000, "goal: 5,000 durable messages/s")
    axes.set(xscale="log", xlabel="participants", ylabel="messages/s", ylim=(0, 9000))
    axes.set_title("Engine: durable messages per second (2 cores)")
    axes.legend(fontsize=7, loc="upper right")
    save(figure, "engine-throughput", out)
    figure, axes = plt.subplots(figsize=(6, 3.6))
    axes.plot(people, [found["peak_rss_mb"] for found in runs], marker="o", label="2026-12-05")
    if earlier:
        axes.plot([run["participants"] for run in earlier],
                  [run["peak_rss_mb"] for run in earlier], marker="s", linestyle=":",
                  color="tab:gray", label="2026-11-23")  # fmt: skip
    axes.legend(fontsize=7, loc="lower right")
    goal(axes, 200, "goal: under 200 MB at 100,000")
    axes.set(xscale="log", xlabel="participants", ylabel="peak RSS, MB", ylim=(0, 220))
    axes.set_title("Memory: peak resident set of the engine benchmark")
    save(figure, "memory", out)


def telegram(results: Path, out: Path) -> None:
    names = ("telegram-200", "telegram-1000", "telegram-1000-2026-12-05")
    runs = [(name, found) for name in names if (found := read(results, name))]
    if not runs:
        return
    figure, (rate, latency) = plt.subplots(1, 2, figsize=(8, 3.8))
    labels = [
        f"{found['participants']:,} × {found['questions']}\n{found.get('measured', '')[:10]}"
        for _, found in runs
    ]
    places = range(len(runs))
    width = 0.38
    for shift, key, name in ((-1, "", "youthvoice"), (1, "ptb_", "python-telegram-bot")):
        spots = [p + shift * width / 2 for p in places]
        rate.bar(spots, [found[f"{key}messages_per_s"] for _, found in runs], width, label=name)
        latency.bar(spots, [found[f"{key}p99_ms"] for _, found in runs], width, label=name)
    rate.set(xticks=list(places), xticklabels=labels, ylabel="messages/s", title="Throughput")
    latency.set(xticks=list(places), xticklabels=labels, ylabel="ms", title="p99 reply latency")
    rate.tick_params(axis="x", labelsize=7)
    latency.tick_params(axis="x", labelsize=7)
    rate.legend(fontsize=8)
    figure.suptitle("Telegram end to end, against a ConversationHandler bot")
    save(figure, "telegram", out)


def broadcast(results: Path, out: Path) -> None:
    names = ("broadcast-telegram-10000", "broadcast-telegram-100000", "broadcast-sms-10000")
    runs = [(name, found) for name in names if (found := read(results, name))]
    if not runs:
        return
    figure, axes = plt.subplots(figsize=(6, 3.6))
    labels = [f"{found['channel']}\n{found['recipients']:,}" for _, found in runs]
    places = list(range(len(runs)))
    axes.bar([p - 0.2 for p in places], [f["achieved_fraction"] for _, f in runs], 0.4,
             label="bulk alone")  # fmt: skip
    axes.bar([p + 0.2 for p in places], [f["with_replies_fraction"] for _, f in runs], 0.4,
             label="with replies")  # fmt: skip
    goal(axes, 0.95, "goal: 95% of the limit")
    axes.set(xticks=places, xticklabels=labels, ylabel="share of the limit", ylim=(0, 1.1))
    axes.set_title("Bulk sends at 500/s, a crash included" + dated(runs), fontsize=10)
    axes.legend(fontsize=8, loc="lower right")
    save(figure, "broadcast", out)


def load(results: Path, out: Path) -> None:
    path = results / "load-latencies.json"
    if not path.exists():
        return
    latencies: dict[str, list[float]] = json.loads(path.read_text())
    summary = read(results, "load") or {}
    figure, axes = plt.subplots(figsize=(6, 3.8))
    for channel, values in sorted(latencies.items()):
        ordered = sorted(values)
        share = [(n + 1) / len(ordered) for n in range(len(ordered))]
        axes.plot(ordered, share, label=f"{channel} ({len(ordered):,} replies)")
    axes.axvline(1.0, color="tab:red", linestyle="--", linewidth=1)
    axes.set(xscale="log", xlabel="reply latency, s (log)", ylabel="share of replies")
    people = summary.get("people", "?")
    axes.set_title(f"Reply latency under load: {people} people starting within a minute")
    axes.legend(fontsize=8)
    save(figure, "load-latency", out)


def results_query(results: Path, out: Path) -> None:
    found = read(results, "results-query")
    if found is None:
        return
    figure, axes = plt.subplots(figsize=(7.5, 3.6))
    labels = ["results\n(first)", "results", f"--by {found['by']}\n(first)", f"--by {found['by']}",
              "youthvoice\nresults\n(the command)"]  # fmt: skip
    keys = ["results_first_s", "results_s", "results_by_first_s", "results_by_s", "command_s"]
    if "startup_s" in found:  # what the command spends before it opens the database
        labels.append("the command's\nstart-up\nalone")
        keys.append("startup_s")
    axes.bar(labels, [found[key] for key in keys])
    goal(axes, 1.0, "goal: 1 s")
    axes.set(ylabel="seconds")
    axes.set_title(f"Results over {found['answers']:,} stored answers")
    axes.tick_params(axis="x", labelsize=8)
    save(figure, "results-query", out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="*", choices=sorted(RUNS), help="rerun these first")
    parser.add_argument("--results", type=Path, default=FOLDER / "results")
    parser.add_argument("--out", type=Path, default=FOLDER)
    args = parser.parse_args(argv)
    if args.run is not None:
        run(args.run or sorted(RUNS), args.results)
    args.out.mkdir(parents=True, exist_ok=True)
    for draw in (engine, telegram, broadcast, load, results_query):
        draw(args.results, args.out)


if __name__ == "__main__":
    main()
