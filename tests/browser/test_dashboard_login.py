"""The dashboard's front door in Chromium, against a real `youthvoice serve`: a new account
sets its password from the link `user add` printed, logs in, and logs out; the keyboard
alone gets there."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.live_dashboard import LiveDashboard

PASSWORD = "a long walk by the river"


def test_set_a_password_log_in_and_out_with_the_keyboard(
    page: Page, dashboard: LiveDashboard, tmp_path: Path
) -> None:
    url, link = dashboard.url, dashboard.account("sam@council.example", "coordinator")
    page.goto(link)
    expect(page.get_by_role("heading", name="Set your password")).to_be_visible()
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD + " again")
    page.get_by_label("The same password again").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("not the same")

    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    page.get_by_role("link", name="Go to the login page").click()

    # The keyboard alone: the skip link first, then the fields in order.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type("sam@council.example")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("main")).to_contain_text("sam@council.example")
    page.screenshot(path=tmp_path / "home.png", full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
