"""The automatic accessibility checks find what they claim to: a page made of known faults
fails each one, and the same page done right passes."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.browser.accessibility import problems

BAD = """<!doctype html><html><head><meta charset="utf-8"><title>Bad</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>button:focus { outline: none; } .faint { color: #aaa; }</style></head><body>
<h1>Bad</h1><h3>Skipped a level</h3>
<p class="faint">Grey on white</p>
<input name="email">
<button>Go</button>
<svg width="100" height="20"><rect width="50" height="20"/></svg>
<table><tr><td>no caption</td></tr></table>
<div style="width: 600px">Too wide for a phone</div>
</body></html>"""

GOOD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Good</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>button:focus, input:focus, [tabindex]:focus { outline: 3px solid #ffbf47; }
.scrolls { overflow-x: auto; max-width: 100%; }</style></head><body>
<h1>Good</h1><h2>In order</h2>
<p style="color: #505a5f">Dark grey on white</p>
<label for="email">Email</label><input id="email" name="email">
<button>Go</button>
<svg role="img" aria-label="A bar" width="100" height="20"><rect width="50" height="20"/></svg>
<div class="scrolls" tabindex="0"><table><caption>Wide</caption>
<tr><td style="min-width: 600px">a wide table scrolls in its own box</td></tr></table></div>
</body></html>"""


def app() -> ASGIApp:
    async def bad(request: Request) -> HTMLResponse:
        return HTMLResponse(BAD)

    async def good(request: Request) -> HTMLResponse:
        return HTMLResponse(GOOD)

    return Starlette(routes=[Route("/bad", bad), Route("/good", good)])


def test_each_check_finds_its_fault_and_passes_the_fix(
    page: Page, live_server: Callable[[ASGIApp], str]
) -> None:
    url = live_server(app())
    page.goto(f"{url}/bad")
    found = "\n".join(problems(page))
    for fault in (
        "the page has no lang",
        "skips a level",
        '"Grey on white" has contrast 2.32:1',
        'a input named "email" has no label',
        "no visible focus on button",
        "a chart has no name",
        "a table has no caption",
        "at 320px: <div> ends at",
    ):
        assert fault in found, found
    page.goto(f"{url}/good")
    assert problems(page) == []
