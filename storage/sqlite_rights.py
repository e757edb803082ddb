"""The SQL of a young person's rights and of retention, for SqliteStorage: what is held
about one pseudonym (MYDATA), and the purge of what is no longer needed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, Protocol

import aiosqlite

from storage.records import ClosedSurvey, Holding, PurgePlan
from storage.sqlite_feedback import LAST_KEY, feedback_key_prefix


class _Runs(Protocol):
    _conn: aiosqlite.Connection
    _transaction_lock: asyncio.Lock

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _rollback(self) -> None: ...


class RightsQueries:
    async def closed_surveys(self: _Runs) -> list[ClosedSurvey]:
        """Closed surveys (their current file), with when they closed."""
        rows = await self._all(
            "SELECT st.slug, s.source, st.closed_at FROM survey_status st JOIN surveys s"
            " ON s.slug = st.slug AND s.version = st.current_version"
            " WHERE st.status = 'closed' AND st.closed_at IS NOT NULL ORDER BY st.slug"
        )
        return [ClosedSurvey(slug, source, closed_at) for slug, source, closed_at in rows]

    async def purge(self: _Runs, plan: PurgePlan) -> dict[str, int]:
        """Delete what `plan` says is no longer needed, in one transaction; how many rows
        of each kind."""
        counts: dict[str, int] = {}
        async with self._transaction_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                for kind, sql, params in purge_statements(plan):
                    cursor = await self._conn.execute(sql, params)
                    counts[kind] = counts.get(kind, 0) + max(cursor.rowcount, 0)
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise
        return counts

    async def held_about(self: _Runs, pseudonym: bytes) -> Holding:
        contact = await self._all("SELECT channel FROM contacts WHERE pseudonym = ?", (pseudonym,))
        taken = await self._all(
            "SELECT slug, hear_back FROM participations WHERE pseudonym = ? ORDER BY slug",
            (pseudonym,),
        )
        queued = await self._all(
            "SELECT count(*) FROM outbox WHERE pseudonym = ? AND status IN ('queued', 'sending')",
            (pseudonym,),
        )
        reviews = await self._all(
            "SELECT a.name, r.due FROM reviews r JOIN accounts a ON a.id = r.worker_id"
            " WHERE r.pseudonym = ? ORDER BY r.due",
            (pseudonym,),
        )
        return Holding(
            contact_channel=contact[0][0] if contact else None,
            slugs=tuple(slug for slug, _ in taken),
            hear_back=tuple(slug for slug, hear_back in taken if hear_back),
            queued=int(queued[0][0]),
            reviews=tuple((name, due) for name, due in reviews),
        )


def _marks(values: tuple[str, ...]) -> str:
    return ",".join("?" * len(values)) or "NULL"


def purge_statements(plan: PurgePlan) -> list[tuple[str, str, tuple[Any, ...]]]:
    """(what it counts, SQL, parameters), in the order they must run."""
    expired, kept = plan.hear_back_expired, plan.hear_back_kept
    stale = "SELECT response_id FROM sessions WHERE updated_at < ?"
    reviews = _marks(plan.review_slugs)
    statements: list[tuple[str, str, tuple[Any, ...]]] = [
        (
            "hear-back promises ended",
            "UPDATE participations SET hear_back = 0"
            f" WHERE hear_back = 1 AND slug IN ({_marks(expired)})",
            expired,
        ),
    ]
    for slug in kept:
        prefix = feedback_key_prefix(slug)
        statements.append(
            (
                "hear-back promises ended",
                "UPDATE participations SET hear_back = 0 WHERE hear_back = 1 AND slug = ?"
                " AND EXISTS (SELECT 1 FROM outbox o"
                " WHERE o.pseudonym = participations.pseudonym AND o.dedupe_key >= ?"
                " AND o.dedupe_key < ? AND o.status IN ('sent', 'delivered'))",
                (slug, prefix, prefix + LAST_KEY),
            )
        )
    statements += [
        (
            "contact details",
            "DELETE FROM contacts WHERE NOT EXISTS (SELECT 1 FROM participants p"
            " WHERE p.pseudonym = contacts.pseudonym AND p.hear_about_new = 1)"
            " AND NOT EXISTS (SELECT 1 FROM participations t"
            " WHERE t.pseudonym = contacts.pseudonym AND t.hear_back = 1)",
            (),
        ),
        (
            "unsent review answers",
            f"DELETE FROM responses WHERE id IN ({stale} AND slug IN ({reviews}))",
            (plan.sessions_before, *plan.review_slugs),
        ),
        (
            "unfinished answers unlinked",
            f"UPDATE responses SET participant = NULL WHERE id IN ({stale})",
            (plan.sessions_before,),
        ),
        (
            "empty responses",
            f"DELETE FROM responses WHERE id IN ({stale}) AND NOT EXISTS"
            " (SELECT 1 FROM answers a WHERE a.response_id = responses.id)",
            (plan.sessions_before,),
        ),
        (
            "unfinished surveys left",
            "UPDATE participations SET status = 'left' WHERE status = 'in_progress' AND EXISTS"
            " (SELECT 1 FROM sessions s WHERE s.pseudonym = participations.pseudonym"
            " AND s.slug = participations.slug AND s.updated_at < ?)",
            (plan.sessions_before,),
        ),
        (
            "expired conversations",
            "DELETE FROM sessions WHERE updated_at < ?",
            (plan.sessions_before,),
        ),
        (
            "message ids remembered",
            "DELETE FROM inbound_seen WHERE seen_on < ?",
            (plan.seen_before,),
        ),
        (
            "dashboard sessions",
            "DELETE FROM web_sessions WHERE seen_at < ?",
            (plan.web_sessions_before,),
        ),
        (
            "password links",
            "DELETE FROM password_links WHERE expires_at < ? OR used_at IS NOT NULL",
            (plan.links_before,),
        ),
        (
            "failed logins and codes",
            "DELETE FROM login_failures WHERE at < ?",
            (plan.attempts_before,),
        ),
        (
            "failed logins and codes",
            "DELETE FROM code_attempts WHERE at < ?",
            (plan.attempts_before,),
        ),
    ]
    return statements
