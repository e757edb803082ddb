"""A coordinator's whole journey in Chromium, against a real `youthvoice serve`: log in, add
a survey (a broken one first, whose problems show beside their lines), open it, let a few
young people answer on Telegram while the results page is open, read the results, then post
You Said, We Did and watch the messages go out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.live_dashboard import LiveDashboard
from tests.browser.signing_in import log_in, set_password
from tests.integration.helpers import THANKS

SLUG = "youth-spaces"
BROKEN = """\
spec_version: 1
slug: youth-spaces
title: Youth spaces
purpose: To test the form.
audience: The testers.
questions:
  - id: place
    type: choice
    text: Where do you meet friends?
    options:
      - {id: park, label: The park}
  - id: place
    type: text
    text: Anything else?
"""
GOOD = """\
spec_version: 1
slug: youth-spaces
title: Youth spaces
kind: consultation
keyword: SPACES
purpose: We want to know where you like to spend time so the council can plan youth spaces.
audience: The council's youth services team will read what you say.
questions:
  - id: place
    type: choice
    text: Where do you meet friends most?
    options:
      - {id: park, label: The park}
      - {id: town, label: The town centre}
      - {id: club, label: A youth club}
  - id: wish
    type: text
    text: What would make your area better for young people?
"""
# Young people on Telegram (chat id, first name) and their answers to the two questions.
ANSWERS = {
    (7001, "Ada"): ("1", "Somewhere dry to sit"),
    (7002, "Bo"): ("1", "More benches"),
    (7003, "Cy"): ("2", "Free wifi"),
}
EMAIL = "sam@council.example"


def takes_part(dashboard: LiveDashboard, chat_id: int, name: str, place: str, wish: str) -> None:
    dashboard.telegram.chat(
        chat_id,
        name,
        ("SPACES", "Do you want to have a go?"),
        ("yes", "How old are you?"),
        ("16", "what changed"),
        ("yes", "new surveys"),
        ("no", "Where do you meet friends most?"),
        (place, "What would make your area better"),
        (wish, THANKS),
    )


def test_a_coordinator_adds_opens_reads_and_answers_a_survey(
    page: Page, dashboard: LiveDashboard, shoot: Callable[[Page, str], Path]
) -> None:
    url = dashboard.url

    # 1. Set a password through the link, then log in.
    set_password(page, dashboard.account(EMAIL, "coordinator"))
    shoot(page, "set-password")
    page.get_by_role("link", name="Go to the login page").click()
    shoot(page, "login")
    log_in(page, url, EMAIL)
    shoot(page, "home")

    # 2. Surveys -> add a broken survey: its problems show beside their lines.
    page.get_by_role("link", name="Surveys", exact=True).first.click()
    expect(page.get_by_role("link", name="Add a survey")).to_be_visible()
    page.get_by_role("link", name="Add a survey").click()
    page.get_by_label("Or paste or edit the survey's text").fill(BROKEN)
    page.get_by_role("button", name="Check and store").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("heading", name="Problems to fix")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Problem on line \d+")).first).to_be_visible()
    shoot(page, "survey-problems")

    # 3. The good survey: stored, then opened from its page.
    page.get_by_label("Or paste or edit the survey's text").fill(GOOD)
    page.get_by_role("button", name="Check and store").click()
    expect(page.get_by_role("button", name="Open")).to_be_visible()
    expect(page.locator("main")).to_contain_text(SLUG)
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("button", name="Close")).to_be_visible()
    expect(page.locator("dl").first).to_contain_text("open")
    shoot(page, "survey-page")
    page.get_by_role("link", name="Preview the conversation").click()
    page.get_by_label("Age band").select_option(label="Under 13")
    page.get_by_label("Channel").select_option(label="SMS")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="As a young person aged Under 13 sees it on SMS"))
    expect(page.locator("ol.chat")).to_contain_text("Where do you meet friends most?")
    shoot(page, "survey-preview")
    page.goto(f"{url}/surveys")
    shoot(page, "surveys")

    # 4. The results page is open while young people answer on Telegram: its counts move
    # without a reload (the page asks for them every 10 s; the test moves its clock on).
    page.clock.install()
    page.goto(f"{url}/results/{SLUG}?min_count=1")
    expect(page.locator("#live-responses")).to_have_text("0")
    for (chat_id, name), (place, wish) in ANSWERS.items():
        takes_part(dashboard, chat_id, name, place, wish)
    page.clock.run_for(10_000)
    expect(page.locator("#live-responses")).to_have_text(str(len(ANSWERS)))
    expect(page.locator("#live-completed")).to_have_text(str(len(ANSWERS)))
    page.reload()
    place_section = page.get_by_role("region", name="Where do you meet friends most?")
    expect(place_section.locator("svg").first).to_be_visible()
    expect(place_section.get_by_role("row", name="The park 2", exact=True)).to_be_visible()
    expect(place_section.get_by_role("row", name="The town centre 1", exact=True)).to_be_visible()
    shoot(page, "results")
    page.goto(f"{url}/reach?survey={SLUG}&by=place")
    expect(page.locator("main")).to_contain_text(f"Survey {SLUG}: fewer than 5 responses.")
    under_13 = page.get_by_role("table", name="Responses by age band").get_by_role(
        "row", name="Under 13"
    )
    expect(under_13).to_have_text(re.compile(r"Under 13\s*0"))
    expect(page.get_by_role("table").first).to_be_visible()
    shoot(page, "reach")

    # 5. You Said, We Did: preview, send, and watch the messages go out on the progress bar.
    page.goto(f"{url}/feedback/{SLUG}")
    expect(page.get_by_text("No feedback messages have been queued")).to_be_visible()
    page.get_by_label("You said").fill("You wanted somewhere dry to sit.")
    page.get_by_label("We did").fill("We put a shelter in the park.")
    page.get_by_role("button", name="Preview").click()
    send = page.get_by_role("button", name=re.compile(r"^Send to \d+ young"))
    expect(send).to_have_text(f"Send to {len(ANSWERS)} young people")
    shoot(page, "feedback-preview")
    send.click()
    page.goto(f"{url}/feedback/{SLUG}")
    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    for chat_id, _name in ANSWERS:
        dashboard.telegram.wait_for(chat_id, "We put a shelter in the park.")
    page.clock.run_for(10_000)
    expect(page.locator("main")).to_contain_text(f"{len(ANSWERS)} of {len(ANSWERS)} sent")
    expect(bar).to_have_attribute("value", str(len(ANSWERS)))
    post = page.get_by_role("article")
    expect(post).to_contain_text("You wanted somewhere dry to sit.")
    expect(post).to_contain_text("We put a shelter in the park.")
    shoot(page, "feedback")
