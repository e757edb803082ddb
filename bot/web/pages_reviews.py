"""The review inbox in the dashboard: a reviewer sees only the children who were invited to
write to them, an admin everyone's; each contribution shown is a read in the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import reviews
from storage.records import WebSession

if TYPE_CHECKING:
    from bot.web.dashboard import Dashboard


class ReviewPages:
    def __init__(self, dashboard: Dashboard):
        self.dashboard = dashboard

    def routes(self) -> list[Route]:
        inbox = self.dashboard.signed_in(self.inbox, "reviewer", "admin")
        return [Route("/reviews", inbox, methods=["GET"])]

    async def inbox(self, request: Request, session: WebSession) -> Response:
        mine = session.account.email if session.account.role == "reviewer" else None
        entries = await reviews.inbox(
            self.dashboard.storage, self.dashboard.keys, mine, reader=session.account.email
        )
        return self.dashboard.page(
            "reviews.html", title="Review inbox", session=session, entries=entries
        )
