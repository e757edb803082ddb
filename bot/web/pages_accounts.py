"""The accounts page, for admins: every account (role, whether its password and two-factor
sign-in are set), and forms to add an account, change a role and give someone a new
set-password link. Adding does what `youthvoice user add` does and shows the same one-time
link, once. A new link for a forgotten password also stops the old password and any earlier
link working and ends the account's sessions, until the link is used. An admin cannot take
away their own admin role, so there is always an admin left. Every change is audited.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.runtime import utc_now
from bot.web import auth
from bot.web.page_group import PageGroup
from storage.records import Account, WebSession

MAX_NAME = 200


def email_problem(email: str) -> str | None:
    """Why `email` will not do as an account's address (as `user add` checks), or None."""
    if not email:
        return "Enter the email address of the person the account is for."
    if "@" not in email.strip("@") or " " in email or len(email) > 320:
        return f"{email!r} is not an email address."
    return None


class AccountPages(PageGroup):
    role = "admin"

    def routes(self) -> list[Route]:
        admin = self.route
        return [
            admin(self.accounts_page, "GET", "/accounts"),
            admin(self.add, "POST", "/accounts/add"),
            admin(self.change_role, "POST", "/accounts/role"),
            admin(self.new_link, "POST", "/accounts/password-link"),
        ]

    # --- helpers -----------------------------------------------------------------------
    def _base_url(self, request: Request) -> str:
        return self.dashboard.public_url or str(request.base_url).rstrip("/")

    async def _form(self, request: Request) -> dict[str, str]:
        form = await request.form()
        return {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}

    async def _account(self, form: dict[str, str]) -> Account | None:
        email = form.get("email", "")
        return await self.storage.account(email) if email else None

    # --- pages -------------------------------------------------------------------------
    async def accounts_page(
        self,
        request: Request,
        session: WebSession,
        *,
        error: str | None = None,
        notice: str | None = None,
        link: str | None = None,
        link_for: str | None = None,
        adding: dict[str, str] | None = None,
    ) -> Response:
        return self.dashboard.page(
            "accounts.html",
            200 if error is None else 400,
            title="Accounts",
            session=session,
            accounts=await self.storage.accounts(),
            roles=auth.ROLES,
            error=error,
            notice=notice,
            link=link,
            link_for=link_for,
            adding=adding or {"role": "coordinator"},
            valid_hours=int(auth.LINK_VALID.total_seconds() // 3600),
        )

    async def add(self, request: Request, session: WebSession) -> Response:
        form = await self._form(request)
        email, role, name = form.get("email", ""), form.get("role", ""), form.get("name", "")
        problem = email_problem(email)
        if problem is None and role not in auth.ROLES:
            problem = "Choose one of the roles."
        if problem is None and len(name) > MAX_NAME:
            problem = f"Keep the name to {MAX_NAME} characters."
        if problem is None and await self.storage.account(email) is not None:
            problem = f"{email} already has an account."
        if problem is not None:
            return await self.accounts_page(request, session, error=problem, adding=form)
        added = await self.storage.add_account(
            email, role, name or None, utc_now(), actor=session.account.email
        )
        if added is None:  # added by someone else a moment ago
            error = f"{email} already has an account."
            return await self.accounts_page(request, session, error=error, adding=form)
        link = await auth.make_password_link(
            self.storage, added, self._base_url(request), actor=session.account.email
        )
        notice = f"Added {added.email} as {role}."
        return await self.accounts_page(
            request, session, notice=notice, link=link, link_for=added.email
        )

    async def change_role(self, request: Request, session: WebSession) -> Response:
        form = await self._form(request)
        account = await self._account(form)
        role = form.get("role", "")
        if account is None:
            return await self.accounts_page(request, session, error="There is no such account.")
        if role not in auth.ROLES:
            return await self.accounts_page(request, session, error="Choose one of the roles.")
        if account.id == session.account.id and role != "admin":
            error = (
                "You cannot take away your own admin role. Ask another admin to change it, "
                "so that there is always an admin left."
            )
            return await self.accounts_page(request, session, error=error)
        if role == account.role:
            notice = f"{account.email} is already {role}; nothing changed."
            return await self.accounts_page(request, session, notice=notice)
        await self.storage.set_role(account, role, session.account.email, utc_now())
        notice = f"{account.email} is now {role}."
        return await self.accounts_page(request, session, notice=notice)

    async def new_link(self, request: Request, session: WebSession) -> Response:
        account = await self._account(await self._form(request))
        if account is None:
            return await self.accounts_page(request, session, error="There is no such account.")
        link = await auth.replace_password_link(
            self.storage, account, self._base_url(request), session.account.email
        )
        notice = (
            f"{account.email}'s old password no longer works and they have been logged out, "
            "until they set a new one with this link."
        )
        return await self.accounts_page(
            request, session, notice=notice, link=link, link_for=account.email
        )
