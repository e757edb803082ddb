"""Results benchmark: how long `youthvoice results` takes over 1,000,000 stored answers.

A temporary database is opened once with SqliteStorage, so that every migration runs and the
schema is the product's; the benchmark survey (benchmarks/engine.py's: choice, scale, yes/no,
multi and free-text questions) is added and opened the product's way. Then responses and their
answers are written straight into `responses` and `answers` with executemany, in one
transaction: far quicker than a million conversations, and the same rows. Another survey's
answers (`--other-answers`) are stored too, so that the query has to pick out its own.

Then, on a fresh SqliteStorage, the logic of `youthvoice results` (bot/results.build_results,
with the storage queries it makes) is timed for the survey: the first call (a cold page cache)
and the median of `--repeat` more, with and without a breakdown (`--by`). The `youthvoice
results` command itself is timed too, as a process (its start-up included). The query plans
go to stderr; the last line of stdout is one JSON object:

    python -m benchmarks.results_query --answers 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import telegram as shared
from benchmarks.engine import FRUIT, TYPES, survey_yaml
from bot.results import build_results
from bot.runtime import utc_now
from bot.survey_admin import add_survey_source, load_stored_survey
from conversations.survey_loader import parse_survey
from storage.sqlite import SqliteStorage

SLUG, OTHER = "bench", "other"
QUESTIONS = 10
BATCH = 50_000
MONTHS = ("2026-09", "2026-10", "2026-11")
AGE_BANDS = ("13_15", "16_17", "18_25")


def answer_rows(response_id: str, chooser: random.Random) -> list[tuple[str, str, str]]:
    """One response's answers to the benchmark survey: a row per value (multi: one each)."""
    rows = []
    for number in range(QUESTIONS):
        kind, question = TYPES[number % len(TYPES)], f"q{number}"
        if kind == "choice":
            values = [chooser.choice(FRUIT)[0]]
        elif kind == "multi":
            values = chooser.sample([key for key, _ in FRUIT], chooser.randint(1, 2))
        elif kind == "scale":
            values = [str(chooser.randint(1, 5))]
        elif kind == "yes_no":
            values = [chooser.choice(("yes", "no"))]
        else:
            values = [f"More buses, please ({chooser.randint(1, 1000)})"]
        rows += [(response_id, question, value) for value in values]
    return rows


def responses(slug: str, answers: int, seed: int) -> Iterator[tuple[tuple[Any, ...], list[Any]]]:
    """(response row, its answer rows) until `answers` answers are made."""
    chooser, made = random.Random(seed), 0
    while made < answers:
        response_id = secrets.token_hex(16)
        rows = answer_rows(response_id, chooser)[: answers - made]
        made += len(rows)
        completed = int(len(rows) >= QUESTIONS)
        channel = chooser.choice(("telegram", "sms"))
        band = chooser.choice(AGE_BANDS)
        month = chooser.choice(MONTHS)
        yield (response_id, slug, 1, month, band, channel, "en", completed, None), rows


def fill(database: Path, slug: str, answers: int, seed: int) -> int:
    """Write `answers` answers of `slug` in one transaction; how many responses that made."""
    count = 0
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as connection:
        connection.execute("BEGIN IMMEDIATE")
        made_responses: list[tuple[Any, ...]] = []
        made_answers: list[Any] = []
        for response, rows in responses(slug, answers, seed):
            made_responses.append(response)
            made_answers += rows
            if len(made_answers) >= BATCH:
                write(connection, made_responses, made_answers)
                count += len(made_responses)
                made_responses, made_answers = [], []
        write(connection, made_responses, made_answers)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    return count + len(made_responses)


def write(connection: sqlite3.Connection, made: list[Any], rows: list[Any]) -> None:
    connection.executemany(
        "INSERT INTO responses (id, slug, version, month, age_band, channel, language,"
        " completed, participant) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        made,
    )
    connection.executemany(
        "INSERT INTO answers (response_id, question_id, value) VALUES (?, ?, ?)", rows
    )


QUERIES = {  # as storage/sqlite_results.py asks them, with their parameters
    "response_totals": (
        "SELECT count(*), coalesce(sum(completed), 0) FROM responses r WHERE r.slug = ?"
        " AND EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id)",
        (SLUG,),
    ),
    "answer_counts": (
        "SELECT question_id, value, count FROM answer_tallies WHERE slug = ? AND count > 0",
        (SLUG,),
    ),
    "answered_counts": (
        "SELECT question_id, answered FROM question_tallies WHERE slug = ? AND answered > 0",
        (SLUG,),
    ),
    "breakdown_counts (q1 by q0)": (
        "SELECT a.value, b.value, count(*) FROM answers a"
        " JOIN answers b ON b.response_id = a.response_id AND b.question_id = ?"
        " JOIN responses r ON r.id = a.response_id"
        " WHERE r.slug = ? AND a.question_id = ? GROUP BY a.value, b.value",
        ("q0", SLUG, "q1"),
    ),
}


def query_plans(database: Path) -> dict[str, list[str]]:
    plans = {}
    with contextlib.closing(sqlite3.connect(database)) as connection:
        for name, (sql, params) in QUERIES.items():
            rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            plans[name] = [row[-1] for row in rows]
            started = time.perf_counter()
            connection.execute(sql, params).fetchall()
            plans[name].append(f"({(time.perf_counter() - started) * 1000:.0f} ms)")
    return plans


async def prepare(database: Path) -> None:
    storage = await SqliteStorage.open(database, utc_now())  # runs every migration
    try:
        for slug in (SLUG, OTHER):
            source = survey_yaml(QUESTIONS).replace("slug: bench", f"slug: {slug}")
            source = source.replace("keyword: BENCH", f"keyword: {slug.upper()}")
            await add_survey_source(storage, parse_survey(source, slug), source)
            await storage.set_survey_status(slug, "open", utc_now())
    finally:
        await storage.close()


async def time_results(database: Path, repeat: int, by: str | None) -> tuple[float, float, int]:
    """(first call s, median of the next `repeat` s, responses counted)."""
    storage = await SqliteStorage.open(database, utc_now())
    try:
        survey = await load_stored_survey(storage, SLUG)
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            result = await build_results(storage, survey, by=by)
            times.append(time.perf_counter() - started)
    finally:
        await storage.close()
    return times[0], statistics.median(times[1:]), int(result["responses"])


def time_checks(database: Path) -> dict[str, float]:
    """What opening the file costs every command: SQLite's whole-file checks."""
    found = {}
    with contextlib.closing(sqlite3.connect(database)) as connection:
        for pragma in ("integrity_check", "quick_check"):
            started = time.perf_counter()
            connection.execute(f"PRAGMA {pragma}(1)").fetchall()
            found[f"{pragma}_s"] = round(time.perf_counter() - started, 3)
    return found


def time_command(database: Path, home: Path, *arguments: str) -> float:
    env = shared.child_env(
        YOUTHVOICE_DATABASE=str(database), YOUTHVOICE_SECRET_KEY=secrets.token_urlsafe(32)
    )
    started = time.perf_counter()
    done = subprocess.run(
        [*shared.youthvoice_command(), *arguments],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"youthvoice {arguments[0]} failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - started


def run(home: Path, options: argparse.Namespace) -> dict[str, Any]:
    database = home / "results.db"
    asyncio.run(prepare(database))
    started = time.perf_counter()
    made = fill(database, SLUG, options.answers, seed=1)
    if options.other_answers:
        fill(database, OTHER, options.other_answers, seed=2)
    fill_s = time.perf_counter() - started
    print(f"stored {options.answers} answers ({made} responses) in {fill_s:.1f}s", file=sys.stderr)
    for name, plan in query_plans(database).items():
        print(f"  {name}: " + " | ".join(plan), file=sys.stderr)
    cold, warm, counted = asyncio.run(time_results(database, options.repeat, None))
    by_cold, by_warm, _ = asyncio.run(time_results(database, options.repeat, options.by))
    command_s = time_command(database, home, "results", SLUG, "--format", "json")
    startup_s = time_command(database, home, "--help")  # Python and the CLI, no database
    size = sum(path.stat().st_size for path in home.iterdir() if path.name.startswith("results"))
    return {
        "answers": options.answers,
        "responses": made,
        "other_answers": options.other_answers,
        "counted_responses": counted,
        "fill_s": round(fill_s, 1),
        "database_mb": round(size / 2**20, 1),
        "results_first_s": round(cold, 3),
        "results_s": round(warm, 3),
        "results_by_first_s": round(by_cold, 3),
        "results_by_s": round(by_warm, 3),
        "by": options.by,
        "command_s": round(command_s, 3),
        "startup_s": round(startup_s, 3),
        **time_checks(database),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="of the survey timed")
    parser.add_argument("--other-answers", type=int, default=250_000, help="of another survey")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls after the first")
    parser.add_argument("--by", default="q0", help="the breakdown question timed (q0)")
    args = parser.parse_args(argv)
    if args.answers < 1 or args.other_answers < 0 or args.repeat < 1:
        parser.error("--answers and --repeat must be 1 or more, --other-answers 0 or more")
    for name in [name for name in os.environ if name.startswith(shared.SETTING_PREFIXES)]:
        del os.environ[name]
    with tempfile.TemporaryDirectory(prefix="youthvoice-bench-results-") as folder:
        print(f"{args.answers} answers, {os.cpu_count()} CPUs, in {folder}", file=sys.stderr)
        result = run(Path(folder), args)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
