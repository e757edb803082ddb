"""The SQL of "You Said, We Did" for SqliteStorage: who asked to hear back, the public log,
and queueing one message each through the outbox in one transaction.

A message's dedupe key names the survey, the post and the participant, so sending the same
post twice queues nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from storage.records import FeedbackPost, FeedbackRecipient, QueuedFeedback

_RECIPIENTS = (
    "SELECT pa.pseudonym, c.channel, c.address, p.profile FROM participations pa"
    " JOIN participants p ON p.pseudonym = pa.pseudonym"
    " JOIN contacts c ON c.pseudonym = pa.pseudonym"
    " WHERE pa.slug = ? AND pa.hear_back = 1 AND p.stopped = 0"
)
_QUEUE = (
    "INSERT OR IGNORE INTO outbox (dedupe_key, pseudonym, chat_key, channel, purpose, priority,"
    " body, address, created_at) VALUES (?, ?, ?, ?, 'feedback', ?, ?, ?, ?)"
)


def feedback_key_prefix(slug: str) -> str:
    return f"feedback:{slug}:"


class _Runs(Protocol):
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _transaction(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None: ...


async def _queued_for(runs: _Runs, slug: str) -> int:
    prefix = feedback_key_prefix(slug)
    rows = await runs._all(
        "SELECT count(*) FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ?",
        (prefix, prefix + "\U0010ffff"),
    )
    return int(rows[0][0])


class FeedbackQueries:
    """Mixed into SqliteStorage, whose connection and transactions it uses."""

    async def feedback_recipients(self: _Runs, slug: str) -> list[FeedbackRecipient]:
        rows = await self._all(_RECIPIENTS, (slug,))
        return [FeedbackRecipient(r[0], r[1], r[2], r[3]) for r in rows]

    async def post_feedback(
        self: _Runs,
        post: FeedbackPost,
        messages: Sequence[QueuedFeedback],
        priority: int,
    ) -> int:
        """Log the post and queue its messages together; how many were newly queued."""
        before = await _queued_for(self, post.slug)
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (
                "INSERT OR IGNORE INTO feedback_posts (slug, said, did, posted_at)"
                " VALUES (?, ?, ?, ?)",
                (post.slug, post.said, post.did, post.posted_at),
            )
        ]
        statements += [
            (
                _QUEUE,
                (
                    m.dedupe_key,
                    m.pseudonym,
                    m.pseudonym,
                    m.channel,
                    priority,
                    m.body,
                    m.address,
                    post.posted_at,
                ),
            )
            for m in messages
        ]
        await self._transaction(statements)
        after = await _queued_for(self, post.slug)
        return int(after - before)

    async def feedback_status(self: _Runs, slug: str) -> dict[str, int]:
        prefix = feedback_key_prefix(slug)
        rows = await self._all(
            "SELECT status, count(*) FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ?"
            " GROUP BY status",
            (prefix, prefix + "\U0010ffff"),
        )
        return {status: int(count) for status, count in rows}

    async def feedback_log(self: _Runs, slug: str) -> list[FeedbackPost]:
        rows = await self._all(
            "SELECT slug, said, did, posted_at FROM feedback_posts WHERE slug = ? ORDER BY id",
            (slug,),
        )
        return [FeedbackPost(r[0], r[1], r[2], r[3]) for r in rows]
