"""Every page of the dashboard, for each role, checked in Chromium against what WCAG 2.2 AA
asks and a machine can see (tests/browser/accessibility.py): contrast, labels, headings,
chart names and table captions, visible keyboard focus, and no sideways scrolling on a
320-pixel-wide phone."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import problems
from tests.browser.live_dashboard import LiveDashboard
from tests.browser.signing_in import new_member_of_staff
from tests.browser.test_dashboard_journey import GOOD, SLUG
from tests.browser.test_dashboard_staff import RISK

PAGES = {
    "coordinator": (
        "/",
        "/surveys",
        "/surveys/new",
        f"/surveys/{SLUG}",
        f"/surveys/{SLUG}/edit",
        f"/surveys/{SLUG}/preview?band=under_13&channel=sms",
        f"/surveys/{SLUG}/invite",
        f"/results/{SLUG}?min_count=1",
        f"/results/{SLUG}?min_count=1&by=place",
        f"/results/{SLUG}?min_count=1&q=dry",
        f"/feedback/{SLUG}",
        f"/reach?survey={SLUG}&by=place",
    ),
    "safeguarding": ("/alerts", "/alerts/1"),
    "admin": ("/accounts", "/audit", "/reviews"),
    "reviewer": ("/reviews",),
}


def test_every_page_passes_the_automatic_accessibility_checks(
    browser: Browser, page: Page, dashboard: LiveDashboard
) -> None:
    (dashboard.folder / "spaces.yaml").write_text(GOOD)
    dashboard.youthvoice("survey", "add", "spaces.yaml")
    dashboard.youthvoice("survey", "open", SLUG)
    dashboard.telegram.chat(
        9101,
        "Ola",
        ("SPACES", "Do you want to have a go?"),
        ("yes", "How old are you?"),
        ("12", "what changed"),
        ("no", "new surveys"),
        ("no", "Where do you meet friends most?"),
        ("1", "What would make your area better"),
        (f"Somewhere dry. {RISK}", "Childline"),
    )
    found: list[str] = []
    page.goto(dashboard.url + "/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    found += problems(page)
    page.goto(dashboard.account("new@council.example", "coordinator"))
    found += problems(page)

    for role, paths in PAGES.items():
        context = browser.new_context()
        try:
            staff = context.new_page()
            new_member_of_staff(staff, dashboard, f"{role}@council.example", role)
            for path in paths:
                answer = staff.goto(dashboard.url + path)
                assert answer is not None and answer.status == 200, path
                found += problems(staff)
        finally:
            context.close()
    assert found == [], "\n".join(found)
