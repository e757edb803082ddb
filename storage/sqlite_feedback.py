"""The SQL of messages the bot starts itself, for SqliteStorage: "You Said, We Did" (who
asked to hear back, the public log) and invitations to new surveys (who asked to hear about
them, and how many they have had lately), each queued through the outbox in one transaction.

A message's dedupe key names its purpose, the survey (and post) and the participant, so
queueing the same thing twice queues nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from storage.records import (
    FeedbackPost,
    FeedbackRecipient,
    InvitationCandidate,
    QueuedFeedback,
    Unfinished,
)

_RECIPIENTS = (
    "SELECT pa.pseudonym, c.channel, c.address, p.profile FROM participations pa"
    " JOIN participants p ON p.pseudonym = pa.pseudonym"
    " JOIN contacts c ON c.pseudonym = pa.pseudonym"
    " WHERE pa.slug = ? AND pa.hear_back = 1 AND p.stopped = 0"
)
_QUEUE = (
    "INSERT OR IGNORE INTO outbox (dedupe_key, pseudonym, chat_key, channel, purpose, priority,"
    " body, address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INVITABLE = (
    "SELECT p.pseudonym, c.channel, c.address, p.profile,"
    " (SELECT count(*) FROM outbox o WHERE o.pseudonym = p.pseudonym AND o.purpose = 'invite'"
    "  AND o.created_at >= ? AND o.status IN ('queued', 'sending', 'sent', 'delivered')),"
    " EXISTS (SELECT 1 FROM participations pa WHERE pa.pseudonym = p.pseudonym AND pa.slug = ?),"
    " EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = ? || lower(hex(p.pseudonym)))"
    " FROM participants p JOIN contacts c ON c.pseudonym = p.pseudonym"
    " WHERE p.stopped = 0 AND p.hear_about_new = 1"
)
LAST_KEY = "\U0010ffff"  # after every dedupe key with a given prefix


def feedback_key_prefix(slug: str) -> str:
    return f"feedback:{slug}:"


def invite_key_prefix(slug: str) -> str:
    return f"invite:{slug}:"


def queue_statements(
    messages: Sequence[QueuedFeedback], purpose: str, priority: int, now: str
) -> list[tuple[str, tuple[Any, ...]]]:
    def row(m: QueuedFeedback) -> tuple[Any, ...]:
        key = m.pseudonym  # the owner, and the key that keeps their messages in order
        return (
            m.dedupe_key,
            m.pseudonym,
            key,
            m.channel,
            purpose,
            priority,
            m.body,
            m.address,
            now,
        )

    return [(_QUEUE, row(m)) for m in messages]


class _Runs(Protocol):
    _surveys_changed: bool  # tells this process's catalogue to read surveys (and logs) again

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _transaction(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None: ...


async def _queued_for(runs: _Runs, prefix: str) -> int:
    rows = await runs._all(
        "SELECT count(*) FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ?",
        (prefix, prefix + LAST_KEY),
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
        before = await _queued_for(self, feedback_key_prefix(post.slug))
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (
                "INSERT OR IGNORE INTO feedback_posts (slug, said, did, posted_at)"
                " VALUES (?, ?, ?, ?)",
                (post.slug, post.said, post.did, post.posted_at),
            )
        ]
        statements += queue_statements(messages, "feedback", priority, post.posted_at)
        await self._transaction(statements)
        self._surveys_changed = True
        after = await _queued_for(self, feedback_key_prefix(post.slug))
        return int(after - before)

    async def feedback_status(self: _Runs, slug: str) -> dict[str, int]:
        prefix = feedback_key_prefix(slug)
        rows = await self._all(
            "SELECT status, count(*) FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ?"
            " GROUP BY status",
            (prefix, prefix + LAST_KEY),
        )
        return {status: int(count) for status, count in rows}

    async def feedback_log(self: _Runs, slug: str) -> list[FeedbackPost]:
        rows = await self._all(
            "SELECT slug, said, did, posted_at FROM feedback_posts WHERE slug = ? ORDER BY id",
            (slug,),
        )
        return [FeedbackPost(r[0], r[1], r[2], r[3]) for r in rows]

    async def invitation_candidates(
        self: _Runs, slug: str, since: str
    ) -> list[InvitationCandidate]:
        """Everyone who asked to hear about new surveys, has not stopped and can be reached,
        with how many invitations they have had since `since`, whether they already took
        part in `slug`, and whether they were already invited to it."""
        rows = await self._all(_INVITABLE, (since, slug, invite_key_prefix(slug)))
        return [
            InvitationCandidate(r[0], r[1], r[2], r[3], int(r[4]), bool(r[5]), bool(r[6]))
            for r in rows
        ]

    async def queue_invitations(
        self: _Runs, slug: str, messages: Sequence[QueuedFeedback], priority: int, now: str
    ) -> int:
        """Queue invitations in one transaction; how many are new."""
        return await FeedbackQueries.queue_messages(
            self, invite_key_prefix(slug), "invite", messages, priority, now
        )

    async def queue_messages(
        self: _Runs,
        prefix: str,
        purpose: str,
        messages: Sequence[QueuedFeedback],
        priority: int,
        now: str,
    ) -> int:
        """Queue messages whose dedupe keys all start with `prefix`, in one transaction; how
        many are new."""
        before = await _queued_for(self, prefix)
        await self._transaction(queue_statements(messages, purpose, priority, now))
        return await _queued_for(self, prefix) - before

    async def unfinished_with_contact(self: _Runs, slug: str) -> list[Unfinished]:
        """Who is part-way through `slug`, can be reached and has not stopped, with when
        they last wrote."""
        rows = await self._all(
            "SELECT pa.pseudonym, c.channel, c.address, p.profile, s.updated_at"
            " FROM participations pa"
            " JOIN participants p ON p.pseudonym = pa.pseudonym"
            " JOIN contacts c ON c.pseudonym = pa.pseudonym"
            " JOIN sessions s ON s.pseudonym = pa.pseudonym AND s.slug = pa.slug"
            " WHERE pa.slug = ? AND pa.status = 'in_progress' AND p.stopped = 0",
            (slug,),
        )
        return [Unfinished(r[0], r[1], r[2], r[3], r[4]) for r in rows]
