"""Engine benchmark: N simulated young people each answering a Q-question survey.

Runs the real dispatcher, engine and SQLite storage (group commit, every answer durable
before its reply is released), with no network. Prints progress lines, then one JSON
object on the last line:

    python -m benchmarks.engine --participants 10000 --questions 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.catalogue import SurveyCatalogue
from bot.dispatcher import Dispatcher
from bot.keys import KeyRing
from bot.runtime import utc_now
from bot.survey_admin import add_survey_source
from conversations.messages import Inbound
from conversations.survey_loader import parse_survey
from storage.sqlite import SqliteStorage

TYPES = ("choice", "scale", "yes_no", "multi", "text")
FRUIT = (("a", "Apples"), ("b", "Bananas"), ("c", "Cherries"))


def survey_yaml(questions: int) -> str:
    lines = [
        "spec_version: 1",
        "slug: bench",
        "title: Benchmark survey",
        "keyword: BENCH",
        "purpose: To measure how fast youthvoice answers.",
        "audience: Nobody; this is a benchmark.",
        "questions:",
    ]
    for number in range(questions):
        kind = TYPES[number % len(TYPES)]
        lines += [f"  - id: q{number}", f"    type: {kind}", f"    text: Question {number}?"]
        if kind in ("choice", "multi"):
            lines.append("    options:")
            lines += [f"      - {{id: {o}, label: {label}}}" for o, label in FRUIT]
    return "\n".join(lines) + "\n"


def answers_for(questions: int, who: int) -> list[str]:
    typed = {"choice": "2", "scale": str(1 + who % 5), "yes_no": "yes", "multi": "1, 3"}
    return [
        typed.get(TYPES[n % len(TYPES)], f"Better buses and more youth clubs, from {who}")
        for n in range(questions)
    ]


async def run(
    participants: int, questions: int, concurrency: int, folder: Path
) -> dict[str, float]:
    database = folder / "bench.db"
    storage = await SqliteStorage.open(database, utc_now())
    source = survey_yaml(questions)
    survey = parse_survey(source, "bench")
    await add_survey_source(storage, survey, source)
    await storage.set_survey_status("bench", "open", utc_now())
    dispatcher = Dispatcher(storage, KeyRing(secrets.token_bytes(32)), SurveyCatalogue(storage))
    await dispatcher.start()

    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for who in range(participants):
        queue.put_nowait(who)

    async def young_person(who: int) -> None:
        address = f"+4477009{who:05d}"
        script = ["BENCH", "yes", "16", "no", "no", *answers_for(questions, who)]
        for text in script:
            started = time.perf_counter()
            replies = await dispatcher.handle("sms", address, Inbound(text=text, channel="sms"))
            latencies.append(time.perf_counter() - started)
            if not replies:
                raise RuntimeError(f"no reply to {text!r}")

    async def worker() -> None:
        while not queue.empty():
            await young_person(queue.get_nowait())

    try:
        started, cpu_before = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(min(concurrency, participants))))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_before
        totals = await storage.response_totals("bench")
        answered = sum((await storage.answered_counts("bench")).values())
    finally:  # else its thread keeps the process from ending after a failure
        await storage.close()
    if totals.completed != participants:
        raise RuntimeError(f"only {totals.completed} of {participants} completed")
    size = sum(p.stat().st_size for p in folder.iterdir() if p.name.startswith("bench.db"))
    latencies.sort()
    return {
        "participants": participants,
        "questions": questions,
        "messages": len(latencies),
        "seconds": round(elapsed, 2),
        "messages_per_s": round(len(latencies) / elapsed, 1),
        # CPU of every thread (SQLite's included): less swayed than wall time by a busy machine
        "cpu_s_per_1000": round(cpu * 1000 / len(latencies), 3),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "bytes_per_answer": round(size / max(answered, 1), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=200, help="young people typing at once")
    args = parser.parse_args(argv)
    if args.participants < 1 or args.questions < 1:
        parser.error("--participants and --questions must be 1 or more")
    with tempfile.TemporaryDirectory(prefix="youthvoice-bench-") as folder:
        print(
            f"{args.participants} participants x {args.questions} questions,"
            f" {args.concurrency} at once, database in {folder}",
            file=sys.stderr,
        )
        figures = asyncio.run(
            run(args.participants, args.questions, args.concurrency, Path(folder))
        )
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
