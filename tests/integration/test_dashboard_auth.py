"""Dashboard logins over HTTP: a password set once through its link, sessions in HttpOnly
cookies, CSRF on every form, logout that ends the session, idle timeout and throttling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
import time_machine

from bot import survey_admin
from bot.web import auth
from bot.web.app import build_app
from storage.protocol import Storage
from tests.integration.helpers import DB_NAME, SLUG, dashboard_keys, ok, raw_db, rows, run

PASSWORD = "correct horse battery staple"
KEYS = dashboard_keys()
EMAIL = "ana@council.example"


def hidden_csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def new_account(storage: Storage, role: str = "coordinator") -> str:
    """An account with a password link; the link's path."""
    account = await storage.add_account(EMAIL, role, None, "2026-11-23T10:00:00+00:00")
    assert account is not None
    link = await auth.make_password_link(storage, account, "http://test")
    return link.removeprefix("http://test")


async def set_password(client: httpx.AsyncClient, path: str, password: str, again: str = "") -> str:
    page = await client.get(path)
    answer = await client.post(
        path, data={"csrf": hidden_csrf(page), "password": password, "again": again or password}
    )
    return answer.text


async def log_in(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"csrf": hidden_csrf(page), "email": EMAIL, "password": password}
    )


async def test_a_password_is_set_once_through_its_link(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    path = await new_account(storage)
    assert "at least 12 characters" in await set_password(client, path, "too short")
    assert "not the same" in await set_password(client, path, PASSWORD, "something else!!")
    assert "Your password is set" in await set_password(client, path, PASSWORD)
    used = await client.get(path)
    assert used.status_code == 400 and "used or has expired" in used.text
    assert 'name="password"' not in used.text
    stored = rows(Path(storage.path), "SELECT password_hash FROM accounts")  # type: ignore[attr-defined]
    assert stored[0][0].startswith("$argon2id$") and PASSWORD not in stored[0][0]


async def test_logging_in_and_out(storage: Storage, client: httpx.AsyncClient) -> None:
    assert (await client.get("/")).headers["location"] == "/login"
    await set_password(client, await new_account(storage), PASSWORD)
    wrong = await log_in(client, "not the password")
    assert wrong.status_code == 400 and "do not match" in wrong.text

    answer = await log_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = await client.get("/")
    assert home.status_code == 200 and EMAIL in home.text
    assert home.headers["x-frame-options"] == "DENY"
    assert home.headers["referrer-policy"] == "no-referrer"
    session_cookie = client.cookies[auth.COOKIE]

    # A POST without the CSRF token is refused and changes nothing: still logged in.
    refused = await client.post("/logout", data={})
    assert refused.status_code == 403
    assert (await client.get("/")).status_code == 200

    out = await client.post("/logout", data={"csrf": hidden_csrf(home)})
    assert out.headers["location"] == "/login"
    # The old cookie, sent again, no longer works.
    client.cookies.set(auth.COOKIE, session_cookie)
    assert (await client.get("/")).headers["location"] == "/login"
    assert rows(Path(storage.path), "SELECT count(*) FROM web_sessions") == [(0,)]  # type: ignore[attr-defined]


async def test_a_session_ends_after_30_idle_minutes(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    await set_password(client, await new_account(storage), PASSWORD)
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        await log_in(client)
        traveller.shift(timedelta(minutes=29))
        assert (await client.get("/")).status_code == 200  # use keeps it alive
        traveller.shift(timedelta(minutes=29))
        assert (await client.get("/")).status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert (await client.get("/")).headers["location"] == "/login"


async def test_the_eleventh_wrong_password_is_throttled(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    await set_password(client, await new_account(storage), PASSWORD)
    for _ in range(10):
        assert "do not match" in (await log_in(client, "wrong password")).text
    throttled = await log_in(client)  # even the right one, for now
    assert "Too many failed logins" in throttled.text
    assert auth.COOKIE not in client.cookies
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=16)):
        assert (await log_in(client)).status_code == 303


async def test_a_login_form_without_its_token_is_refused(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    await set_password(client, await new_account(storage), PASSWORD)
    answer = await client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 400 and "expired" in answer.text
    assert auth.COOKIE not in client.cookies


def test_user_add_prints_a_one_time_link(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "user", "add", EMAIL, "--role", "coordinator"))
    assert re.search(r"http://127\.0\.0\.1:8080/set-password/[\w-]{40,}$", out, re.MULTILINE)
    assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM password_links") == [(1,)]


# Who may open each page; every page of the dashboard must be listed here.
ROLES = ("admin", "coordinator", "reviewer", "safeguarding")
ACCESS = {
    "/": set(ROLES),
    "/accounts": {"admin"},
    "/accounts/add": {"admin"},
    "/accounts/password-link": {"admin"},
    "/accounts/role": {"admin"},
    "/alerts": {"safeguarding"},
    "/alerts/{id}": {"safeguarding"},
    "/audit": {"admin"},
    "/feedback/{slug}": {"coordinator"},
    "/feedback/{slug}/progress.json": {"coordinator"},
    "/feedback/{slug}/preview": {"coordinator"},
    "/feedback/{slug}/send": {"coordinator"},
    "/live.js": {"coordinator"},
    "/results/{slug}": {"coordinator"},
    "/results/{slug}/counts.json": {"coordinator"},
    "/results/{slug}/download.csv": {"coordinator"},
    "/results/{slug}/download.xlsx": {"coordinator"},
    "/reviews": {"reviewer", "admin"},
    "/surveys": {"coordinator"},
    "/surveys/new": {"coordinator"},
    "/surveys/{slug}": {"coordinator"},
    "/surveys/{slug}/edit": {"coordinator"},
    "/surveys/{slug}/invite": {"coordinator"},
    "/surveys/{slug}/preview": {"coordinator"},
    "/reach": {"coordinator"},
}
ALERT_ID = "1"  # for {id}: the alert test_each_role_reaches_only_its_own_pages makes
POST_ONLY = {  # forms' targets
    "/accounts/add",
    "/accounts/password-link",
    "/accounts/role",
    "/feedback/{slug}/preview",
    "/feedback/{slug}/send",
}
PUBLIC = {"/login", "/logout", "/set-password/{token}", "/healthz"}
SECOND_FACTOR = {"/two-factor", "/two-factor/setup"}


async def logged_in_as(
    storage: Storage, client: httpx.AsyncClient, role: str, email: str = EMAIL
) -> str | None:
    """A logged-in client for a new account of `role`; its TOTP secret when it set one up."""
    account = await storage.add_account(email, role, None, "2026-11-23T10:00:00+00:00")
    assert account is not None
    link = await auth.make_password_link(storage, account, "http://test")
    await set_password(client, link.removeprefix("http://test"), PASSWORD)
    page = await client.get("/login")
    await client.post(
        "/login", data={"csrf": hidden_csrf(page), "email": email, "password": PASSWORD}
    )
    if role not in ("admin", "safeguarding"):
        return None
    setup = await client.get("/two-factor/setup")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', setup.text)
    assert secret is not None
    done = await confirm_setup(client, setup, pyotp.TOTP(secret.group(1)).now())
    assert done.headers["location"] == "/"
    return secret.group(1)


async def confirm_setup(
    client: httpx.AsyncClient, setup: httpx.Response, code: str
) -> httpx.Response:
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', setup.text)
    assert secret is not None
    form = {"csrf": hidden_csrf(setup), "secret": secret.group(1), "code": code}
    return await client.post("/two-factor/setup", data=form)


def test_the_access_table_lists_every_page(storage: Storage) -> None:
    app = build_app(storage, keys=KEYS)
    paths = {route.path for route in app.routes}  # type: ignore[attr-defined]
    assert paths - PUBLIC - SECOND_FACTOR == set(ACCESS)


def add_alert(tmp_path: Path, alert_id: int) -> None:
    """An alert written straight into the database (as a dispatcher step would)."""
    with raw_db(tmp_path / DB_NAME) as conn:
        conn.execute(
            "INSERT INTO alerts (id, created_at, slug, channel, category, phrase, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (alert_id, "2026-11-23T10:00:00+00:00", SLUG, "sms", "self_harm", "want to die",
             KEYS.seal("I want to die", "alert")),
        )  # fmt: skip
        conn.commit()


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_reaches_only_its_own_pages(
    storage: Storage, client: httpx.AsyncClient, role: str, tmp_path: Path
) -> None:
    await survey_admin.ensure_samples_open(storage, only=SLUG)  # a survey for {slug}
    add_alert(tmp_path, int(ALERT_ID))  # an alert for {id}
    await logged_in_as(storage, client, role)
    csrf = hidden_csrf(await client.get("/"))
    for path, allowed in ACCESS.items():
        url = path.replace("{slug}", SLUG).replace("{id}", ALERT_ID)
        if path in POST_ONLY:  # an empty form with a good token: refused only by role
            answer = await client.post(url, data={"csrf": csrf})
            assert (answer.status_code == 403) == (role not in allowed), (role, path)
            continue
        answer = await client.get(url)
        assert answer.status_code == (200 if role in allowed else 403), (role, path)


async def test_an_admin_needs_two_factor_before_admin_pages(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    account = await storage.add_account(EMAIL, "admin", None, "2026-11-23T10:00:00+00:00")
    assert account is not None
    link = await auth.make_password_link(storage, account, "http://test")
    await set_password(client, link.removeprefix("http://test"), PASSWORD)
    await log_in(client)
    for path in ("/", "/audit"):
        assert (await client.get(path)).headers["location"] == "/two-factor/setup"
    setup = await client.get("/two-factor/setup")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', setup.text)
    assert secret is not None and "Your role needs it" in setup.text
    assert (await confirm_setup(client, setup, "000000")).status_code == 400
    assert (await client.get("/audit")).headers["location"] == "/two-factor/setup"
    await confirm_setup(client, setup, pyotp.TOTP(secret.group(1)).now())
    assert (await client.get("/audit")).status_code == 200

    # Next time: password, then a code.
    home = await client.get("/")
    await client.post("/logout", data={"csrf": hidden_csrf(home)})
    await log_in(client)
    assert (await client.get("/audit")).headers["location"] == "/two-factor"
    page = await client.get("/two-factor")
    bad = await client.post("/two-factor", data={"csrf": hidden_csrf(page), "code": "123456"})
    assert bad.status_code == 400
    good = await client.post(
        "/two-factor", data={"csrf": hidden_csrf(page), "code": pyotp.TOTP(secret.group(1)).now()}
    )
    assert good.headers["location"] == "/"
    audit = await client.get("/audit")
    assert audit.status_code == 200 and "two-factor set up" in audit.text
    sealed = rows(Path(storage.path), "SELECT totp_secret FROM accounts")[0][0]  # type: ignore[attr-defined]
    assert secret.group(1).encode() not in sealed
