"""Operations: the hash-chained audit log and `audit verify`, audited reads at the command
line, backups taken while the database is being written, restores, and the start-up
integrity check. Each runs the real `youthvoice` command on a real file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.sqlite import SqliteStorage
from tests.integration.helpers import DB_NAME, clean_env, ok, one_error_line, raw_db, rows, run
from tests.integration.telegram_world import free_port, start_serve

NOW = "2026-03-01T10:00:00+00:00"
SAMPLE = Path(__file__).resolve().parents[2] / "conversations" / "surveys" / "better-services.yaml"
ROOT = Path(__file__).resolve().parents[2]
RESTORE_HINT = "restore a backup with youthvoice restore FILE"

# Appends audit entries through the real storage, as any youthvoice process does, until
# told to stop (or `count` entries are written); prints how many.
WRITER = """
import asyncio, sys
from pathlib import Path
from storage.sqlite import SqliteStorage

async def main(path, name, count, stop):
    storage = await SqliteStorage.open(path, "2026-03-01T10:00:00+00:00")
    written = 0
    try:
        while (count == 0 or written < count) and not (stop and Path(stop).exists()):
            await storage.audit(name, "wrote", f"{name} {written} " + "x" * 400, "2026-03-01")
            written += 1
    finally:
        await storage.close()
    print(written)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
"""


def writer(
    database: Path, name: str, count: int = 0, stop: Path | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database), name, str(count), str(stop or "")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> int:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return int(out.strip())


async def audited(folder: Path, count: int) -> Path:
    database = folder / DB_NAME
    storage = await SqliteStorage.open(database, NOW)
    try:
        for n in range(1, count + 1):
            await storage.audit(
                f"worker{n}@council.example", "contribution read", f"review {n}", NOW
            )
    finally:
        await storage.close()
    return database


def drop_triggers(database: Path) -> None:
    with raw_db(database) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.commit()


# --- the audit log ----------------------------------------------------------------------------
async def test_an_untouched_audit_log_verifies(tmp_path: Path) -> None:
    await audited(tmp_path, 6)
    assert ok(run(tmp_path, "audit", "verify")).strip() == "audit log intact: 6 entries"
    listed = ok(run(tmp_path, "audit", "list", "--limit", "2")).splitlines()
    assert [line.split()[0] for line in listed] == ["5", "6"]
    assert "worker6@council.example  contribution read  review 6" in listed[1]


async def test_the_audit_log_refuses_updates_and_deletes(tmp_path: Path) -> None:
    database = await audited(tmp_path, 2)
    with raw_db(database) as conn:
        for sql in ("UPDATE audit_log SET actor = 'x' WHERE id = 1", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"):
                conn.execute(sql)


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_log SET subject = 'review 99' WHERE id = 3", "entry 3 was changed"),
        ("UPDATE audit_log SET actor = 'someone@else' WHERE id = 2", "entry 2 was changed"),
        ("DELETE FROM audit_log WHERE id = 4", "entry 4 was removed"),
        ("DELETE FROM audit_log WHERE id = 6", "entry 6 was removed"),
        (
            "INSERT INTO audit_log (at, actor, action, subject, prev_hash, hash)"
            " SELECT at, 'forger', action, subject, prev_hash, hash FROM audit_log WHERE id = 6",
            "entry 7 was added afterwards",
        ),
        (
            "INSERT INTO audit_log (id, at, actor, action, subject, prev_hash, hash)"
            " VALUES (0, 'then', 'forger', 'read', 'x', '', 'made-up')",
            "entry 0 was added afterwards",
        ),
    ],
)
async def test_any_altered_entry_fails_verify_and_is_named(
    tmp_path: Path, tamper: str, expected: str
) -> None:
    database = await audited(tmp_path, 6)
    drop_triggers(database)
    with raw_db(database) as conn:
        conn.execute(tamper)
        conn.commit()
    line = one_error_line(run(tmp_path, "audit", "verify"), 1)
    assert line.startswith(f"youthvoice: audit {expected}"), line


async def test_two_processes_appending_at_once_keep_one_chain(tmp_path: Path) -> None:
    database = await audited(tmp_path, 1)  # made and migrated before they race
    writers = [writer(database, name, count=150) for name in ("serve", "cli")]
    assert [finished(w) for w in writers] == [150, 150]
    assert ok(run(tmp_path, "audit", "verify")).strip() == "audit log intact: 301 entries"


def test_entries_from_before_the_chain_are_chained_by_the_migration(tmp_path: Path) -> None:
    from storage.migrate import _statements, available_migrations

    database = tmp_path / DB_NAME
    with raw_db(database) as conn:
        conn.execute(
            "CREATE TABLE schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for migration in available_migrations():
            if migration.version >= 11:
                break
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                (migration.version, migration.name, NOW),
            )
        conn.executemany(
            "INSERT INTO audit_log (at, actor, action, subject) VALUES (?, ?, ?, ?)",
            [(NOW, "operator", "account added", f"w{n}@council.example") for n in range(5)],
        )
        conn.commit()
    ok(run(tmp_path, "user", "add", "late@council.example", "--role", "reviewer"))
    assert ok(run(tmp_path, "audit", "verify")).startswith("audit log intact: ")
    chained = rows(database, "SELECT count(*) FROM audit_log WHERE length(hash) = 64")
    assert chained[0][0] == rows(database, "SELECT count(*) FROM audit_log")[0][0] >= 6


# --- reads by a person are audited ----------------------------------------------------------
def test_results_export_and_the_review_inbox_are_audited(tmp_path: Path) -> None:
    ok(run(tmp_path, "survey", "add", str(SAMPLE)))
    ok(run(tmp_path, "results", "better-services", "--format", "json"))
    ok(run(tmp_path, "export", "better-services", "--output", "out.csv"))
    ok(run(tmp_path, "review", "inbox"))
    ok(run(tmp_path, "backup", "b.db"))
    found = rows(tmp_path / DB_NAME, "SELECT actor, action, subject FROM audit_log ORDER BY id")
    actor = f"operator ({os.environ.get('USER') or __import__('getpass').getuser()})"
    assert found[-4:] == [
        (actor, "results read", "better-services"),
        (actor, "export written", "better-services to out.csv"),
        (actor, "review inbox read", "every worker"),
        (actor, "backup written", "b.db"),
    ]
    ok(run(tmp_path, "audit", "verify"))


# --- backups and restores ---------------------------------------------------------------------
def test_a_backup_taken_during_a_write_load_restores_whole(tmp_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    database = live / DB_NAME
    ok(run(live, "survey", "add", str(SAMPLE)))
    stop = tmp_path / "stop"
    load = writer(database, "load", stop=stop)
    try:
        deadline = time.monotonic() + 60
        while not rows(database, "SELECT count(*) FROM audit_log")[0][0] >= 300:
            assert time.monotonic() < deadline and load.poll() is None
            time.sleep(0.05)
        committed = rows(database, "SELECT max(id) FROM audit_log")[0][0]
        out = ok(run(live, "backup", str(tmp_path / "copy.db")))
        still_writing = load.poll() is None
    finally:
        stop.touch()
        total = finished(load)
    assert still_writing
    assert "integrity check: ok" in out and "audit_log" in out
    assert "youthvoice.key" in out and "keep it safe" in out
    assert not list(tmp_path.glob(".copy.db.*")), "no temporary file is left behind"
    copied = rows(tmp_path / "copy.db", "SELECT count(*), max(id) FROM audit_log")[0]
    assert committed <= copied[1] <= total + 1 and copied[0] == copied[1]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    said = ok(run(elsewhere, "restore", str(tmp_path / "copy.db")))
    assert "restored" in said and "before-restore" not in said
    assert rows(elsewhere / DB_NAME, "PRAGMA integrity_check") == [("ok",)]
    # Everything in the backup, and the restore itself, chained on.
    verified = ok(run(elsewhere, "audit", "verify"))
    assert f"audit log intact: {copied[0] + 1} entries" in verified
    assert "better-services" in ok(run(elsewhere, "survey", "list"))


def test_a_backup_does_not_overwrite_a_file_unless_forced(tmp_path: Path) -> None:
    ok(run(tmp_path, "survey", "add", str(SAMPLE)))
    (tmp_path / "old.db").write_text("keep me")
    assert "already exists" in one_error_line(run(tmp_path, "backup", "old.db"), 1)
    assert (tmp_path / "old.db").read_text() == "keep me"
    ok(run(tmp_path, "backup", "old.db", "--force"))
    assert rows(tmp_path / "old.db", "PRAGMA integrity_check") == [("ok",)]


def test_restore_keeps_the_current_database_and_refuses_what_is_not_a_backup(
    tmp_path: Path,
) -> None:
    ok(run(tmp_path, "survey", "add", str(SAMPLE)))
    ok(run(tmp_path, "backup", "before.db"))
    ok(run(tmp_path, "user", "add", "after@council.example", "--role", "reviewer"))
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    line = one_error_line(run(tmp_path, "restore", "junk.db"), 1)
    assert "junk.db" in line
    assert "after@council.example" in str(rows(tmp_path / DB_NAME, "SELECT email FROM accounts"))

    said = ok(run(tmp_path, "restore", "before.db"))
    kept = list(tmp_path.glob(f"{DB_NAME}.before-restore-*"))
    assert len(kept) == 1 and kept[0].name in said
    assert rows(tmp_path / DB_NAME, "SELECT email FROM accounts") == []
    assert rows(kept[0], "SELECT email FROM accounts") == [("after@council.example",)]
    restored = rows(tmp_path / DB_NAME, "SELECT action, subject FROM audit_log ORDER BY id")
    assert restored[-1] == ("database restored", "from before.db")
    ok(run(tmp_path, "audit", "verify"))


async def test_restore_refuses_while_serve_runs(tmp_path: Path) -> None:
    ok(run(tmp_path, "survey", "add", str(SAMPLE)))
    ok(run(tmp_path, "backup", "b.db"))
    serve = start_serve(tmp_path, None)
    try:
        assert serve.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(serve.stdout.readline), 30)
        assert "serving on" in line
        refused = one_error_line(run(tmp_path, "restore", "b.db"), 1)
        assert "serve is running" in refused
        assert not list(tmp_path.glob(f"{DB_NAME}.before-restore-*"))
    finally:
        serve.terminate()
        serve.communicate(timeout=20)
    ok(run(tmp_path, "restore", "b.db"))


# --- the start-up integrity check -------------------------------------------------------------
async def test_a_damaged_database_stops_every_command_with_one_line(tmp_path: Path) -> None:
    database = await audited(tmp_path, 400)
    page_size = rows(database, "PRAGMA page_size")[0][0]
    root = rows(database, "SELECT rootpage FROM sqlite_master WHERE name = 'audit_log'")[0][0]
    with open(database, "r+b") as file:  # the cell pointers in the middle of an interior page
        file.seek((root - 1) * page_size + 12)
        file.write(b"\xa5" * 64)
    for command in (["audit", "verify"], ["survey", "list"]):
        line = one_error_line(run(tmp_path, *command), 1)
        assert line.startswith(f"youthvoice: database {database} is damaged"), line
        assert line.endswith(RESTORE_HINT)
    env = clean_env(database, YOUTHVOICE_PORT=str(free_port()))
    line = one_error_line(run(tmp_path, "serve", env=env, timeout=30), 1)
    assert RESTORE_HINT in line
