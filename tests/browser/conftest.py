"""Fixtures for browser tests: Debian's Chromium driven by Playwright's sync API.

Tests that use them are plain `def` tests. `browser` is shared by every test in this package;
`page` is a fresh context each test (no cookies or storage carried over), and a failed test
leaves a screenshot of it in its tmp_path. `live_server(app)` serves a Starlette app over HTTP.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import subprocess
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from starlette.types import ASGIApp

from tests.browser.live_server import serving
from tests.integration.helpers import DB_NAME, clean_env, command, ok, run
from tests.integration.telegram_world import free_port

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
def dashboard(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`youthvoice serve` with no messaging channel: its URL, and a set-password link."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(tmp_path / DB_NAME, YOUTHVOICE_PORT=str(port), YOUTHVOICE_PUBLIC_URL=url)
    out = ok(run(tmp_path, "user", "add", "sam@council.example", "--role", "coordinator", env=env))
    link = re.search(r"(http://\S+/set-password/\S+)", out)
    assert link is not None
    serve = subprocess.Popen(
        [*command(), "serve"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or serve.poll() is not None:
                raise RuntimeError(f"serve did not start: {serve.stderr and serve.stderr.read()}")
            time.sleep(0.1)
        yield url, link.group(1)
    finally:
        serve.terminate()
        serve.communicate(timeout=15)


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
