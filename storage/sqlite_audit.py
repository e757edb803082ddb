"""The SQL of the audit log, for SqliteStorage: the one statement that appends an entry,
and reading the log back to list or verify it.

Every entry is appended by AUDIT_INSERT, which takes the next id and the newest entry's hash
and computes the new hash (the SQL function audit_hash, registered on each connection by
`register_audit_hash`) in the same statement. It always runs inside a write transaction,
and SQLite lets one writer at a time in, so two processes appending at once cannot fork the
chain. Triggers (migration 011) refuse UPDATE and DELETE: the log is append-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import aiosqlite

from storage.audit_chain import AuditEntry, chain_problems, entry_hash

# ?1..?4: at, actor, action, subject (the order the callers always used).
AUDIT_INSERT = (
    "INSERT INTO audit_log (id, at, actor, action, subject, prev_hash, hash)"
    " SELECT n.id, ?1, ?2, ?3, ?4, n.prev, audit_hash(n.id, ?1, ?2, ?3, ?4, n.prev) FROM"
    " (SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0),"
    "  coalesce((SELECT max(id) FROM audit_log), 0)) + 1 AS id,"
    "  coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '') AS prev) n"
)
_ENTRY = "SELECT id, at, actor, action, subject, prev_hash, hash FROM audit_log"


def audit_statement(now: str, actor: str, action: str, subject: str) -> tuple[str, tuple[Any, ...]]:
    """The statement appending one entry, for a transaction's list of statements."""
    return AUDIT_INSERT, (now, actor, action, subject)


async def register_audit_hash(conn: aiosqlite.Connection) -> None:
    await conn.create_function("audit_hash", 6, entry_hash, deterministic=True)


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6])


class _Runs(Protocol):
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _transaction(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None: ...


class AuditQueries:
    """Mixed into SqliteStorage, whose connection and transactions it uses."""

    async def audit(self: _Runs, actor: str, action: str, subject: str, now: str) -> None:
        await self._transaction([audit_statement(now, actor, action, subject)])

    async def audit_entries(self: _Runs) -> list[tuple[str, str, str, str]]:
        rows = await self._all("SELECT at, actor, action, subject FROM audit_log ORDER BY id")
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def audit_log(self: _Runs, limit: int | None = None) -> list[AuditEntry]:
        """The newest `limit` entries (all when None), oldest first."""
        rows = await self._all(
            f"SELECT * FROM ({_ENTRY} ORDER BY id DESC LIMIT ?) ORDER BY id",
            (-1 if limit is None else limit,),
        )
        return [_entry(r) for r in rows]

    async def verify_audit(self: _Runs) -> tuple[int, list[str]]:
        """How many entries, and one line per broken one (none when the chain is intact)."""
        # One read transaction, so entries appended meanwhile cannot confuse the check.
        rows = await self._all(
            f"WITH highest AS (SELECT max(coalesce((SELECT seq FROM sqlite_sequence"
            f" WHERE name = 'audit_log'), 0), coalesce((SELECT max(id) FROM audit_log), 0)) AS n)"
            f" SELECT a.*, (SELECT n FROM highest) FROM ({_ENTRY}) a"
            f" UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, n FROM highest"
            f" ORDER BY 1 NULLS LAST"
        )
        highest = int(rows[-1][7])
        entries = [_entry(r) for r in rows[:-1]]
        return len(entries), chain_problems(entries, highest)
