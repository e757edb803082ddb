"""SqliteStorage: the embedded default, one writer connection with group commit.

WAL, synchronous=FULL, foreign keys on, secure_delete on (so erased rows are overwritten,
not left in free pages). Steps from many participants are queued and written together in
one `BEGIN IMMEDIATE` transaction (group commit): every answer is durable before its reply
is released, without paying one fsync per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from conversations.events import ParticipantErased
from storage.protocol import StorageError
from storage.records import (
    StepRecord,
    StoredParticipant,
    SurveyRow,
)
from storage.sqlite_accounts import AccountQueries
from storage.sqlite_alerts import AlertQueries
from storage.sqlite_audit import AuditQueries
from storage.sqlite_connection import BUSY_TIMEOUT_MS, damaged, patiently, prepare
from storage.sqlite_feedback import FeedbackQueries
from storage.sqlite_outbox import OutboxQueries, Statements
from storage.sqlite_results import ResultsQueries
from storage.sqlite_reviews import ReviewQueries
from storage.sqlite_rights import RightsQueries
from storage.step_writes import ORDER, STATEMENTS, Writes, add_writes

log = logging.getLogger(__name__)
MAX_BATCH = 512
# How soon after a conversation ends the WAL is checkpointed and emptied (see _forget).
FORGET_AFTER_SECONDS = 1.0
_SEP = "\x1f"


class SqliteStorage(
    AuditQueries,
    OutboxQueries,
    FeedbackQueries,
    ResultsQueries,
    ReviewQueries,
    AccountQueries,
    AlertQueries,
    RightsQueries,
):
    def __init__(self, conn: aiosqlite.Connection, path: str):
        self._conn = conn
        self.path = path
        self._pending: list[tuple[StepRecord | Statements, asyncio.Future[bool]]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        # One connection, so one transaction at a time: a survey change must not begin
        # inside a batch of steps (or the reverse).
        self._transaction_lock = asyncio.Lock()
        self._data_version: int | None = None
        self._surveys_changed = False
        self._forget_due = False
        self._forgot_at = 0.0

    @classmethod
    async def open(cls, path: str | Path, now: str) -> SqliteStorage:
        path = str(path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        try:
            await prepare(conn, now)
        except sqlite3.OperationalError as exc:
            await conn.close()
            raise StorageError(f"cannot use database {path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
            await conn.close()
            raise StorageError(damaged(path, str(exc))) from exc
        except BaseException:
            await conn.close()
            raise
        storage = cls(conn, path)
        storage._writer = asyncio.get_running_loop().create_task(storage._write_loop())
        return storage

    async def close(self) -> None:
        """Finish every step already handed to `save_step` (none is lost), then close."""
        if self._closing:
            return
        self._closing = True
        if self._writer is not None:
            self._wake.set()
            try:
                await self._writer
            finally:
                self._writer = None
        await self._conn.close()

    # --- plumbing ----------------------------------------------------------------------
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _transaction(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        async with self._transaction_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    await self._conn.execute(sql, params)
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        # Also after a failed COMMIT, which leaves the transaction open; never hide the
        # original error behind "no transaction is active".
        with contextlib.suppress(sqlite3.Error, ValueError):
            await self._conn.execute("ROLLBACK")

    async def changed_elsewhere(self) -> bool:
        row = await self._one("PRAGMA data_version")
        version = int(row[0])
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        # data_version only counts other connections' commits; surveys changed through
        # this storage (a dashboard in the same process) count too.
        changed, self._surveys_changed = changed or self._surveys_changed, False
        return changed

    async def ping(self) -> bool:
        """Whether the database answers."""
        return await self._one("SELECT 1") is not None

    async def integrity_ok(self) -> bool:
        row = await self._one("PRAGMA integrity_check")
        return bool(row) and row[0] == "ok"

    # --- conversations -------------------------------------------------------------------
    async def load_participant(self, pseudonym: bytes) -> StoredParticipant | None:
        row = await self._one(
            "SELECT p.stopped, p.hear_about_new, p.profile, s.state, s.response_id,"
            " (SELECT group_concat(slug, ?) FROM participations"
            "  WHERE pseudonym = p.pseudonym AND status = 'completed')"
            " FROM participants p LEFT JOIN sessions s ON s.pseudonym = p.pseudonym"
            " WHERE p.pseudonym = ?",
            (_SEP, pseudonym),
        )
        if row is None:
            return None
        taken = frozenset(row[5].split(_SEP)) if row[5] else frozenset()
        hear_new = None if row[1] is None else bool(row[1])
        return StoredParticipant(bool(row[0]), hear_new, row[2], row[3], row[4], taken)

    async def save_step(self, record: StepRecord) -> bool:
        return await self._group_write(record)

    async def _group_write(self, item: StepRecord | Statements) -> bool:
        """Queue a step, or a few statements, for the next group commit; True once durable
        (False for a step whose message id was seen before)."""
        if self._closing or self._writer is None:
            raise StorageError("could not save: the database is closed")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._wake.set()
        return await future

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._forget_due:
                delay = self._forgot_at + FORGET_AFTER_SECONDS - loop.time()
                if delay <= 0 and not self._pending and not self._closing:
                    await self._forget()
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(delay, 0.001))
            else:
                await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                try:
                    accepted = await patiently(self._write_batch, [item for item, _ in batch])
                except Exception as exc:  # report to every waiting step, keep the loop alive
                    _fail(batch, StorageError(f"could not save: {exc}"))
                    continue
                except BaseException:  # cancelled mid-batch: nobody may wait for ever
                    _fail(batch, StorageError("could not save: the database was closed"))
                    _fail(self._pending, StorageError("could not save: the database was closed"))
                    self._pending.clear()
                    raise
                for (_, future), ok in zip(batch, accepted, strict=True):
                    if not future.done():
                        future.set_result(ok)
            if self._closing:
                return

    async def _write_batch(self, items: list[StepRecord | Statements]) -> list[bool]:
        # Duplicates are looked for inside the write transaction, so another process
        # recording the same message id in between cannot make the whole batch fail.
        async with self._transaction_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                accepted: list[bool] = []
                for group in _runs_of_the_same_kind(items):
                    if isinstance(group[0], StepRecord):
                        accepted += await self._write_steps(group)  # type: ignore[arg-type]
                    else:
                        await self._write_statements(group)  # type: ignore[arg-type]
                        accepted += [True] * len(group)
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise
        return accepted

    async def _write_statements(self, groups: list[Statements]) -> None:
        """In order; a run of the same statement goes to SQLite in one call."""
        statements = [statement for group in groups for statement in group]
        start = 0
        while start < len(statements):
            sql = statements[start][0]
            end = start
            while end < len(statements) and statements[end][0] == sql:
                end += 1
            await self._conn.executemany(sql, [params for _, params in statements[start:end]])
            start = end

    async def _forget(self) -> None:
        """Empty the WAL file, whose old page images can still join a young person who has
        finished to their response (secure_delete only clears the database file).

        Never waits: while another process is reading, it is tried again later.
        """
        loop = asyncio.get_running_loop()
        busy = True
        async with self._transaction_lock:
            try:
                await self._conn.execute("PRAGMA busy_timeout = 0")
                try:
                    row = await self._one("PRAGMA wal_checkpoint(TRUNCATE)")
                    busy = row is None or bool(row[0])
                finally:
                    await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            except sqlite3.Error:
                pass  # tried again later
        self._forget_due = busy
        self._forgot_at = loop.time()

    async def _write_steps(self, records: list[StepRecord]) -> list[bool]:
        keys = [(r.channel, r.message_id) for r in records if r.message_id is not None]
        seen = await self._already_seen(keys)
        writes: Writes = defaultdict(list)
        accepted = []
        for record in records:
            key = (record.channel, record.message_id)
            if record.message_id is not None and key in seen:
                accepted.append(False)
                continue
            seen.add(key)
            add_writes(record, writes)
            accepted.append(True)
            if record.previous_response_id not in (None, record.response_id) or any(
                isinstance(event, ParticipantErased) for event in record.events
            ):
                self._forget_due = True
        for name in ORDER:
            rows = writes.get(name)
            if rows:
                await self._conn.executemany(STATEMENTS[name], rows)
        return accepted

    async def _already_seen(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str | None]]:
        found: set[tuple[str, str | None]] = set()
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            clause = " OR ".join("(channel = ? AND message_id = ?)" for _ in chunk)
            params = [value for key in chunk for value in key]
            for row in await self._all(
                f"SELECT channel, message_id FROM inbound_seen WHERE {clause}", params
            ):
                found.add((row[0], row[1]))
        return found

    # --- surveys -----------------------------------------------------------------------
    async def add_survey(self, slug: str, source: str, sha256: str, now: str) -> tuple[int, bool]:
        latest = await self._one(
            "SELECT version, sha256 FROM surveys WHERE slug = ? ORDER BY version DESC LIMIT 1",
            (slug,),
        )
        if latest is not None and latest[1] == sha256:
            return int(latest[0]), False
        version = 1 if latest is None else int(latest[0]) + 1
        self._surveys_changed = True
        await self._transaction(
            [
                (
                    "INSERT INTO surveys (slug, version, source, sha256, added_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (slug, version, source, sha256, now),
                ),
                (
                    "INSERT INTO survey_status (slug, status, current_version)"
                    " VALUES (?, 'draft', ?)"
                    " ON CONFLICT (slug) DO UPDATE SET current_version = excluded.current_version",
                    (slug, version),
                ),
            ]
        )
        return version, True

    async def get_survey(self, slug: str, version: int | None = None) -> SurveyRow | None:
        row = await self._one(
            "SELECT s.slug, s.version, s.source, st.status FROM surveys s"
            " JOIN survey_status st ON st.slug = s.slug"
            " WHERE s.slug = ? AND s.version = coalesce(?, st.current_version)",
            (slug, version),
        )
        return None if row is None else SurveyRow(row[0], int(row[1]), row[2], row[3])

    async def list_surveys(self) -> list[SurveyRow]:
        rows = await self._all(
            "SELECT st.slug, st.current_version, s.source, st.status,"
            " (SELECT count(*) FROM responses r WHERE r.slug = st.slug"
            "  AND EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id))"
            " FROM survey_status st JOIN surveys s"
            " ON s.slug = st.slug AND s.version = st.current_version ORDER BY st.slug"
        )
        return [SurveyRow(r[0], int(r[1]), r[2], r[3], int(r[4])) for r in rows]

    async def set_survey_status(self, slug: str, status: str, now: str) -> None:
        statements: list[tuple[str, tuple[Any, ...]]] = []
        if status == "open":
            statements.append(
                (
                    "UPDATE survey_status SET status = 'open', opened_at = ?, closed_at = NULL"
                    " WHERE slug = ?",
                    (now, slug),
                )
            )
        else:
            statements.append(
                (
                    "UPDATE survey_status SET status = ?, closed_at = ? WHERE slug = ?",
                    (status, now, slug),
                )
            )
            self._forget_due = True
            # Conversations still open lose their link to their answers at once; each
            # young person is told the survey closed when they next write.
            statements.append(("UPDATE sessions SET response_id = NULL WHERE slug = ?", (slug,)))
            statements.append(
                (
                    "UPDATE participations SET status = 'left'"
                    " WHERE slug = ? AND status = 'in_progress'",
                    (slug,),
                )
            )
        self._surveys_changed = True
        await self._transaction(statements)


def _runs_of_the_same_kind(
    items: list[StepRecord | Statements],
) -> list[list[StepRecord | Statements]]:
    """Steps and statement groups in order, consecutive ones of a kind together."""
    runs: list[list[StepRecord | Statements]] = []
    for item in items:
        if runs and isinstance(item, StepRecord) == isinstance(runs[-1][0], StepRecord):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _fail(
    batch: list[tuple[StepRecord | Statements, asyncio.Future[bool]]], error: StorageError
) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
