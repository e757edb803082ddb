"""Fixtures for browser tests: Debian's Chromium driven by Playwright's sync API.

Tests that use them are plain `def` tests. `browser` is shared by every test in this package;
`page` is a fresh context each test (no cookies or storage carried over), and a failed test
leaves a screenshot of it in its tmp_path. `live_server(app)` serves a Starlette app over HTTP.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from starlette.types import ASGIApp

from tests.browser.live_dashboard import LiveDashboard, serving_dashboard
from tests.browser.live_server import serving

# Debian's build, installed by scripts/system-packages: browsers that Playwright downloads
# itself (`playwright install`) do not work on our machines.
CHROMIUM = "/usr/bin/chromium"
# As root, on a closed network: without the background-networking flags Chromium keeps trying
# to reach Google, and those connections are refused.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5_000

_PAGE = pytest.StashKey[Page]()
_SHOTS = pytest.StashKey[Path]()


# Package scope, not session: between two sync calls Playwright leaves its event loop marked
# as running in this thread, which would stop every async test that runs after these.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/system-packages`", pytrace=False)
    expect.set_options(timeout=TIMEOUT_MS)
    # launch() gives Chromium a new, empty user-data-dir of its own and deletes it on close.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    request.node.stash[_PAGE] = page
    request.node.stash[_SHOTS] = tmp_path
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def live_server() -> Iterator[Callable[[ASGIApp], str]]:
    """`live_server(app)` serves `app` until the test ends and returns its base URL."""
    with contextlib.ExitStack() as servers:

        def start(app: ASGIApp) -> str:
            return servers.enter_context(serving(app))

        yield start


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[LiveDashboard]:
    """`youthvoice serve` with Telegram (a fake) and no quiet hours, so sends go at once."""
    with serving_dashboard(tmp_path) as live:
        yield live


@pytest.fixture
def shoot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """`shoot(page, name)`: a full-page screenshot, into $YOUTHVOICE_SCREENSHOTS when set (see
    scripts/screenshots), else the test's own folder."""
    folder = Path(os.environ.get("YOUTHVOICE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 0
        return path

    return take


def pytest_runtest_setup(item: pytest.Item) -> None:
    if inspect.iscoroutinefunction(getattr(item, "obj", None)):
        # Playwright's sync API holds this thread's event loop while the browser is open.
        pytest.fail("tests in tests/browser/ are plain `def` tests, not `async def`", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    page = item.stash.get(_PAGE, None)
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        path = item.stash[_SHOTS] / "failure.png"
        try:
            page.screenshot(path=path, full_page=True)
            where = f"{path} (of {page.url})"
        except Exception as exc:  # the failure may be the browser itself
            where = f"none: {exc}"
        print(f"\nscreenshot: {where}")
        report.sections.append(("browser screenshot", where))
    return report
