"""The review inbox in the dashboard: a reviewer sees only their own children's reviews, and
every contribution shown is a read in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from bot import reviews, survey_admin
from bot.review_codes import code_hash, contribution_blob
from conversations.events import ReviewShared, SharedAnswer
from conversations.state import ParticipantState
from conversations.survey_loader import parse_survey
from storage.protocol import Storage
from storage.records import StepRecord
from tests.integration.test_dashboard_auth import EMAIL, KEYS, logged_in_as
from tests.integration.test_reviews import VIEWS


async def shared_review(storage: Storage, worker_email: str, words: str) -> str:
    """A review to `worker_email` whose child has shared one answer; its code."""
    worker = await storage.account(worker_email)
    if worker is None:
        worker = await storage.add_account(worker_email, "reviewer", None, "2026-01-01T00:00")
    assert worker is not None
    today = datetime.now(UTC).date()
    made = await reviews.invite(
        storage, KEYS, "views", today + timedelta(days=5), worker_email, today
    )
    child = KEYS.pseudonym("telegram", worker_email)
    check = await storage.use_review_code(
        code_hash(KEYS, made.code), child, "telegram", KEYS.seal("1", "contact"),
        today=today.isoformat(), now="2026-11-23T10:00:00+00:00",
        wrong_since="2026-11-23T09:00:00+00:00", wrong_limit=5,
    )  # fmt: skip
    assert check.status == "ok" and check.review_id is not None
    event = ReviewShared(
        check.review_id, (SharedAnswer("change", "What would you change?", words),)
    )
    record = StepRecord(
        pseudonym=child, channel="telegram", message_id=f"m-{worker_email}",
        state=ParticipantState(), events=(event,), previous_response_id=None,
        response_id=None, now="2026-11-23T10:00:00+00:00",
        review_contribution=contribution_blob(KEYS, event),
    )  # fmt: skip
    assert await storage.save_step(record)
    return made.code


async def add_views(storage: Storage) -> None:
    await survey_admin.add_survey_source(storage, parse_survey(VIEWS, "views.yaml"), VIEWS)
    await storage.set_survey_status("views", "open", "2026-01-01T00:00:00+00:00")


async def test_a_reviewer_sees_only_their_own_children(
    storage: Storage, client: httpx.AsyncClient
) -> None:
    await add_views(storage)
    await logged_in_as(storage, client, "reviewer")  # as EMAIL
    assert "No children" in (await client.get("/reviews")).text
    mine = await shared_review(storage, EMAIL, "More time with my nan")
    theirs = await shared_review(storage, "jo@council.example", "A new football kit")
    page = await client.get("/reviews")
    assert page.status_code == 200
    assert mine in page.text and "More time with my nan" in page.text
    assert theirs not in page.text and "football" not in page.text
    reads = [e for e in await storage.audit_entries() if e[2] == "contribution read"]
    assert [(e[1], e[3]) for e in reads] == [(EMAIL, f"review {mine}")]


async def test_an_admin_sees_every_inbox(storage: Storage, client: httpx.AsyncClient) -> None:
    await add_views(storage)
    await logged_in_as(storage, client, "admin")
    first = await shared_review(storage, "sam@council.example", "More time with my nan")
    second = await shared_review(storage, "jo@council.example", "A new football kit")
    page = await client.get("/reviews")
    assert first in page.text and second in page.text and "jo@council.example" in page.text
