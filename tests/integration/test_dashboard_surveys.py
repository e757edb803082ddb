"""The dashboard's survey pages over HTTP: adding a survey file (problems beside their lines,
nothing stored), editing it into a new version, opening and closing it, inviting within the
fatigue limit after showing the counts, and previewing the conversation on each channel."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot import survey_admin
from bot.catalogue import SurveyCatalogue
from bot.dispatcher import Dispatcher
from bot.invitations import invite
from bot.web.app import build_app
from conversations.messages import Inbound
from conversations.survey_loader import parse_survey
from storage.protocol import Storage
from tests.integration.helpers import ok, rows, run
from tests.integration.test_dashboard_auth import KEYS, hidden_csrf, logged_in_as
from tests.integration.test_invitations import survey_text

GOOD = """\
spec_version: 1
slug: parks-2027
title: Parks and open spaces
ages: {min: 11, max: 25}
purpose: We want to know how you use parks.
audience: The Cabinet Member for Environment.
questions:
  - id: visit
    type: choice
    text: How often do you go to a park?
    options:
      - {id: weekly, label: Every week}
      - {id: monthly, label: Every month}
      - {id: rarely, label: Hardly ever}
  - id: safe
    type: scale
    text: How safe do you feel in your local park?
    min: 1
    max: 5
"""
# Line 5 misspells purpose (so the survey has none: line 1) and line 9 has an unknown type.
BROKEN = GOOD.replace("purpose:", "porpose:").replace("type: choice", "type: choise")


@pytest.fixture
async def client(storage: Storage) -> AsyncIterator[httpx.AsyncClient]:
    # A limit of one invitation in 30 days, so one held back is easy to arrange.
    app = build_app(storage, keys=KEYS, invites_per_30_days=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await logged_in_as(storage, client, "coordinator")
        yield client


def database(storage: Storage) -> Path:
    return Path(storage.path)  # type: ignore[attr-defined]


async def upload(
    client: httpx.AsyncClient, text: str, path: str = "/surveys/new"
) -> httpx.Response:
    form = await client.get(path)
    return await client.post(
        path,
        data={"csrf": hidden_csrf(form)},
        files={"file": ("parks.yaml", text.encode(), "application/x-yaml")},
    )


async def paste(client: httpx.AsyncClient, text: str, path: str) -> httpx.Response:
    form = await client.get(path)
    return await client.post(path, data={"csrf": hidden_csrf(form), "source": text})


async def test_a_broken_file_shows_its_problems_beside_their_lines(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    answer = await upload(client, BROKEN)
    assert answer.status_code == 400
    page = html.unescape(answer.text)
    assert 'role="alert"' in page and "Nothing was stored" in page
    # The summary links to each line; the listing marks it and says what is wrong after it.
    assert '<a href="#line-1">Line 1</a>: purpose: is missing' in page
    assert '<a href="#line-5">Line 5</a>: porpose: unknown field' in page
    assert '<a href="#line-9">Line 9</a>: questions[0].type:' in page
    line_5 = page.index('id="line-5"')
    assert page.index("porpose: We want", line_5) < page.index("Problem on line 5", line_5)
    assert page.index("Problem on line 5", line_5) < page.index('id="line-6"')
    line_9 = page[page.index('id="line-9"') : page.index('id="line-10"')]
    assert "type: choise" in line_9 and "Problem on line 9: questions[0].type" in line_9
    # The text comes back to be fixed, and nothing is in the database.
    assert "porpose: We want to know how you use parks." in page
    assert rows(database(storage), "SELECT count(*) FROM surveys") == [(0,)]


async def test_a_good_file_is_stored_listed_and_edited_into_a_new_version(
    storage: Storage, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    empty = await client.get("/surveys")
    assert empty.status_code == 200 and "No surveys yet" in empty.text

    stored = await upload(client, GOOD)
    assert stored.status_code == 303
    assert stored.headers["location"].startswith("/surveys/parks-2027?done=stored")
    page = await client.get(stored.headers["location"])
    assert "Stored as version 1." in page.text and "How often do you go to a park?" in page.text
    listed = await client.get("/surveys")
    assert "parks-2027" in listed.text and "Parks and open spaces" in listed.text
    assert "draft" in listed.text

    edited = await paste(client, GOOD.replace("Hardly ever", "Never"), "/surveys/parks-2027/edit")
    assert edited.headers["location"] == "/surveys/parks-2027?done=stored&version=2"
    assert (await storage.get_survey("parks-2027")) is not None
    assert rows(database(storage), "SELECT max(version) FROM surveys") == [(2,)]
    same = await paste(client, GOOD.replace("Hardly ever", "Never"), "/surveys/parks-2027/edit")
    assert same.headers["location"] == "/surveys/parks-2027?done=unchanged&version=2"

    # An edit must keep the slug, and a broken edit stores nothing.
    other = await paste(
        client, GOOD.replace("parks-2027", "parks-2028"), "/surveys/parks-2027/edit"
    )
    assert other.status_code == 400 and "must stay parks-2027" in other.text
    broken = await upload(client, BROKEN, "/surveys/parks-2027/edit")
    assert broken.status_code == 400
    assert rows(database(storage), "SELECT count(*) FROM surveys") == [(2,)]
    audit = rows(database(storage), "SELECT action, subject FROM audit_log ORDER BY id")
    assert [a for a in audit if a[0] == "survey added"] == [
        ("survey added", "parks-2027 v1"),
        ("survey added", "parks-2027 v2"),
    ]
    assert (await client.get("/surveys/no-such-survey")).status_code == 404


async def test_open_and_close_change_the_status_the_cli_lists(
    storage: Storage, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await upload(client, GOOD)
    page = await client.get("/surveys/parks-2027")
    csrf = hidden_csrf(page)

    # Without its CSRF token, a POST changes nothing.
    refused = await client.post("/surveys/parks-2027", data={"status": "open"})
    assert refused.status_code == 403
    assert (await storage.get_survey("parks-2027")).status == "draft"  # type: ignore[union-attr]

    opened = await client.post("/surveys/parks-2027", data={"csrf": csrf, "status": "open"})
    assert opened.headers["location"] == "/surveys/parks-2027?done=opened"
    assert re.search(r"parks-2027\s+Parks and open spaces\s+open", survey_list(tmp_path))
    closed = await client.post("/surveys/parks-2027", data={"csrf": csrf, "status": "closed"})
    assert closed.headers["location"] == "/surveys/parks-2027?done=closed"
    assert re.search(r"parks-2027\s+Parks and open spaces\s+closed", survey_list(tmp_path))
    assert "The survey is now closed." in (await client.get(closed.headers["location"])).text


def survey_list(folder: Path) -> str:
    return ok(run(folder, "survey", "list"))


async def test_invitations_are_counted_then_queued(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    await add_and_open(storage, "buses")
    await add_and_open(storage, "earlier")
    dispatcher = Dispatcher(storage, KEYS, SurveyCatalogue(storage))
    await dispatcher.start()
    await joins(dispatcher, "+447700900401", "yes")
    await joins(dispatcher, "+447700900402", "no")  # did not ask to hear about new surveys
    assert (await invite(storage, KEYS, "earlier", limit=1)).queued == 1
    await joins(dispatcher, "+447700900403", "yes")  # asked after that invitation went
    await upload(client, GOOD)

    counted = await client.get("/surveys/parks-2027/invite")
    assert counted.status_code == 200
    assert re.search(r'id="would-invite">1<', counted.text)  # 403
    assert re.search(r'id="held-back">1<', counted.text)  # 401: one invitation already
    assert invitations(storage, "parks-2027") == 0  # counting queues nothing

    assert (await client.post("/surveys/parks-2027/invite", data={})).status_code == 403
    assert invitations(storage, "parks-2027") == 0
    queued = await client.post("/surveys/parks-2027/invite", data={"csrf": hidden_csrf(counted)})
    assert queued.headers["location"] == "/surveys/parks-2027?done=invited&queued=1&held=1"
    assert invitations(storage, "parks-2027") == 1
    assert (await storage.get_survey("parks-2027")).status == "open"  # type: ignore[union-attr]
    audit = rows(database(storage), "SELECT action, subject FROM audit_log ORDER BY id")
    assert ("invitations queued", "parks-2027: 1 queued, 1 held back") in audit


async def add_and_open(storage: Storage, slug: str) -> None:
    text = survey_text(slug)
    await survey_admin.add_survey_source(storage, parse_survey(text, f"{slug}.yaml"), text)
    await survey_admin.set_status(storage, slug, "open")


async def joins(dispatcher: Dispatcher, number: str, hear_new: str) -> None:
    """Takes part in buses by SMS, saying whether they want to hear about new surveys."""
    for text in ("buses", "yes", "16", "no", hear_new):
        await dispatcher.handle("sms", number, Inbound(text=text, channel="sms"))


def invitations(storage: Storage, slug: str) -> int:
    found = rows(
        database(storage),
        "SELECT count(*) FROM outbox WHERE purpose = 'invite' AND dedupe_key LIKE ?",
        (f"%{slug}%",),
    )
    return int(found[0][0])


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("telegram", ["Every week", "Every month", "Hardly ever"]),
        ("sms", ["Reply 1 Every week, 2 Every month, 3 Hardly ever"]),
    ],
)
async def test_the_preview_shows_the_first_question_as_the_channel_does(
    storage: Storage, client: httpx.AsyncClient, channel: str, expected: list[str]
) -> None:
    await upload(client, GOOD)
    before = rows(database(storage), "SELECT count(*) FROM participants")
    answer = await client.get(
        f"/surveys/parks-2027/preview?band=13_15&language=en&channel={channel}"
    )
    assert answer.status_code == 200
    page = html.unescape(answer.text)
    question = page.index("How often do you go to a park?")
    for shown in expected:
        assert shown in page[question:]
    if channel == "telegram":
        assert "<span>Every week</span>" in answer.text  # a button
        assert "Reply 1" not in page
    else:
        assert "<span>Every week</span>" not in answer.text
    assert "13 to 15" in page and "How safe do you feel" in page
    assert rows(database(storage), "SELECT count(*) FROM participants") == before


async def test_forms_without_their_token_or_from_other_roles_change_nothing(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    no_token = await client.post("/surveys/new", data={"source": GOOD})
    assert no_token.status_code == 403
    assert rows(database(storage), "SELECT count(*) FROM surveys") == [(0,)]

    transport = httpx.ASGITransport(app=build_app(storage, keys=KEYS))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as reviewer:
        await logged_in_as(storage, reviewer, "reviewer", "sam@council.example")
        home = await reviewer.get("/")
        assert (await reviewer.get("/surveys")).status_code == 403
        sent = await reviewer.post("/surveys/new", data={"csrf": hidden_csrf(home), "source": GOOD})
        assert sent.status_code == 403
    assert rows(database(storage), "SELECT count(*) FROM surveys") == [(0,)]
