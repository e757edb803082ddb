"""A member of staff's first visit in the browser: set a password from the link `user add`
printed, then log in."""

from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect

from bot.web.dashboard import NEEDS_TWO_FACTOR
from tests.browser.live_dashboard import LiveDashboard

PASSWORD = "a long walk by the river"


def set_password(page: Page, link: str, password: str = PASSWORD) -> None:
    page.goto(link)
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")


def log_in(
    page: Page, url: str, email: str, password: str = PASSWORD, then: str = "Dashboard"
) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=then)).to_be_visible()


def set_up_two_factor(page: Page) -> pyotp.TOTP:
    """On the set-up page: type the key into an "authenticator" and confirm its code."""
    key = page.locator("main code").inner_text().replace(" ", "")
    authenticator = pyotp.TOTP(key)
    page.get_by_label("6-digit code").fill(authenticator.now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    return authenticator


def new_member_of_staff(
    page: Page, dashboard: LiveDashboard, email: str, role: str, link: str | None = None
) -> None:
    """An account of `role` (made now, unless its set-password `link` is given), its password
    set and logged in, with two-factor set up when the role needs it."""
    set_password(page, link or dashboard.account(email, role))
    if role in NEEDS_TWO_FACTOR:
        log_in(page, dashboard.url, email, then="Set up two-factor sign-in")
        set_up_two_factor(page)
    else:
        log_in(page, dashboard.url, email)
