"""Dashboard logins: passwords (argon2id), one-time links to set them, server-side sessions,
CSRF tokens and the slowing down of password guessing.

- A password is at least 12 characters, stored as an argon2id hash (argon2-cffi's defaults,
  the OWASP-recommended parameters).
- A session is a random 256-bit value in an HttpOnly, SameSite=Strict cookie (Secure behind
  https); the database holds only its SHA-256, so a copy of the database logs nobody in. A new
  one is made at every login; it ends after 30 idle minutes, and at logout it is deleted.
- Every form carries the session's CSRF token, compared in constant time.
- After 10 failed logins within 15 minutes for an account, or 30 from one address, logins
  from there wait out the window, whether the next password is right or not.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from storage.protocol import Storage
from storage.records import Account, WebSession

ROLES = ("admin", "coordinator", "reviewer", "safeguarding")  # as the accounts table allows
MIN_PASSWORD = 12
IDLE_TIMEOUT = timedelta(minutes=30)
TOUCH_EVERY = timedelta(minutes=1)  # how often a session's last use is written down
LINK_VALID = timedelta(hours=72)
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_ACCOUNT = 10
FAILURES_PER_ADDRESS = 30
COOKIE = "youthvoice_session"
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when an email has no account, so that the answer takes as long either way.
    Made at the first login, not at import: hashing takes a third of a second, which every
    command line would otherwise pay."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def password_problem(password: str, email: str) -> str | None:
    """Why a new password will not do, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if password.strip().lower() == email.strip().lower():
        return "Do not use your email address as your password."
    return None


async def make_password_link(
    storage: Storage, account: Account, base_url: str, *, actor: str = "operator"
) -> str:
    token = secrets.token_urlsafe(32)
    expires = _iso(_now() + LINK_VALID)
    await storage.add_password_link(account, digest(token), expires, _iso(_now()), actor=actor)
    return f"{base_url}/set-password/{token}"


async def replace_password_link(
    storage: Storage, account: Account, base_url: str, actor: str
) -> str:
    """A new link for a forgotten password: until it is used, the old password and earlier
    links do not work, and the account's sessions have ended."""
    token = secrets.token_urlsafe(32)
    expires = _iso(_now() + LINK_VALID)
    await storage.replace_password(account, digest(token), expires, actor, _iso(_now()))
    return f"{base_url}/set-password/{token}"


async def set_password(storage: Storage, token: str, password: str) -> Account | str:
    """Set the password through a link: the account, or why not (in words for the page)."""
    account = await storage.password_link(digest(token), _iso(_now()))
    if account is None:
        return "This link has been used or has expired. Ask an administrator for a new one."
    problem = password_problem(password, account.email)
    if problem is not None:
        return problem
    await storage.set_password(digest(token), account, _hasher.hash(password), _iso(_now()))
    return account


@dataclass(frozen=True)
class LoginResult:
    account: Account | None = None
    session_id: str | None = None
    throttled: bool = False


def _failure_keys(email: str, address: str) -> tuple[str, str]:
    return f"account:{email.strip().lower()}", f"address:{address}"


async def log_in(storage: Storage, email: str, password: str, address: str) -> LoginResult:
    """Check a password; on success a new session (its id for the cookie)."""
    keys = _failure_keys(email, address)
    since = _iso(_now() - FAILURE_WINDOW)
    account_failures = await storage.login_failures(keys[:1], since)
    address_failures = await storage.login_failures(keys[1:], since)
    if account_failures >= FAILURES_PER_ACCOUNT or address_failures >= FAILURES_PER_ADDRESS:
        return LoginResult(throttled=True)
    found = await storage.login_details(email)
    stored = found[1] if found is not None else None
    try:
        _hasher.verify(stored or _dummy_hash(), password)
        good = stored is not None
    except (VerificationError, InvalidHashError):
        good = False
    if not good or found is None:
        forget = _iso(_now() - 2 * FAILURE_WINDOW)
        await storage.record_login_failure(keys, _iso(_now()), forget)
        return LoginResult()
    account = found[0]
    session_id = secrets.token_urlsafe(32)
    await storage.start_session(
        digest(session_id), account, secrets.token_urlsafe(32), False, _iso(_now())
    )
    return LoginResult(account, session_id)


async def current_session(storage: Storage, session_id: str | None) -> WebSession | None:
    """The session a cookie names, while it has been used in the last 30 minutes."""
    if not session_id:
        return None
    found = await storage.web_session(digest(session_id))
    if found is None:
        return None
    now = _now()
    seen = datetime.fromisoformat(found.seen_at)
    if now - seen > IDLE_TIMEOUT:
        await storage.end_session(digest(session_id), found.account.email, _iso(now))
        return None
    if now - seen > TOUCH_EVERY:
        await storage.touch_session(digest(session_id), _iso(now))
    return found


async def log_out(storage: Storage, session_id: str, actor: str) -> None:
    await storage.end_session(digest(session_id), actor, _iso(_now()))


async def check_second_factor(
    storage: Storage, account: Account, address: str, verify: Callable[[], bool]
) -> bool:
    """A second-factor code, counted like a password: after too many wrong ones, none is
    even checked until the window has passed."""
    keys = (f"two-factor:{account.email.lower()}", f"address:{address}")
    since = _iso(_now() - FAILURE_WINDOW)
    if await storage.login_failures(keys[:1], since) >= FAILURES_PER_ACCOUNT:
        return False
    if verify():
        return True
    await storage.record_login_failure(keys, _iso(_now()), _iso(_now() - 2 * FAILURE_WINDOW))
    return False


def csrf_ok(session: WebSession, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(session.csrf.encode(), given.encode())
