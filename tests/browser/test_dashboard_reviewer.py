"""A reviewing officer in Chromium, against a real `youthvoice serve`: children in care send
their views on Telegram with their own codes; each officer's inbox shows their own children
only, and every coordinator, safeguarding and admin page says it is not for them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.live_dashboard import LiveDashboard
from tests.browser.signing_in import new_member_of_staff

SURVEY = Path(__file__).parents[2] / "conversations" / "surveys" / "my-review.yaml"
SAM, JO = "sam@council.example", "jo@council.example"
NOT_THEIRS = ("/surveys", "/results/my-review", "/reach", "/feedback/my-review", "/alerts",
              "/accounts", "/audit")  # fmt: skip


def invite(dashboard: LiveDashboard, worker: str) -> str:
    out = dashboard.youthvoice("review", "invite", "my-review", "--due", "2027-03-01",
                               "--worker", worker)  # fmt: skip
    code = re.search(r"Code: ([A-Z]{4}-\d{4})", out)
    assert code is not None, out
    return code.group(1)


def shares_views(dashboard: LiveDashboard, chat_id: int, code: str, going_well: str) -> None:
    dashboard.telegram.chat(
        chat_id,
        "Kim",
        (code, "Do you want to have a go?"),
        ("yes", "How old are you?"),
        ("14", "after your review"),
        ("no", "new surveys"),
        ("no", "where you live"),
        ("4", "school"),
        ("4", "family and friends"),
        ("2", "going well"),
        (going_well, "like to change"),
        ("More visits", "anything else"),
        ("skip", "review meeting"),
        ("1", "Nothing has been sent yet"),
        ("1", "we've sent your answers"),
    )


def test_a_reviewer_sees_only_their_own_childrens_views(
    browser: Browser, page: Page, dashboard: LiveDashboard, shoot: Callable[[Page, str], Path]
) -> None:
    dashboard.youthvoice("survey", "add", str(SURVEY))
    dashboard.youthvoice("survey", "open", "my-review")
    links = {worker: dashboard.account(worker, "reviewer") for worker in (SAM, JO)}
    shares_views(dashboard, 8001, invite(dashboard, SAM), "Seeing my brother")
    shares_views(dashboard, 8002, invite(dashboard, JO), "Football on Saturdays")
    invite(dashboard, JO)  # a child who has not written yet

    new_member_of_staff(page, dashboard, JO, "reviewer", links[JO])
    page.get_by_role("link", name="Your review inbox").click()
    main = page.locator("main")
    expect(main).to_contain_text("Football on Saturdays")
    expect(main).to_contain_text("Waiting: nothing sent yet")
    expect(page.get_by_role("region")).to_have_count(2)
    expect(main).not_to_contain_text("Seeing my brother")
    shoot(page, "reviews")

    # Asking for another officer's inbox by its address still shows only Jo's own.
    page.goto(f"{dashboard.url}/reviews?worker={SAM}")
    expect(page.locator("main")).to_contain_text("Football on Saturdays")
    expect(page.locator("main")).not_to_contain_text("Seeing my brother")
    for path in NOT_THEIRS:
        answer = page.goto(dashboard.url + path)
        assert answer is not None and answer.status == 403, path
        expect(page.get_by_role("heading", name="Not for your role")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("Seeing my brother")

    # Sam, in a browser of their own, sees Sam's child and not Jo's.
    context = browser.new_context()
    try:
        sams = context.new_page()
        new_member_of_staff(sams, dashboard, SAM, "reviewer", links[SAM])
        sams.goto(f"{dashboard.url}/reviews")
        expect(sams.locator("main")).to_contain_text("Seeing my brother")
        expect(sams.locator("main")).not_to_contain_text("Football on Saturdays")
        expect(sams.get_by_role("region")).to_have_count(1)
    finally:
        context.close()
