"""The accounts page for admins over HTTP: adding an account shows its one-time link, roles
change (never an admin's own admin role), a new link for a forgotten password stops the old
one and ends sessions, every change is audited, and only admins may do any of it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.web import auth
from storage.protocol import Storage
from tests.integration.dashboard_world import signed_in
from tests.integration.helpers import rows
from tests.integration.test_dashboard_auth import PASSWORD, hidden_csrf, set_password

ADMIN = "admin@council.example"
NEW = "sam.patel@council.example"
NEW_PASSWORD = "a brand new password please"


def shown_link(page: httpx.Response) -> str:
    """The path of the set-password link a page shows."""
    found = re.search(r'id="password-link">http://test(/set-password/[\w-]+)<', page.text)
    assert found is not None, page.text
    return found.group(1)


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"csrf": hidden_csrf(page), "email": email, "password": password}
    )


async def post(admin: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    csrf = hidden_csrf(await admin.get("/accounts"))
    return await admin.post(path, data={"csrf": csrf, **form})


def role_of(storage: Storage, email: str) -> str:
    found = rows(Path(storage.path), "SELECT role FROM accounts WHERE email = ?", (email,))  # type: ignore[attr-defined]
    return str(found[0][0])


async def test_an_admin_adds_an_account_whose_link_sets_a_password_that_logs_in(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    async with signed_in(storage, "admin") as admin:
        home = await admin.get("/")
        assert 'href="/accounts"' in home.text
        page = await admin.get("/accounts")
        assert page.status_code == 200
        assert "<caption>" in page.text and ADMIN in page.text
        assert '<label for="add-email">' in page.text

        added = await post(admin, "/accounts/add", email=NEW, role="reviewer", name="Sam Patel")
        assert added.status_code == 200 and f"Added {NEW} as reviewer" in added.text
        path = shown_link(added)
        assert "Sam Patel" in added.text
        # The link is shown once: the page does not show it again.
        assert "/set-password/" not in (await admin.get("/accounts")).text

        again = await post(admin, "/accounts/add", email=NEW.upper(), role="coordinator")
        assert again.status_code == 400 and "already has an account" in again.text
        bad = await post(admin, "/accounts/add", email="not an email", role="reviewer")
        assert bad.status_code == 400 and "is not an email address" in bad.text
        no_role = await post(admin, "/accounts/add", email="x@council.example", role="boss")
        assert no_role.status_code == 400 and "Choose one of the roles" in no_role.text

        assert "Your password is set" in await set_password(client, path, NEW_PASSWORD)
        answer = await log_in(client, NEW, NEW_PASSWORD)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        assert (await client.get("/reviews")).status_code == 200

        audit = (await admin.get("/audit")).text
        assert f"{NEW} (reviewer)" in audit and "account added" in audit
        assert re.search(rf"<td>{ADMIN}</td><td>account added</td>", audit)
        assert re.search(rf"<td>{ADMIN}</td><td>password link made</td><td>{NEW}</td>", audit)
    assert rows(Path(storage.path), "SELECT count(*) FROM accounts") == [(2,)]  # type: ignore[attr-defined]


async def test_an_admin_changes_a_role_and_it_is_audited(storage: Storage) -> None:
    async with signed_in(storage, "coordinator") as coordinator:
        assert (await coordinator.get("/surveys")).status_code == 200
        async with signed_in(storage, "admin") as admin:
            email = "coordinator@council.example"
            changed = await post(admin, "/accounts/role", email=email, role="reviewer")
            assert changed.status_code == 200 and f"{email} is now reviewer" in changed.text
            assert role_of(storage, email) == "reviewer"
            audit = (await admin.get("/audit")).text
            assert f"<td>{ADMIN}</td><td>role changed</td>" in audit
            assert f"{email} (coordinator to reviewer)" in audit

            missing = await post(admin, "/accounts/role", email="who@x.example", role="admin")
            assert missing.status_code == 400 and "no such account" in missing.text
            wrong = await post(admin, "/accounts/role", email=email, role="boss")
            assert wrong.status_code == 400 and role_of(storage, email) == "reviewer"
        # Their session now has the new role's pages, and not the old one's.
        assert (await coordinator.get("/surveys")).status_code == 403
        assert (await coordinator.get("/reviews")).status_code == 200


async def test_an_admin_cannot_take_away_their_own_admin_role(storage: Storage) -> None:
    async with signed_in(storage, "admin") as admin:
        refused = await post(admin, "/accounts/role", email=ADMIN, role="coordinator")
        assert refused.status_code == 400
        assert "cannot take away your own admin role" in refused.text
        assert role_of(storage, ADMIN) == "admin"
        assert (await admin.get("/accounts")).status_code == 200
        assert "role changed" not in (await admin.get("/audit")).text


async def test_a_new_link_stops_the_old_password_and_ends_sessions(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    email = "coordinator@council.example"
    async with signed_in(storage, "coordinator") as coordinator:
        assert (await coordinator.get("/")).status_code == 200
        account = await storage.account(email)
        assert account is not None
        earlier = await auth.make_password_link(storage, account, "http://test")
        async with signed_in(storage, "admin") as admin:
            answer = await post(admin, "/accounts/password-link", email=email)
            assert answer.status_code == 200 and "old password no longer works" in answer.text
            path = shown_link(answer)
            listed = (await admin.get("/accounts")).text
            assert re.search(rf"{email}</th>\s*<td></td>\s*<td>coordinator</td>\s*<td>No<", listed)
            audit = (await admin.get("/audit")).text
            assert (
                f"<td>{ADMIN}</td><td>password reset, new link made</td><td>{email}</td>" in audit
            )
        # Logged out, the old password no longer logs in, and the earlier link is spent.
        assert (await coordinator.get("/")).headers["location"] == "/login"
        assert (await log_in(client, email, PASSWORD)).status_code == 400
        assert (await client.get(earlier.removeprefix("http://test"))).status_code == 400
        # The new link sets a new password, which logs in.
        assert "Your password is set" in await set_password(client, path, NEW_PASSWORD)
        assert (await log_in(client, email, NEW_PASSWORD)).status_code == 303
        assert (await client.get("/surveys")).status_code == 200


async def test_a_form_without_its_csrf_token_changes_nothing(storage: Storage) -> None:
    async with signed_in(storage, "admin") as admin:
        count = rows(Path(storage.path), "SELECT count(*) FROM accounts")  # type: ignore[attr-defined]
        for path, form in (
            ("/accounts/add", {"email": NEW, "role": "admin"}),
            ("/accounts/role", {"email": ADMIN, "role": "reviewer"}),
            ("/accounts/password-link", {"email": ADMIN}),
        ):
            assert (await admin.post(path, data=form)).status_code == 403
            wrong = {"csrf": "not the token", **form}
            assert (await admin.post(path, data=wrong)).status_code == 403
        assert rows(Path(storage.path), "SELECT count(*) FROM accounts") == count  # type: ignore[attr-defined]
        assert role_of(storage, ADMIN) == "admin"
        assert (await admin.get("/accounts")).status_code == 200  # still logged in
        audit = (await admin.get("/audit")).text
        assert NEW not in audit and "password reset" not in audit


@pytest.mark.parametrize("role", ["coordinator", "reviewer", "safeguarding"])
async def test_other_roles_may_not_manage_accounts(storage: Storage, role: str) -> None:
    async with signed_in(storage, role) as user:
        assert 'href="/accounts"' not in (await user.get("/")).text
        assert (await user.get("/accounts")).status_code == 403
        csrf = hidden_csrf(await user.get("/"))
        email = f"{role}@council.example"
        for path, form in (
            ("/accounts/add", {"email": NEW, "role": "admin"}),
            ("/accounts/role", {"email": email, "role": "admin"}),
            ("/accounts/password-link", {"email": email}),
        ):
            assert (await user.post(path, data={"csrf": csrf, **form})).status_code == 403
        assert role_of(storage, email) == role
        assert rows(Path(storage.path), "SELECT count(*) FROM accounts") == [(1,)]  # type: ignore[attr-defined]
        assert (await user.get("/")).status_code == 200  # the password still works
