"""The safeguarding lead and the administrator in Chromium, against a real `youthvoice
serve`. Both roles must set up two-factor sign-in before any page opens. The lead sees an
alert from a young person on Telegram, reads it, acknowledges it and adds a note; the admin
adds an account, changes a role and reads the audit log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.live_dashboard import LiveDashboard
from tests.browser.signing_in import log_in, new_member_of_staff, set_password, set_up_two_factor
from tests.browser.test_dashboard_journey import GOOD, SLUG

RISK = "Honestly I want to die some days"
LEAD, ADMIN = "lee@council.example", "ali@council.example"


def test_the_safeguarding_lead_reads_and_acknowledges_an_alert(
    page: Page, dashboard: LiveDashboard, shoot: Callable[[Page, str], Path]
) -> None:
    (dashboard.folder / "spaces.yaml").write_text(GOOD)
    dashboard.youthvoice("survey", "add", "spaces.yaml")
    dashboard.youthvoice("survey", "open", SLUG)
    dashboard.telegram.chat(
        9001,
        "Max",
        ("SPACES", "Do you want to have a go?"),
        ("yes", "How old are you?"),
        ("16", "what changed"),
        ("no", "new surveys"),
        ("no", "Where do you meet friends most?"),
        (RISK, "Childline"),
    )

    link = dashboard.account(LEAD, "safeguarding")
    set_password(page, link)
    log_in(page, dashboard.url, LEAD, then="Set up two-factor sign-in")
    expect(page.locator("main")).to_contain_text("Your role needs it")
    shoot(page, "two-factor-setup")
    set_up_two_factor(page)

    page.get_by_role("link", name="Safeguarding alerts").click()
    expect(page.get_by_role("table")).to_contain_text("telegram")
    expect(page.get_by_role("table")).not_to_contain_text(RISK)  # only opening shows it
    shoot(page, "alerts")
    page.get_by_role("link", name="Alert #1").click()
    expect(page.locator("blockquote")).to_have_text(RISK)
    expect(page.locator("main")).to_contain_text("Childline")
    page.get_by_label("Note (optional)").fill("Rang the duty team.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("main")).to_contain_text(f"Acknowledged by {LEAD}")
    page.get_by_label("Add a note").fill("No way to identify: anonymous survey.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("main")).to_contain_text("No way to identify: anonymous survey.")
    expect(page.locator("main")).to_contain_text("Rang the duty team.")
    shoot(page, "alert")


def test_the_admin_adds_an_account_and_reads_the_audit_log(
    page: Page, dashboard: LiveDashboard, shoot: Callable[[Page, str], Path]
) -> None:
    new_member_of_staff(page, dashboard, ADMIN, "admin")
    page.get_by_role("link", name="Accounts").click()
    page.get_by_label("Email address").fill("new.coordinator@council.example")
    page.get_by_label("Role", exact=True).select_option("coordinator")
    page.get_by_label("Name (optional)").fill("Nia")
    page.get_by_role("button", name="Add account").click()
    link = page.get_by_role("region", name="Set-password link for new.coordinator@council.example")
    expect(link).to_contain_text("/set-password/")
    table = page.get_by_role("table")
    expect(table).to_contain_text("new.coordinator@council.example")
    shoot(page, "accounts")

    page.goto(f"{dashboard.url}/audit")
    expect(page.locator("main")).to_contain_text("account added")
    expect(page.locator("main")).to_contain_text("new.coordinator@council.example")
    shoot(page, "audit")
