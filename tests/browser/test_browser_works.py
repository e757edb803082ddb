"""The browser harness end to end: Chromium fills in and submits a form served over HTTP."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.types import ASGIApp

FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your say</title></head>
<body><form method="post" action="/said">
<label for="idea">What would make your area better?</label>
<input id="idea" name="idea">
<button type="submit">Send</button>
</form></body></html>"""


async def form(request: Request) -> HTMLResponse:
    return HTMLResponse(FORM)


async def said(request: Request) -> HTMLResponse:
    # Parsed by hand so that this test needs nothing beyond starlette itself.
    fields = parse_qs((await request.body()).decode())
    idea = html.escape(fields.get("idea", [""])[0])
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Thank you</title>'
        f'</head><body><p id="said">You said: {idea}</p></body></html>'
    )


def make_app() -> Starlette:
    return Starlette(routes=[Route("/", form), Route("/said", said, methods=["POST"])])


def test_a_form_filled_in_and_sent_in_chromium(
    page: Page, live_server: Callable[[ASGIApp], str], tmp_path: Path
) -> None:
    base_url = live_server(make_app())

    page.goto(base_url + "/")
    page.get_by_label("What would make your area better?").fill("Youth clubs open <weekends>")
    page.get_by_role("button", name="Send").click()

    expect(page).to_have_title("Thank you")
    expect(page.locator("#said")).to_have_text("You said: Youth clubs open <weekends>")
    shot = tmp_path / "said.png"
    page.screenshot(path=shot)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert shot.stat().st_size > 1_000
