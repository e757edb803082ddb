"""A group of dashboard pages for one role: the dashboard they belong to, and their routes
behind its checks (a live session of that role, second factor, CSRF on POSTs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

if TYPE_CHECKING:
    from bot.web.dashboard import Dashboard, Page


class PageGroup:
    role = "coordinator"

    def __init__(self, dashboard: Dashboard):
        self.dashboard = dashboard
        self.storage = dashboard.storage

    def route(self, page: Page, method: str, path: str) -> Route:
        return Route(path, self.dashboard.signed_in(page, self.role), methods=[method])
