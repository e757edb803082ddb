"""The SQL of staff accounts and children's care review contributions, for SqliteStorage
(the audit log's is in sqlite_audit).

A review code is found by its keyed hash. The first chat or number to use it binds it; a
wrong code is counted against its sender so guessing is slowed down. Contributions and
addresses arrive sealed: nothing here can read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from storage.records import Account, CodeCheck, QueuedFeedback, ReviewRow
from storage.sqlite_audit import audit_statement
from storage.sqlite_feedback import queue_statements

_ACCOUNT = "SELECT id, email, role, name FROM accounts"
_REVIEW = (
    "SELECT r.id, r.code, r.slug, a.id, a.email, a.role, a.name, r.due, r.created_at,"
    " r.bound_at IS NOT NULL, r.status, r.decided_at, r.contribution, r.replied_at,"
    " r.channel, r.address, r.pseudonym FROM reviews r JOIN accounts a ON a.id = r.worker_id"
)


def _account(r: Any) -> Account:
    return Account(int(r[0]), r[1], r[2], r[3])


def _review(r: Any) -> ReviewRow:
    worker = Account(int(r[3]), r[4], r[5], r[6])
    return ReviewRow(
        int(r[0]), r[1], r[2], worker, r[7], r[8], bool(r[9]), r[10], r[11], r[12], r[13],
        r[14], r[15], r[16],
    )  # fmt: skip


class _Runs(Protocol):
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _transaction(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None: ...
    async def _group_write(self, item: Any) -> bool: ...


class ReviewQueries:
    """Mixed into SqliteStorage, whose connection and transactions it uses."""

    # --- accounts ----------------------------------------------------------------------------
    async def add_account(
        self: _Runs, email: str, role: str, name: str | None, now: str, *, actor: str = "operator"
    ) -> Account | None:
        """A new account (audited as done by `actor`); None when that email already has one."""
        if await self._all(f"{_ACCOUNT} WHERE email = ?", (email,)):
            return None
        await self._transaction(
            [
                (
                    "INSERT INTO accounts (email, role, name, created_at) VALUES (?, ?, ?, ?)",
                    (email, role, name, now),
                ),
                audit_statement(now, actor, "account added", f"{email} ({role})"),
            ]
        )
        rows = await self._all(f"{_ACCOUNT} WHERE email = ?", (email,))
        return _account(rows[0])

    async def account(self: _Runs, email: str) -> Account | None:
        rows = await self._all(f"{_ACCOUNT} WHERE email = ?", (email.strip(),))
        return _account(rows[0]) if rows else None

    # --- reviews -----------------------------------------------------------------------------
    async def add_review(
        self: _Runs, code_hash: bytes, code: bytes, slug: str, worker: Account, due: str, now: str
    ) -> bool:
        """A new review invitation; False when the code is already in use (make another)."""
        if await self._all("SELECT 1 FROM reviews WHERE code_hash = ?", (code_hash,)):
            return False
        await self._transaction(
            [
                (
                    "INSERT INTO reviews (code_hash, code, slug, worker_id, due, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (code_hash, code, slug, worker.id, due, now),
                )
            ]
        )
        return True

    async def use_review_code(
        self: _Runs,
        code_hash: bytes,
        sender: bytes,
        channel: str,
        address: bytes,
        *,
        today: str,
        now: str,
        wrong_since: str,
        wrong_limit: int,
    ) -> CodeCheck:
        """What a code sent by `sender` is; binds an unused good code to them (with their
        sealed `address`). A wrong code counts against the sender: `wrong_limit` wrong codes
        since `wrong_since` and codes are not even looked at."""
        wrong = await self._all(
            "SELECT count(*) FROM code_attempts WHERE sender = ? AND at >= ?",
            (sender, wrong_since),
        )
        if int(wrong[0][0]) >= wrong_limit:
            return CodeCheck("slow_down")
        rows = await self._all(f"{_REVIEW} WHERE r.code_hash = ?", (code_hash,))
        if not rows:
            await self._group_write(
                (
                    ("INSERT INTO code_attempts (sender, at) VALUES (?, ?)", (sender, now)),
                    ("DELETE FROM code_attempts WHERE at < ?", (wrong_since,)),
                )
            )
            return CodeCheck("unknown")
        review = _review(rows[0])
        if review.bound and review.pseudonym != sender:
            return CodeCheck("taken")
        if review.status != "waiting":
            return CodeCheck("done", review.id, review.slug, review.worker, review.due)
        if review.due < today:
            return CodeCheck("expired")
        # Bound to this sender now (the first use), or again with where to reach them now.
        await self._group_write(
            (
                (
                    "UPDATE reviews SET bound_at = coalesce(bound_at, ?), pseudonym = ?,"
                    " channel = ?, address = ? WHERE id = ? AND (pseudonym IS NULL"
                    " AND bound_at IS NULL OR pseudonym = ?)",
                    (now, sender, channel, address, review.id, sender),
                ),
            )
        )
        rows = await self._all("SELECT pseudonym FROM reviews WHERE id = ?", (review.id,))
        if rows[0][0] != sender:  # another child used it at the same moment
            return CodeCheck("taken")
        return CodeCheck("ok", review.id, review.slug, review.worker, review.due)

    async def reviews(self: _Runs, worker: Account | None = None) -> list[ReviewRow]:
        """Every review (oldest due first), or only `worker`'s."""
        if worker is None:
            rows = await self._all(f"{_REVIEW} ORDER BY r.due, r.id")
        else:
            rows = await self._all(
                f"{_REVIEW} WHERE r.worker_id = ? ORDER BY r.due, r.id", (worker.id,)
            )
        return [_review(r) for r in rows]

    async def review_by_code(self: _Runs, code_hash: bytes) -> ReviewRow | None:
        rows = await self._all(f"{_REVIEW} WHERE r.code_hash = ?", (code_hash,))
        return _review(rows[0]) if rows else None

    async def reply_to_review(
        self: _Runs, review_id: int, message: QueuedFeedback, priority: int, now: str
    ) -> bool:
        """Queue the worker's answer to the child, once; False if one was queued before."""
        rows = await self._all("SELECT replied_at FROM reviews WHERE id = ?", (review_id,))
        if not rows or rows[0][0] is not None:
            return False
        await self._transaction(
            [
                *queue_statements([message], "review_reply", priority, now),
                (
                    "UPDATE reviews SET replied_at = ? WHERE id = ? AND replied_at IS NULL",
                    (now, review_id),
                ),
            ]
        )
        return True

    async def purge_reviews(self: _Runs, due_before: str) -> int:
        """Delete every review (its contribution and how to reach the child with it) whose
        review date is before `due_before`; how many."""
        rows = await self._all("SELECT count(*) FROM reviews WHERE due < ?", (due_before,))
        if int(rows[0][0]):
            await self._transaction([("DELETE FROM reviews WHERE due < ?", (due_before,))])
        return int(rows[0][0])
