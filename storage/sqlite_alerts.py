"""The SQL of safeguarding alerts and participation reach, for SqliteStorage.

An alert's text and the notes on it arrive and leave sealed: nothing here can read them.
Every acknowledgement and note is written in one transaction with its audit_log row.
Reach is counts only (GROUP BY month, age band, channel or one answer): no personal data.
Delivery state (sent to the lead, escalated to the deputy) is one column per route, so a
route that worked is never tried again when another failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from storage.records import AlertDelivery, AlertNote, AlertRow, ReachCounts
from storage.sqlite_audit import AUDIT_INSERT

_ALERT = (
    "SELECT id, created_at, slug, channel, category, phrase, detail, acknowledged_at,"
    " acknowledged_by, review_id FROM alerts"
)
_AUDIT = AUDIT_INSERT  # (at, actor, action, subject), chained
_DELIVERY = (
    "SELECT id, created_at, slug, channel, category, phrase, detail, acknowledged_at,"
    " acknowledged_by, review_id, lead_emailed_at, lead_posted_at, deputy_emailed_at,"
    " deputy_posted_at, delivery_attempts, delivery_error FROM alerts"
)
# The delivery routes, each its own column (a whitelist: column names cannot be parameters).
ALERT_ROUTES = {
    "lead email": "lead_emailed_at",
    "lead webhook": "lead_posted_at",
    "deputy email": "deputy_emailed_at",
    "deputy webhook": "deputy_posted_at",
}
MAX_ERROR = 500
NOT_GIVEN = "not given"
NOT_ANSWERED = "not answered"


def _alert(r: Any, notes: tuple[AlertNote, ...] = ()) -> AlertRow:
    return AlertRow(
        int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
        None if r[9] is None else int(r[9]), notes,
    )  # fmt: skip


class _Runs(Protocol):
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _transaction(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None: ...


class AlertQueries:
    """Mixed into SqliteStorage, whose connection and transactions it uses."""

    # --- alerts ------------------------------------------------------------------------------
    async def alerts(self: _Runs) -> list[AlertRow]:
        """Every alert: open ones first, newest first within each."""
        rows = await self._all(
            f"{_ALERT} ORDER BY acknowledged_at IS NOT NULL, created_at DESC, id DESC"
        )
        return [_alert(r) for r in rows]

    async def alert(self: _Runs, alert_id: int) -> AlertRow | None:
        """One alert with its notes (oldest first); None when there is no such alert."""
        rows = await self._all(f"{_ALERT} WHERE id = ?", (alert_id,))
        if not rows:
            return None
        notes = await self._all(
            "SELECT at, author, note FROM alert_notes WHERE alert_id = ? ORDER BY id",
            (alert_id,),
        )
        return _alert(rows[0], tuple(AlertNote(n[0], n[1], n[2]) for n in notes))

    async def acknowledge_alert(
        self: _Runs, alert_id: int, by: str, note: bytes | None, now: str
    ) -> bool:
        """Mark an open alert acknowledged by `by`, with an optional (sealed) note; False
        when there is no such alert or it was acknowledged before."""
        rows = await self._all("SELECT acknowledged_at FROM alerts WHERE id = ?", (alert_id,))
        if not rows or rows[0][0] is not None:
            return False
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (
                "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?"
                " WHERE id = ? AND acknowledged_at IS NULL",
                (now, by, alert_id),
            ),
            (_AUDIT, (now, by, "alert acknowledged", f"alert #{alert_id}")),
        ]
        if note is not None:
            statements.append(_note_statement(alert_id, by, note, now))
        await self._transaction(statements)
        return True

    async def add_alert_note(self: _Runs, alert_id: int, by: str, note: bytes, now: str) -> bool:
        """Add a (sealed) note to an alert; False when there is no such alert."""
        if not await self._all("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)):
            return False
        await self._transaction(
            [
                _note_statement(alert_id, by, note, now),
                (_AUDIT, (now, by, "alert note added", f"alert #{alert_id}")),
            ]
        )
        return True

    # --- delivery to a person ------------------------------------------------------------------
    async def alert_deliveries(self: _Runs, open_only: bool = False) -> list[AlertDelivery]:
        """Every alert with where it has been sent (oldest first), or only the open ones
        (not acknowledged): those are the ones still to send or escalate."""
        where = " WHERE acknowledged_at IS NULL" if open_only else ""
        rows = await self._all(f"{_DELIVERY}{where} ORDER BY id")
        return [
            AlertDelivery(_alert(r), r[10], r[11], r[12], r[13], int(r[14]), r[15]) for r in rows
        ]

    async def record_alert_sent(self: _Runs, alert_id: int, route: str, now: str) -> None:
        """Note that the alert went by `route` (one of ALERT_ROUTES) at `now`; the first
        time counts."""
        column = ALERT_ROUTES[route]
        await self._transaction(
            [
                (
                    f"UPDATE alerts SET {column} = coalesce({column}, ?), delivery_error = NULL"
                    " WHERE id = ?",
                    (now, alert_id),
                )
            ]
        )

    async def record_alert_failure(self: _Runs, alert_id: int, error: str) -> None:
        """Count a failed try to send the alert and keep why (to be tried again)."""
        await self._transaction(
            [
                (
                    "UPDATE alerts SET delivery_attempts = delivery_attempts + 1,"
                    " delivery_error = ? WHERE id = ?",
                    (error[:MAX_ERROR], alert_id),
                )
            ]
        )

    # --- reach -------------------------------------------------------------------------------
    async def reach_counts(self: _Runs, slug: str | None, question_id: str | None) -> ReachCounts:
        """Responses (started or finished) to survey `slug` (every survey when None), by age
        band, channel and month, and by their answer to `question_id` when one is given."""
        where, params = ("WHERE r.slug = ?", (slug,)) if slug is not None else ("", ())

        async def grouped(column: str) -> dict[str, int]:
            rows = await self._all(
                f"SELECT coalesce({column}, ?), count(*) FROM responses r {where}"
                f" GROUP BY 1 ORDER BY 1",
                (NOT_GIVEN, *params),
            )
            return {str(r[0]): int(r[1]) for r in rows}

        total = await self._all(f"SELECT count(*) FROM responses r {where}", params)
        by_answer: dict[str, int] = {}
        if question_id is not None:
            rows = await self._all(
                "SELECT coalesce(a.value, ?), count(*) FROM responses r LEFT JOIN answers a"
                f" ON a.response_id = r.id AND a.question_id = ? {where} GROUP BY 1 ORDER BY 1",
                (NOT_ANSWERED, question_id, *params),
            )
            by_answer = {str(r[0]): int(r[1]) for r in rows}
        return ReachCounts(
            int(total[0][0]),
            await grouped("r.age_band"),
            await grouped("r.channel"),
            await grouped("r.month"),
            by_answer,
        )


def _note_statement(alert_id: int, by: str, note: bytes, now: str) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO alert_notes (alert_id, at, author, note) VALUES (?, ?, ?, ?)",
        (alert_id, now, by, note),
    )
