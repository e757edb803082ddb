"""Results read running counts (answer_tallies, question_tallies), kept by triggers as answers
are written. Whatever happens to the answers (added, changed, taken back, erased with their
response, purged), the counts must equal grouping the answers that are left, with no row
left for a count of 0 (a free-text answer is a value too: erased, it must not stay here)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.sqlite import SqliteStorage

NOW = "2026-12-01T10:00:00+00:00"
SLUGS = ("walks", "buses")
QUESTIONS = ("q1", "q2")
VALUES = ("a", "b", "c")
RESPONSES = tuple(f"r{n}" for n in range(4))

operation = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(RESPONSES), st.sampled_from(QUESTIONS),
              st.sampled_from(VALUES)),
    st.tuples(st.just("clear"), st.sampled_from(RESPONSES), st.sampled_from(QUESTIONS)),
    st.tuples(st.just("erase"), st.sampled_from(RESPONSES)),  # answers first, then response
    st.tuples(st.just("drop"), st.sampled_from(RESPONSES)),  # the response; answers cascade
)  # fmt: skip

GROUPED_VALUES = (
    "SELECT r.slug, a.question_id, a.value, count(*) FROM answers a"
    " JOIN responses r ON r.id = a.response_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
)
TALLIED_VALUES = "SELECT slug, question_id, value, count FROM answer_tallies ORDER BY 1, 2, 3"
GROUPED_ANSWERED = (
    "SELECT r.slug, a.question_id, count(DISTINCT a.response_id) FROM answers a"
    " JOIN responses r ON r.id = a.response_id GROUP BY 1, 2 ORDER BY 1, 2"
)
TALLIED_ANSWERED = "SELECT slug, question_id, answered FROM question_tallies ORDER BY 1, 2"


async def migrated(path: Path) -> None:
    storage = await SqliteStorage.open(path, NOW)
    await storage.close()


def apply(db: sqlite3.Connection, step: tuple[str, ...]) -> None:
    kind, response = step[0], step[1]
    if kind in ("answer", "clear"):
        slug = SLUGS[RESPONSES.index(response) % len(SLUGS)]
        db.execute(
            "INSERT OR IGNORE INTO responses (id, slug, version, month, channel, language)"
            " VALUES (?, ?, 1, '2026-12', 'sms', 'en')",
            (response, slug),
        )
    if kind == "answer":
        db.execute("INSERT OR IGNORE INTO answers VALUES (?, ?, ?)", step[1:])
    elif kind == "clear":
        db.execute("DELETE FROM answers WHERE response_id = ? AND question_id = ?", step[1:])
    elif kind == "erase":
        db.execute("DELETE FROM answers WHERE response_id = ?", (response,))
        db.execute("DELETE FROM responses WHERE id = ?", (response,))
    else:
        db.execute("DELETE FROM responses WHERE id = ?", (response,))


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "youthvoice.db"
    asyncio.run(migrated(path))
    return path


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(operation, max_size=40))
def test_the_tallies_always_equal_grouping_the_answers(
    empty_database: Path, tmp_path: Path, steps: list[tuple[str, ...]]
) -> None:
    path = tmp_path / "youthvoice.db"
    shutil.copyfile(empty_database, path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys = ON")
        for step in steps:
            apply(db, step)
            assert db.execute(TALLIED_VALUES).fetchall() == db.execute(GROUPED_VALUES).fetchall()
            assert (
                db.execute(TALLIED_ANSWERED).fetchall() == db.execute(GROUPED_ANSWERED).fetchall()
            )


async def test_answers_stored_before_the_tallies_existed_are_counted(tmp_path: Path) -> None:
    """A database from before migration 013: its answers are counted when it is opened."""
    path = tmp_path / "youthvoice.db"
    await migrated(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys = ON")
        for step in [("answer", "r0", "q1", "a"), ("answer", "r0", "q1", "b"),
                     ("answer", "r1", "q1", "a"), ("answer", "r2", "q2", "c")]:  # fmt: skip
            apply(db, step)
        db.executescript(
            "DELETE FROM answer_tallies; DELETE FROM question_tallies;"
            " DROP TRIGGER answers_tally_insert; DROP TRIGGER answers_tally_delete;"
            " DROP TRIGGER responses_tally_delete; DROP TABLE answer_tallies;"
            " DROP TABLE question_tallies; DELETE FROM schema_migrations WHERE version = 13;"
        )
    storage = await SqliteStorage.open(path, NOW)
    try:
        # r0 and r2 answered walks, r1 buses
        assert await storage.answer_counts("walks") == {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
        assert await storage.answered_counts("walks") == {"q1": 1, "q2": 1}
        assert await storage.answer_counts("buses") == {"q1": {"a": 1}}
    finally:
        await storage.close()
