"""The SQL of dashboard logins, for SqliteStorage: one-time links to set a password, the
password hash, server-side sessions, failed logins, and the accounts admins manage. Tokens
and session ids arrive hashed; nothing here could log anyone in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from storage.records import Account, AccountRow, WebSession
from storage.sqlite_audit import audit_statement

_SESSION = (
    "SELECT a.id, a.email, a.role, a.name, s.csrf, s.seen_at, s.second_factor,"
    " a.password_hash, a.totp_secret FROM web_sessions s JOIN accounts a ON a.id = s.account_id"
    " WHERE s.id_hash = ?"
)


class _Runs(Protocol):
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _transaction(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None: ...


_audit = audit_statement  # every audit entry is appended through the one chained writer


class AccountQueries:
    """Mixed into SqliteStorage, whose connection and transactions it uses."""

    async def add_password_link(
        self: _Runs,
        account: Account,
        token_hash: bytes,
        expires_at: str,
        now: str,
        *,
        actor: str = "operator",
    ) -> None:
        await self._transaction(
            [
                (
                    "INSERT INTO password_links (token_hash, account_id, expires_at)"
                    " VALUES (?, ?, ?)",
                    (token_hash, account.id, expires_at),
                ),
                _audit(now, actor, "password link made", account.email),
            ]
        )

    async def replace_password(
        self: _Runs, account: Account, token_hash: bytes, expires_at: str, actor: str, now: str
    ) -> None:
        """A new link for a forgotten password, in one transaction: the old password and any
        earlier unused link stop working, and every session of the account ends."""
        await self._transaction(
            [
                ("UPDATE accounts SET password_hash = NULL WHERE id = ?", (account.id,)),
                (
                    "UPDATE password_links SET used_at = ?"
                    " WHERE account_id = ? AND used_at IS NULL",
                    (now, account.id),
                ),
                ("DELETE FROM web_sessions WHERE account_id = ?", (account.id,)),
                (
                    "INSERT INTO password_links (token_hash, account_id, expires_at)"
                    " VALUES (?, ?, ?)",
                    (token_hash, account.id, expires_at),
                ),
                _audit(now, actor, "password reset, new link made", account.email),
            ]
        )

    async def password_link(self: _Runs, token_hash: bytes, now: str) -> Account | None:
        """The account a link is for, while it is unused and in date."""
        rows = await self._all(
            "SELECT a.id, a.email, a.role, a.name FROM password_links l"
            " JOIN accounts a ON a.id = l.account_id"
            " WHERE l.token_hash = ? AND l.used_at IS NULL AND l.expires_at > ?",
            (token_hash, now),
        )
        return Account(int(rows[0][0]), rows[0][1], rows[0][2], rows[0][3]) if rows else None

    async def set_password(
        self: _Runs, token_hash: bytes, account: Account, password_hash: str, now: str
    ) -> None:
        """Use the link once: the new password, and every session of the account ends."""
        await self._transaction(
            [
                ("UPDATE accounts SET password_hash = ? WHERE id = ?", (password_hash, account.id)),
                ("UPDATE password_links SET used_at = ? WHERE token_hash = ?", (now, token_hash)),
                ("DELETE FROM web_sessions WHERE account_id = ?", (account.id,)),
                _audit(now, account.email, "password set", account.email),
            ]
        )

    async def login_details(self: _Runs, email: str) -> tuple[Account, str | None] | None:
        rows = await self._all(
            "SELECT id, email, role, name, password_hash FROM accounts WHERE email = ?",
            (email.strip(),),
        )
        if not rows:
            return None
        r = rows[0]
        return Account(int(r[0]), r[1], r[2], r[3]), r[4]

    # --- the accounts page ---------------------------------------------------------------
    async def accounts(self: _Runs) -> list[AccountRow]:
        rows = await self._all(
            "SELECT id, email, role, name, created_at, password_hash IS NOT NULL,"
            " totp_secret IS NOT NULL FROM accounts ORDER BY email"
        )
        return [
            AccountRow(Account(int(r[0]), r[1], r[2], r[3]), r[4], bool(r[5]), bool(r[6]))
            for r in rows
        ]

    async def set_role(self: _Runs, account: Account, role: str, actor: str, now: str) -> None:
        await self._transaction(
            [
                ("UPDATE accounts SET role = ? WHERE id = ?", (role, account.id)),
                _audit(now, actor, "role changed", f"{account.email} ({account.role} to {role})"),
            ]
        )

    # --- sessions --------------------------------------------------------------------------
    async def start_session(
        self: _Runs, id_hash: bytes, account: Account, csrf: str, second_factor: bool, now: str
    ) -> None:
        await self._transaction(
            [
                (
                    "INSERT INTO web_sessions (id_hash, account_id, csrf, created_at, seen_at,"
                    " second_factor) VALUES (?, ?, ?, ?, ?, ?)",
                    (id_hash, account.id, csrf, now, now, int(second_factor)),
                ),
                _audit(now, account.email, "logged in", account.email),
            ]
        )

    async def web_session(self: _Runs, id_hash: bytes) -> WebSession | None:
        rows = await self._all(_SESSION, (id_hash,))
        if not rows:
            return None
        r = rows[0]
        account = Account(int(r[0]), r[1], r[2], r[3])
        return WebSession(account, r[4], r[5], bool(r[6]), r[7], r[8])

    async def touch_session(self: _Runs, id_hash: bytes, now: str) -> None:
        await self._transaction(
            [("UPDATE web_sessions SET seen_at = ? WHERE id_hash = ?", (now, id_hash))]
        )

    async def end_session(self: _Runs, id_hash: bytes, actor: str, now: str) -> None:
        await self._transaction(
            [
                ("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,)),
                _audit(now, actor, "logged out", actor),
            ]
        )

    async def set_totp(self: _Runs, account: Account, sealed_secret: bytes, now: str) -> None:
        await self._transaction(
            [
                ("UPDATE accounts SET totp_secret = ? WHERE id = ?", (sealed_secret, account.id)),
                _audit(now, account.email, "two-factor set up", account.email),
            ]
        )

    async def passed_second_factor(self: _Runs, id_hash: bytes) -> None:
        await self._transaction(
            [("UPDATE web_sessions SET second_factor = 1 WHERE id_hash = ?", (id_hash,))]
        )

    # --- failed logins -----------------------------------------------------------------------
    async def login_failures(self: _Runs, keys: Iterable[str], since: str) -> int:
        """The most failures any of `keys` (an account, an address) has had since."""
        most = 0
        for key in keys:
            rows = await self._all(
                "SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?", (key, since)
            )
            most = max(most, int(rows[0][0]))
        return most

    async def record_login_failure(
        self: _Runs, keys: Iterable[str], now: str, forget_before: str
    ) -> None:
        await self._transaction(
            [
                *[("INSERT INTO login_failures (key, at) VALUES (?, ?)", (k, now)) for k in keys],
                ("DELETE FROM login_failures WHERE at < ?", (forget_before,)),
            ]
        )
