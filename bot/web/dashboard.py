"""The coordinators' dashboard: server-rendered pages (starlette + jinja2) that work without
JavaScript. This part: logging in and out, setting a password from a one-time link, two-factor
sign-in (TOTP, required for admin and safeguarding accounts, offered to all), the audit log
for admins, and the checks every page makes (a live session, its second factor where the
role needs one, its CSRF token on every form, the right role).

Every answer carries headers that keep pages out of frames, caches and other sites' reach,
and no referrer (a set-password link must not leak through one).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyotp
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.keys import KeyRing
from bot.web import auth
from storage.protocol import Storage
from storage.records import WebSession

LOGIN_CSRF_COOKIE = "youthvoice_login"
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
Page = Callable[[Request, WebSession], Awaitable[Response]]
NEEDS_TWO_FACTOR = frozenset({"admin", "safeguarding"})
# What each role may open, as the links on its home page.
LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "admin": (("/accounts", "Accounts"), ("/audit", "Audit log"), ("/reviews", "Review inboxes")),
    "coordinator": (("/surveys", "Surveys"), ("/reach", "Participation reach")),
    "reviewer": (("/reviews", "Your review inbox"),),
    "safeguarding": (("/alerts", "Safeguarding alerts"),),
}


class Dashboard:
    def __init__(
        self,
        storage: Storage,
        keys: KeyRing,
        *,
        secure_cookies: bool = False,
        invites_per_30_days: int = 2,  # YOUTHVOICE_INVITES_PER_30_DAYS's default
        public_url: str | None = None,  # YOUTHVOICE_PUBLIC_URL, for set-password links
    ):
        self.storage = storage
        self.keys = keys
        self.secure = secure_cookies
        self.invites_per_30_days = invites_per_30_days
        self.public_url = public_url

    def routes(self) -> list[Route]:
        from bot.web.pages_accounts import AccountPages  # with the other page groups
        from bot.web.pages_alerts import AlertPages  # it imports this module
        from bot.web.pages_feedback import FeedbackPages  # it imports this module
        from bot.web.pages_reach import ReachPages  # it imports this module
        from bot.web.pages_results import ResultsPages  # it imports this module
        from bot.web.pages_reviews import ReviewPages  # it imports this module
        from bot.web.pages_surveys import SurveyPages  # it imports this module

        return [
            *AccountPages(self).routes(),
            *FeedbackPages(self).routes(),
            *AlertPages(self).routes(),
            *ReachPages(self).routes(),
            *ResultsPages(self).routes(),
            *ReviewPages(self).routes(),
            *SurveyPages(self).routes(),
            Route("/", self.signed_in(self.home), methods=["GET"]),
            Route("/audit", self.signed_in(self.audit, "admin"), methods=["GET"]),
            Route("/two-factor", self.second_factor(self.code_page), methods=["GET"]),
            Route("/two-factor", self.second_factor(self.check_code), methods=["POST"]),
            Route("/two-factor/setup", self.second_factor(self.setup_page), methods=["GET"]),
            Route("/two-factor/setup", self.second_factor(self.set_up), methods=["POST"]),
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/set-password/{token}", self.password_page, methods=["GET"]),
            Route("/set-password/{token}", self.set_password, methods=["POST"]),
        ]

    # --- answers -------------------------------------------------------------------------
    def page(self, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = _templates.get_template(name).render(**values)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def _cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="strict", secure=self.secure
        )

    # --- the checks every page makes -----------------------------------------------------
    def signed_in(
        self, page: Page, *roles: str, second_factor: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        """`page` for a live session of one of `roles` (any role when none are named) that has
        given its second factor (when it has one, or its role needs one); a POST must carry
        the session's CSRF token."""

        async def checked(request: Request) -> Response:
            session = await auth.current_session(self.storage, request.cookies.get(auth.COOKIE))
            if session is None:
                return RedirectResponse("/login", status_code=303, headers=HEADERS)
            if second_factor and session.totp_secret is not None and not session.second_factor:
                return RedirectResponse("/two-factor", status_code=303, headers=HEADERS)
            if (
                second_factor
                and session.totp_secret is None
                and session.account.role in NEEDS_TWO_FACTOR
            ):
                return RedirectResponse("/two-factor/setup", status_code=303, headers=HEADERS)
            if roles and session.account.role not in roles:
                return self.page("home.html", 403, title="Not for your role", session=session)
            if request.method == "POST":
                form = await request.form()
                given = form.get("csrf")
                if not auth.csrf_ok(session, given if isinstance(given, str) else None):
                    return self.page("home.html", 403, title="Form expired", session=session)
            return await page(request, session)

        return checked

    def second_factor(self, page: Page) -> Callable[[Request], Awaitable[Response]]:
        """A page on the way to the second factor: any live session, CSRF checked."""
        return self.signed_in(page, second_factor=False)

    async def home(self, request: Request, session: WebSession) -> Response:
        links = LINKS.get(session.account.role, ())
        return self.page("home.html", title="Dashboard", session=session, links=links)

    async def audit(self, request: Request, session: WebSession) -> Response:
        entries = await self.storage.audit_entries()
        return self.page("audit.html", title="Audit log", session=session, entries=entries)

    # --- two-factor sign-in ----------------------------------------------------------------
    def _secret(self, session: WebSession) -> str | None:
        sealed = session.totp_secret
        return None if sealed is None else self.keys.unseal(sealed, "totp")

    async def code_page(
        self, request: Request, session: WebSession, error: str | None = None
    ) -> Response:
        if session.totp_secret is None:
            return RedirectResponse("/two-factor/setup", status_code=303, headers=HEADERS)
        status = 200 if error is None else 400
        title = "Two-factor sign-in"
        return self.page("two_factor.html", status, title=title, session=session, error=error)

    async def check_code(self, request: Request, session: WebSession) -> Response:
        secret = self._secret(session)
        if secret is None:
            return RedirectResponse("/two-factor/setup", status_code=303, headers=HEADERS)
        code = str((await request.form()).get("code", "")).replace(" ", "")
        if not await self._code_ok(session, secret, code, request):
            return await self.code_page(request, session, "That code is not right. Try again.")
        await self.storage.passed_second_factor(auth.digest(request.cookies[auth.COOKIE]))
        return RedirectResponse("/", status_code=303, headers=HEADERS)

    async def _code_ok(self, session: WebSession, secret: str, code: str, request: Request) -> bool:
        """A TOTP code, with the same slowing down as passwords."""
        address = request.client.host if request.client else "unknown"
        return await auth.check_second_factor(
            self.storage,
            session.account,
            address,
            lambda: pyotp.TOTP(secret).verify(code, valid_window=1),
        )

    async def setup_page(
        self, request: Request, session: WebSession, error: str | None = None, secret: str = ""
    ) -> Response:
        secret = secret or pyotp.random_base32()
        uri = pyotp.TOTP(secret).provisioning_uri(
            name=session.account.email, issuer_name="youthvoice"
        )
        return self.page(
            "two_factor.html",
            200 if error is None else 400,
            title="Set up two-factor sign-in",
            session=session,
            secret=secret,
            secret_groups=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            uri=quote(uri, safe=":/?=&"),
            required=session.account.role in NEEDS_TWO_FACTOR,
            error=error,
        )

    async def set_up(self, request: Request, session: WebSession) -> Response:
        form = await request.form()
        secret = str(form.get("secret", ""))
        code = str(form.get("code", "")).replace(" ", "")
        try:
            pyotp.TOTP(secret).now()
        except (ValueError, TypeError):
            return await self.setup_page(request, session, "Please start again.")
        if not await self._code_ok(session, secret, code, request):
            error = "That code is not right. Check the key you typed, then try again."
            return await self.setup_page(request, session, error, secret)
        await self.storage.set_totp(
            session.account, self.keys.seal(secret, "totp"), auth._iso(auth._now())
        )
        await self.storage.passed_second_factor(auth.digest(request.cookies[auth.COOKIE]))
        return RedirectResponse("/", status_code=303, headers=HEADERS)

    # --- logging in and out --------------------------------------------------------------
    async def login_page(self, request: Request, error: str | None = None) -> Response:
        token = secrets.token_urlsafe(32)
        email = ""
        status = 200 if error is None else 400
        response = self.page(
            "login.html", status, title="Log in", csrf=token, error=error, email=email
        )
        self._cookie(response, LOGIN_CSRF_COOKIE, token, None)
        return response

    async def login(self, request: Request) -> Response:
        form = await request.form()
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        given = str(form.get("csrf", ""))
        if not expected or not secrets.compare_digest(expected, given):
            return await self.login_page(request, "The form had expired. Please try again.")
        address = request.client.host if request.client else "unknown"
        result = await auth.log_in(
            self.storage, str(form.get("email", "")), str(form.get("password", "")), address
        )
        if result.throttled:
            error = "Too many failed logins. Wait 15 minutes, then try again."
            return await self.login_page(request, error)
        if result.session_id is None:
            return await self.login_page(request, "That email address and password do not match.")
        response = RedirectResponse("/", status_code=303, headers=HEADERS)
        self._cookie(response, auth.COOKIE, result.session_id, None)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    async def logout(self, request: Request) -> Response:
        session_id = request.cookies.get(auth.COOKIE)
        session = await auth.current_session(self.storage, session_id)
        if session is not None and session_id is not None:
            given = (await request.form()).get("csrf")
            if not auth.csrf_ok(session, given if isinstance(given, str) else None):
                return self.page("home.html", 403, title="Form expired", session=session)
            await auth.log_out(self.storage, session_id, session.account.email)
        response = RedirectResponse("/login", status_code=303, headers=HEADERS)
        response.delete_cookie(auth.COOKIE)
        return response

    # --- setting a password ----------------------------------------------------------------
    async def password_page(self, request: Request, error: str | None = None) -> Response:
        token = request.path_params["token"]
        account = await self.storage.password_link(auth.digest(token), auth._iso(auth._now()))
        csrf = secrets.token_urlsafe(32)
        if account is None:
            error = "This link has been used or has expired. Ask an administrator for a new one."
        response = self.page(
            "set_password.html",
            200 if error is None else 400,
            title="Set your password",
            usable=account is not None,
            email=account.email if account else "",
            minimum=auth.MIN_PASSWORD,
            csrf=csrf,
            error=error,
        )
        self._cookie(response, LOGIN_CSRF_COOKIE, csrf, None)
        return response

    async def set_password(self, request: Request) -> Response:
        form = await request.form()
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, str(form.get("csrf", ""))):
            return await self.password_page(request, "The form had expired. Please try again.")
        password, again = str(form.get("password", "")), str(form.get("again", ""))
        if password != again:
            return await self.password_page(request, "The two passwords are not the same.")
        result = await auth.set_password(self.storage, request.path_params["token"], password)
        if isinstance(result, str):
            return await self.password_page(request, result)
        response = self.page(
            "set_password.html",
            title="Password set",
            usable=False,
            notice="Your password is set. You can now log in.",
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response
