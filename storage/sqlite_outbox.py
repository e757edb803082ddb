"""The outbox's SQL for SqliteStorage: picking what is due, and recording what happened.

One young person's messages go strictly in order: only the oldest unsent message for each
chat is ever due, and none while an earlier one is claimed ('sending': its request may have
been made) and not yet known to be sent. A sent or failed message keeps neither its address
nor its words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, Protocol

from storage.records import ClaimedRow, OutboxRow

# Statements written together in one transaction (group-committed with conversation steps).
Statements = tuple[tuple[str, tuple[Any, ...]], ...]

_COLUMNS = "o.id, o.chat_key, o.channel, o.purpose, o.body, o.address, o.attempts, o.priority"
_OLDEST_OF_ITS_CHAT = (
    "o.channel = ? AND o.status = 'queued' AND (o.not_before IS NULL OR o.not_before <= ?)"
    " AND o.id = (SELECT min(i.id) FROM outbox i"
    "  WHERE i.chat_key = o.chat_key AND i.status IN ('queued', 'sending'))"
)
_DUE = (
    f"SELECT {_COLUMNS} FROM outbox o WHERE {_OLDEST_OF_ITS_CHAT} ORDER BY o.priority, o.id LIMIT ?"
)
_SENT = (
    "UPDATE outbox SET status = 'sent', provider_id = ?, sent_at = ?,"
    " attempts = attempts + 1, address = NULL, chat_key = NULL, body = '' WHERE id = ?"
)
# Replies the channel sent itself, in its answer to a webhook (see QueuedMessage.claimed_at).
_ANSWERED = (
    "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, address = NULL,"
    " chat_key = NULL, body = '' WHERE dedupe_key = ? AND status = 'sending'"
)
_RETRY = (
    "UPDATE outbox SET status = 'queued', attempts = attempts + 1, not_before = ?,"
    " last_error = ? WHERE id = ?"
)
_CLAIM = "UPDATE outbox SET status = 'sending', claimed_at = ? WHERE id = ? AND status = 'queued'"
_RELEASE = "UPDATE outbox SET status = 'queued' WHERE id = ? AND status = 'sending'"
# Claimed messages whose fate a crash left unknown, each with the provider's id of the last
# message that young person was sent on this channel before it (Telegram's are in order).
_CLAIMED = (
    f"SELECT {_COLUMNS}, o.claimed_at, (SELECT max(CAST(e.provider_id AS INTEGER)) FROM outbox e"
    "  WHERE e.pseudonym = o.chat_key AND e.channel = o.channel AND e.id < o.id"
    "  AND e.provider_id GLOB '[0-9]*')"
    " FROM outbox o WHERE o.channel = ? AND o.status = 'sending' ORDER BY o.id"
)
_FAILED = (
    "UPDATE outbox SET status = 'failed', attempts = attempts + 1,"
    " last_error = ?, address = NULL, chat_key = NULL, body = '' WHERE id = ?"
)
# A provider's words for what became of a message, as the outbox records them.
_OUTCOMES = {
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}
_KEYS_AT_ONCE = 500  # well under SQLite's limit on parameters


def _row(r: Any) -> OutboxRow:
    return OutboxRow(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7]))


class _Runs(Protocol):
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _group_write(self, item: Statements) -> bool: ...


class OutboxQueries:
    """Mixed into SqliteStorage, whose connection and transactions it uses."""

    async def due_messages(
        self: _Runs, channel: str, now: str, limit: int = 200
    ) -> list[OutboxRow]:
        rows = await self._all(_DUE, (channel, now, limit))
        return [_row(r) for r in rows]

    async def due_messages_for(
        self: _Runs, channel: str, chat_keys: Collection[bytes], now: str
    ) -> list[OutboxRow]:
        keys = list(chat_keys)
        found: list[OutboxRow] = []
        for start in range(0, len(keys), _KEYS_AT_ONCE):
            chunk = keys[start : start + _KEYS_AT_ONCE]
            marks = ",".join("?" * len(chunk))
            rows = await self._all(
                f"SELECT {_COLUMNS} FROM outbox o WHERE o.chat_key IN ({marks})"
                f" AND {_OLDEST_OF_ITS_CHAT}",
                (*chunk, channel, now),
            )
            found += [_row(r) for r in rows]
        found.sort(key=lambda row: row.id)
        return found

    async def next_due_time(self: _Runs, channel: str) -> str | None:
        rows = await self._all(
            "SELECT min(not_before) FROM outbox WHERE channel = ? AND status = 'queued'",
            (channel,),
        )
        return rows[0][0] if rows else None

    async def claim(self: _Runs, message_id: int, now: str) -> None:
        """Record, durably, that this message's request is about to be made."""
        await self._group_write(((_CLAIM, (now, message_id)),))

    async def release(self: _Runs, message_id: int) -> None:
        """A claimed message the provider never took: due again."""
        await self._group_write(((_RELEASE, (message_id,)),))

    async def claimed_messages(self: _Runs, channel: str) -> list[ClaimedRow]:
        rows = await self._all(_CLAIMED, (channel,))
        return [ClaimedRow(_row(r), r[8], None if r[9] is None else int(r[9])) for r in rows]

    async def sent_since(self: _Runs, channel: str, since: str) -> int:
        """How many messages were handed to the provider (or were about to be) since."""
        rows = await self._all(
            "SELECT (SELECT count(*) FROM outbox WHERE channel = ?1 AND sent_at >= ?2)"
            " + (SELECT count(*) FROM outbox WHERE channel = ?1 AND status = 'sending')",
            (channel, since),
        )
        return int(rows[0][0])

    async def mark_sent(self: _Runs, message_id: int, provider_id: str | None, now: str) -> None:
        await self._group_write(((_SENT, (provider_id, now, message_id)),))

    async def mark_answered(self: _Runs, dedupe_keys: Collection[str], now: str) -> None:
        await self._group_write(tuple((_ANSWERED, (now, key)) for key in dedupe_keys))

    async def mark_retry(self: _Runs, message_id: int, not_before: str, error: str) -> None:
        await self._group_write(((_RETRY, (not_before, error[:500], message_id)),))

    async def mark_failed(self: _Runs, message_id: int, error: str) -> None:
        await self._group_write(((_FAILED, (error[:500], message_id)),))

    async def mark_unreachable(self: _Runs, chat_key: bytes) -> None:
        """The young person blocked us: treat it as STOP, and forget how to reach them."""
        await self._group_write(
            (
                ("UPDATE participants SET stopped = 1 WHERE pseudonym = ?", (chat_key,)),
                ("DELETE FROM contacts WHERE pseudonym = ?", (chat_key,)),
                ("UPDATE reviews SET address = NULL WHERE pseudonym = ?", (chat_key,)),
                ("UPDATE participations SET hear_back = 0 WHERE pseudonym = ?", (chat_key,)),
                (
                    "UPDATE outbox SET status = 'cancelled', address = NULL, chat_key = NULL,"
                    " body = ''"
                    " WHERE chat_key = ? AND status = 'queued'",
                    (chat_key,),
                ),
            )
        )

    async def record_delivery(
        self: _Runs, channel: str, provider_id: str, status: str, error: str | None, now: str
    ) -> bytes | None:
        """A provider's report on a message it took (`status` as the provider names it).

        Reports can come late and out of order: a message that is already delivered or
        failed stays so. Returns the pseudonym of the young person it went to, if the message
        is ours and they are still known.
        """
        found = await self._all(
            "SELECT pseudonym FROM outbox WHERE channel = ? AND provider_id = ?",
            (channel, provider_id),
        )
        if not found:
            return None
        outcome = _OUTCOMES.get(status)
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (
                "UPDATE outbox SET provider_status = ? WHERE channel = ? AND provider_id = ?",
                (status, channel, provider_id),
            )
        ]
        if outcome == "delivered":
            statements.append(
                (
                    "UPDATE outbox SET status = 'delivered', delivered_at = ?"
                    " WHERE channel = ? AND provider_id = ? AND status IN ('sending', 'sent')",
                    (now, channel, provider_id),
                )
            )
        elif outcome == "failed":
            statements.append(
                (
                    "UPDATE outbox SET status = 'failed', last_error = ?"
                    " WHERE channel = ? AND provider_id = ? AND status IN ('sending', 'sent')",
                    (f"{status} {error or ''}".strip()[:500], channel, provider_id),
                )
            )
        await self._group_write(tuple(statements))
        owner: bytes | None = found[0][0]
        return owner

    async def outbox_counts(self: _Runs, channel: str | None = None) -> dict[str, int]:
        rows = await self._all(
            "SELECT status, count(*) FROM outbox WHERE ?1 IS NULL OR channel = ?1 GROUP BY status",
            (channel,),
        )
        return {status: int(count) for status, count in rows}
