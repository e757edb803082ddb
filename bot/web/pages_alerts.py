"""Safeguarding alerts in the dashboard, for the safeguarding role only: the list (open ones
first), one alert with what the young person wrote (each view audited as "alert read"),
what they were signposted to, the notes on it, and forms to acknowledge it and add notes.

An alert from a care review names the review: that child can be identified and helped. An
alert from an anonymous survey cannot be traced to anyone: the young person was signposted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web import auth
from bot.web.dashboard import HEADERS
from conversations.safeguarding import HELP_NOW, HELP_NOW_UNDER_13
from storage.records import AlertRow, WebSession

if TYPE_CHECKING:
    from bot.web.dashboard import Dashboard

NOTE_PURPOSE = "alert note"
MAX_NOTE = 4000


def who_can_be_helped(alert: AlertRow) -> str:
    if alert.review_id is not None:
        return f"Review #{alert.review_id}: this child can be identified"
    return "Anonymous: cannot be identified; was signposted"


class AlertPages:
    def __init__(self, dashboard: Dashboard):
        self.dashboard = dashboard

    def routes(self) -> list[Route]:
        signed_in = self.dashboard.signed_in
        return [
            Route("/alerts", signed_in(self.list_page, "safeguarding"), methods=["GET"]),
            Route("/alerts/{id}", signed_in(self.alert_page, "safeguarding"), methods=["GET"]),
            Route("/alerts/{id}", signed_in(self.change, "safeguarding"), methods=["POST"]),
        ]

    async def list_page(self, request: Request, session: WebSession) -> Response:
        alerts = await self.dashboard.storage.alerts()
        return self.dashboard.page(
            "alerts.html",
            title="Safeguarding alerts",
            session=session,
            alerts=alerts,
            who=who_can_be_helped,
        )

    async def _find(self, request: Request) -> AlertRow | None:
        raw = request.path_params["id"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            return None
        return await self.dashboard.storage.alert(int(raw))

    def _missing(self, session: WebSession) -> Response:
        return self.dashboard.page(
            "home.html", 404, title="No such alert", session=session, links=()
        )

    async def alert_page(
        self, request: Request, session: WebSession, error: str | None = None
    ) -> Response:
        alert = await self._find(request)
        if alert is None:
            return self._missing(session)
        keys = self.dashboard.keys
        text = keys.unseal(alert.detail, "alert")
        notes = [(n.at, n.author, keys.unseal(n.note, NOTE_PURPOSE)) for n in alert.notes]
        await self.dashboard.storage.audit(
            session.account.email, "alert read", f"alert #{alert.id}", auth._iso(auth._now())
        )
        return self.dashboard.page(
            "alert.html",
            200 if error is None else 400,
            title=f"Alert #{alert.id}",
            session=session,
            alert=alert,
            text=text,
            notes=notes,
            who=who_can_be_helped(alert),
            help_now=HELP_NOW,
            help_now_under_13=HELP_NOW_UNDER_13,
            max_note=MAX_NOTE,
            error=error,
        )

    async def change(self, request: Request, session: WebSession) -> Response:
        """Acknowledge (with an optional note) or add a note; the CSRF token is checked."""
        alert = await self._find(request)
        if alert is None:
            return self._missing(session)
        form = await request.form()
        action = str(form.get("action", ""))
        note = str(form.get("note", "")).strip()
        if len(note) > MAX_NOTE:
            return await self.alert_page(
                request, session, f"A note is {MAX_NOTE} characters at most."
            )
        storage, keys = self.dashboard.storage, self.dashboard.keys
        sealed = keys.seal(note, NOTE_PURPOSE) if note else None
        now = auth._iso(auth._now())
        if action == "acknowledge":
            if alert.acknowledged_at is not None:
                return await self.alert_page(request, session, "It was already acknowledged.")
            await storage.acknowledge_alert(alert.id, session.account.email, sealed, now)
        elif action == "note":
            if sealed is None:
                return await self.alert_page(request, session, "Write a note first.")
            await storage.add_alert_note(alert.id, session.account.email, sealed, now)
        else:
            return await self.alert_page(request, session, "Please try again.")
        return RedirectResponse(f"/alerts/{alert.id}", status_code=303, headers=HEADERS)
