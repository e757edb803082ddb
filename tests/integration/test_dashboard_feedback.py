"""You Said, We Did in the dashboard: the public log, delivery progress, and a post previewed
in each age band's wording before it is queued, once, to everyone who asked to hear back."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import AsyncIterator

import httpx
import pytest

from bot import survey_admin
from bot.runtime import Runtime
from bot.web.app import build_app
from conversations.survey_loader import parse_survey
from storage.sqlite_feedback import feedback_key_prefix
from tests.integration.telegram_world import SURVEY, takes_part
from tests.integration.test_dashboard_auth import EMAIL, hidden_csrf, logged_in_as

SAID = "Buses at night felt unsafe"
DID = "Two more night buses, with lit stops"


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The dashboard on the runtime's storage and keys, logged in as a coordinator, with
    "buses" open."""
    buses = parse_survey(SURVEY, "buses.yaml")
    await survey_admin.add_survey_source(runtime.storage, buses, SURVEY)
    await runtime.storage.set_survey_status("buses", "open", "2026-01-01T00:00:00+00:00")
    await runtime.catalogue.refresh()
    transport = httpx.ASGITransport(app=build_app(runtime.storage, keys=runtime.keys))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await logged_in_as(runtime.storage, client, "coordinator")
        yield client


async def four_hear_back(runtime: Runtime) -> None:
    """Six young people in "buses": four asked to hear back, one in each age band."""
    await takes_part(runtime, "telegram", "101", age="12", hear_back="yes")
    await takes_part(runtime, "sms", "+447700900201", age="14", hear_back="yes")
    await takes_part(runtime, "telegram", "102", age="16", hear_back="yes")
    await takes_part(runtime, "sms", "+447700900202", age="19", hear_back="y")
    await takes_part(runtime, "telegram", "103", age="17", hear_back="no")
    await takes_part(runtime, "telegram", "104", age="12", hear_back="no")


def text_of(page: httpx.Response) -> str:
    return html.unescape(page.text)


def words_of(page: httpx.Response) -> str:
    """What the page says, without its tags."""
    return re.sub(r"<[^>]+>", "", text_of(page))


async def test_a_post_is_previewed_then_queued_once_each(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await four_hear_back(runtime)
    page = await client.get("/feedback/buses")
    assert page.status_code == 200
    assert "No feedback messages have been queued" in page.text
    assert '<label for="said">You said</label>' in page.text
    assert '<label for="did">We did</label>' in page.text
    csrf = hidden_csrf(page)

    preview = await client.post(
        "/feedback/buses/preview", data={"csrf": csrf, "said": f"  {SAID} ", "did": DID}
    )
    assert preview.status_code == 200
    shown = text_of(preview)
    assert f"You told us: {SAID}\nSo we: {DID}" in shown  # under 13
    assert f"You said: {SAID}\nWe did: {DID}" in shown  # 13 and over
    assert "Under 13 (1)" in shown and "16 or 17 (1)" in shown and "18 to 25 (1)" in shown
    assert "Send to 4 young people" in shown
    assert await runtime.storage.feedback_status("buses") == {}  # nothing sent by a preview

    edit = await client.post(
        "/feedback/buses/preview", data={"csrf": csrf, "said": SAID, "did": DID, "edit": "1"}
    )
    assert edit.status_code == 200 and f">{DID}</textarea>" in text_of(edit)

    hidden = dict(re.findall(r'name="(said|did)" value="([^"]*)"', preview.text))
    assert {k: html.unescape(v) for k, v in hidden.items()} == {"said": SAID, "did": DID}
    sent = await client.post("/feedback/buses/send", data={"csrf": csrf, **hidden})
    assert sent.status_code == 303 and sent.headers["location"] == "/feedback/buses"
    assert await runtime.storage.feedback_status("buses") == {"queued": 4}
    assert [(p.said, p.did) for p in await runtime.storage.feedback_log("buses")] == [(SAID, DID)]
    audit = [e for e in await runtime.storage.audit_entries() if e[2] == "feedback sent"]
    assert [(e[1], e[3]) for e in audit] == [(EMAIL, "buses")]

    progress = text_of(await client.get("/feedback/buses"))
    assert "0 of 4 sent or delivered" in words_of(await client.get("/feedback/buses"))
    assert re.search(r'<progress id="progress" max="4" value="0"', progress)
    figures = await client.get("/feedback/buses/progress.json")
    assert figures.json() == {
        "queued": 4,
        "sent": 0,
        "delivered": 0,
        "done": 0,
        "failed": 0,
        "cancelled": 0,
        "total": 4,
    }
    assert (await client.get("/feedback/nope/progress.json")).status_code == 404
    assert f"<strong>You said:</strong> {SAID}" in progress

    # The same post again queues nothing new.
    await client.post("/feedback/buses/send", data={"csrf": csrf, **hidden})
    assert await runtime.storage.feedback_status("buses") == {"queued": 4}


async def test_the_log_is_newest_first_and_progress_counts(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await four_hear_back(runtime)
    csrf = hidden_csrf(await client.get("/feedback/buses"))
    for said in ("First thing said", "Second thing said"):
        answer = await client.post(
            "/feedback/buses/send", data={"csrf": csrf, "said": said, "did": DID}
        )
        assert answer.status_code == 303
    storage = runtime.storage
    statuses = ("sending", "sent", "delivered", "delivered", "failed")
    with sqlite3.connect(storage.path) as connection:  # type: ignore[attr-defined]
        ids = connection.execute(
            "SELECT id FROM outbox WHERE dedupe_key LIKE ? ORDER BY id",
            (feedback_key_prefix("buses") + "%",),
        ).fetchall()
        for (outbox_id,), status in zip(ids, statuses, strict=False):
            connection.execute("UPDATE outbox SET status = ? WHERE id = ?", (status, outbox_id))
    assert await storage.feedback_status("buses") == {
        "queued": 3, "sending": 1, "sent": 1, "delivered": 2, "failed": 1,
    }  # fmt: skip
    page = text_of(await client.get("/feedback/buses"))
    assert "3 of 8 sent or delivered" in words_of(await client.get("/feedback/buses"))
    counts = re.findall(r"<dt>([\w ()]+)</dt><dd[^>]*>(\d+)</dd>", page)
    assert [(name.split()[0], count) for name, count in counts] == [
        ("Queued", "4"), ("Sent", "1"), ("Delivered", "2"), ("Failed", "1"), ("Cancelled", "0")
    ]  # fmt: skip
    assert page.index("Second thing said") < page.index("First thing said")


async def test_mistakes_and_forged_forms_queue_nothing(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await four_hear_back(runtime)
    csrf = hidden_csrf(await client.get("/feedback/buses"))
    empty = await client.post(
        "/feedback/buses/send", data={"csrf": csrf, "said": SAID, "did": "   "}
    )
    assert empty.status_code == 400
    assert '"We did" must say something' in text_of(empty)
    assert f">{SAID}</textarea>" in text_of(empty)  # what they wrote is kept
    long = await client.post(
        "/feedback/buses/preview", data={"csrf": csrf, "said": "x" * 601, "did": DID}
    )
    assert long.status_code == 400 and "keep it under 600" in long.text

    forged = await client.post("/feedback/buses/send", data={"said": SAID, "did": DID})
    assert forged.status_code == 403
    assert await runtime.storage.feedback_status("buses") == {}
    assert await runtime.storage.feedback_log("buses") == []
    missing = await client.get("/feedback/nope")
    assert missing.status_code == 404
