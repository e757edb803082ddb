"""A coordinator's whole journey in Chromium, against a real `youthvoice serve`: log in, add
a survey (a broken one first, whose problems show beside their lines), open it, let a few
young people answer through `youthvoice demo`, read the results, then post You Said, We Did
and see the messages queued and the post in the public log."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.integration.helpers import DB_NAME, THANKS, clean_env, ok, run

PASSWORD = "a long walk by the river"
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
# Young people and their answers: the keyword, consent, age, hear back, new surveys, then
# the choice and the text question.
ANSWERS = {
    "Ada": ("1", "Somewhere dry to sit"),
    "Bo": ("1", "More benches"),
    "Cy": ("2", "Free wifi"),
}


def shot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def test_a_coordinator_adds_opens_reads_and_answers_a_survey(
    page: Page, dashboard: tuple[str, str], tmp_path: Path
) -> None:
    url, link = dashboard
    shots: list[Path] = []

    # 1. Set a password through the link, then log in.
    page.goto(link)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    shots.append(shot(page, tmp_path, "set-password"))
    page.get_by_role("link", name="Go to the login page").click()
    page.get_by_label("Email address").fill("sam@council.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    shots.append(shot(page, tmp_path, "home"))

    # 2. Surveys -> add a broken survey: its problems show beside their lines.
    page.get_by_role("link", name="Surveys", exact=True).first.click()
    expect(page.get_by_role("link", name="Add a survey")).to_be_visible()
    shots.append(shot(page, tmp_path, "surveys"))
    page.get_by_role("link", name="Add a survey").click()
    page.get_by_label("Or paste or edit the survey's text").fill(BROKEN)
    page.get_by_role("button", name="Check and store").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("heading", name="Problems to fix")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Problem on line \d+")).first).to_be_visible()
    shots.append(shot(page, tmp_path, "survey-problems"))

    # 3. The good survey: stored, then opened from its page.
    page.get_by_label("Or paste or edit the survey's text").fill(GOOD)
    page.get_by_role("button", name="Check and store").click()
    expect(page.get_by_role("button", name="Open")).to_be_visible()
    expect(page.locator("main")).to_contain_text(SLUG)
    shots.append(shot(page, tmp_path, "survey-page"))
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("button", name="Close")).to_be_visible()
    expect(page.locator("dl").first).to_contain_text("open")
    shots.append(shot(page, tmp_path, "survey-opened"))

    # 4. A few young people answer through `youthvoice demo` on the same database.
    env = clean_env(tmp_path / DB_NAME)
    for name, (place, wish) in ANSWERS.items():
        typed = "\n".join(["SPACES", "yes", "16", "yes", "no", place, wish]) + "\n"
        out = ok(run(tmp_path, "demo", "--as", name, stdin=typed, env=env))
        assert THANKS in out, out
    page.goto(f"{url}/results/{SLUG}?min_count=1")
    expect(page.locator("#live-responses")).to_have_text(str(len(ANSWERS)))
    expect(page.locator("#live-completed")).to_have_text(str(len(ANSWERS)))
    place_section = page.get_by_role("region", name="Where do you meet friends most?")
    expect(place_section.locator("svg").first).to_be_visible()
    expect(place_section.get_by_role("row", name="The park 2", exact=True)).to_be_visible()
    expect(place_section.get_by_role("row", name="The town centre 1", exact=True)).to_be_visible()
    shots.append(shot(page, tmp_path, "results"))

    # 5. You Said, We Did: preview, send, then the queued messages and the public log.
    page.goto(f"{url}/feedback/{SLUG}")
    expect(page.get_by_text("No feedback messages have been queued")).to_be_visible()
    shots.append(shot(page, tmp_path, "feedback"))
    page.get_by_label("You said").fill("You wanted somewhere dry to sit.")
    page.get_by_label("We did").fill("We put a shelter in the park.")
    page.get_by_role("button", name="Preview").click()
    send = page.get_by_role("button", name=re.compile(r"^Send to \d+ young"))
    expect(send).to_have_text(f"Send to {len(ANSWERS)} young people")
    shots.append(shot(page, tmp_path, "feedback-preview"))
    send.click()
    page.goto(f"{url}/feedback/{SLUG}")
    expect(page.locator("main")).to_contain_text(f"0 of {len(ANSWERS)} sent or delivered")
    expect(page.get_by_role("progressbar")).to_be_visible()
    post = page.get_by_role("article")
    expect(post).to_contain_text("You wanted somewhere dry to sit.")
    expect(post).to_contain_text("We put a shelter in the park.")
    shots.append(shot(page, tmp_path, "feedback-sent"))

    assert all(path.stat().st_size > 0 for path in shots)
    assert len(shots) == 10
