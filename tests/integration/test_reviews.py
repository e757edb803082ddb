"""Children in care: a one-time code from the worker, the child's private views over Telegram
and SMS, what they choose to send (and only that) in the worker's inbox, and the worker's
reply after the review, through a running serve and the fake Telegram and Twilio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from textwrap import dedent

import pytest
import time_machine

from bot import review_codes, reviews, survey_admin
from bot.channels import outbox_sender
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from conversations.survey_loader import parse_survey
from storage.records import Account
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, rows
from tests.integration.telegram_world import (
    PHONE,
    Chatter,
    Texter,
    inbound_url,
    raw_bytes,
    serving,
)

VIEWS = dedent(
    """\
    spec_version: 1
    slug: views
    title: My views
    kind: review
    purpose: Your review is coming up. Tell your reviewing officer what you think.
    audience: Your reviewing officer will read what you choose to send.
    questions:
      - id: home
        type: scale
        text: How are things where you live?
        min: 1
        max: 5
        min_label: Not good
        max_label: Really good
      - id: meeting
        type: choice
        text: Would you like to come to your review meeting?
        options:
          - {id: "yes", label: "Yes"}
          - {id: "no", label: "No"}
          - {id: not_sure, label: Not sure}
      - id: change
        type: text
        text: What would you like to change?
    """
)
SECRET_WISH = "I want to see my brother Kieran every weekend"


@pytest.fixture(autouse=True)
def _quick_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def today() -> date:
    return datetime.now(UTC).date()


@asynccontextmanager
async def review_world(
    tmp_path: Path, telegram: FakeTelegram | None = None, twilio: FakeTwilio | None = None
) -> AsyncIterator[Runtime]:
    async with serving(telegram, tmp_path, twilio=twilio) as (_service, runtime):
        storage = runtime.storage
        await survey_admin.add_survey_source(storage, parse_survey(VIEWS, "views.yaml"), VIEWS)
        await storage.set_survey_status("views", "open", "2026-01-01T00:00:00+00:00")
        await runtime.catalogue.refresh()
        for email, name in (("sam@council.example", "Sam Patel"), ("jo@council.example", None)):
            assert await storage.add_account(email, "reviewer", name, "2026-01-01T00:00:00")
        yield runtime


async def invite(runtime: Runtime, worker: str = "sam@council.example", days: int = 10) -> str:
    made = await reviews.invite(
        runtime.storage, runtime.keys, "views", today() + timedelta(days=days), worker, today()
    )
    return made.code


async def inbox(runtime: Runtime, worker: str | None) -> list[reviews.InboxEntry]:
    return await reviews.inbox(runtime.storage, runtime.keys, worker, reader="test")


def link(code: str) -> str:
    return f"/start {review_codes.START_PREFIX}{code.replace('-', '')}"


async def test_a_review_over_telegram_shares_only_what_the_child_chose(tmp_path: Path) -> None:
    async with FakeTelegram() as fake, review_world(tmp_path, fake) as runtime:
        code = await invite(runtime)
        child = Chatter(fake, 901)
        notice = await child.say(link(code))
        # Before the bot knows their age it uses its simplest words.
        assert "Sam Patel" in notice.text and "not secret" in notice.text
        assert "name on them" in notice.text and "won't tell" not in notice.text
        age = await child.tap(notice, "yes")
        assert age is not None and "How old" in age.text
        hear_back = await child.tap(age, "16_17")
        assert hear_back is not None and "after your review" in hear_back.text
        hear_new = await child.tap(hear_back, "yes")
        assert hear_new is not None
        home = await child.tap(hear_new, "no")
        assert home is not None and home.text.startswith("How are things where you live?")
        meeting = await child.tap(home, "2")
        assert meeting is not None
        change = await child.tap(meeting, "not_sure")
        assert change is not None and "change" in change.text
        summary = await child.say(SECRET_WISH)
        assert SECRET_WISH in summary.text and "Nothing has been sent yet" in summary.text
        assert [data for _text, data in summary.buttons] == [
            "send",
            "leave_out",
            "change",
            "nothing",
        ]
        # Nothing is stored where anyone could read it before the child sends.
        assert await inbox(runtime, "sam@council.example") == [
            reviews.InboxEntry(code, "views", sam(runtime), _due(10), "waiting", None, (), False)
        ]

        # Change the first answer, then leave the second out.
        which = await child.tap(summary, "change")
        assert which is not None and "Which answer" in which.text
        asked_again = await child.tap(which, "1")
        assert asked_again is not None and "How are things" in asked_again.text
        summary = await child.tap(asked_again, "4")  # type: ignore[assignment]
        assert summary is not None and "Here's everything you said" in summary.text
        which = await child.tap(summary, "leave_out")
        assert which is not None
        summary = await child.tap(which, "2")  # type: ignore[assignment]
        assert summary is not None and "(left out)" in summary.text
        sent = await child.tap(summary, "send")
        assert sent is not None and "sent your answers to Sam Patel" in sent.text

        (entry,) = await inbox(runtime, "sam@council.example")
        assert entry.state == "shared"
        assert [(a.question, a.answer) for a in entry.answers] == [
            ("How are things where you live?", "4"),
            ("What would you like to change?", SECRET_WISH),
        ]
        # Another worker sees nothing of it; every read of it is in the audit log.
        assert await inbox(runtime, "jo@council.example") == []
        audit = await runtime.storage.audit_entries()
        assert [a for a in audit if a[2] == "contribution read"] == [
            (audit[-1][0], "test", "contribution read", f"review {code}")
        ]

        # The same code from another chat is refused, and changes nothing.
        other = Chatter(fake, 902)
        refused = await other.say(link(code))
        assert "already been used" in refused.text
        again = await child.say(link(code))
        assert "already told Sam Patel" in again.text

        # The reply after the review reaches the child once.
        await reviews.reply(runtime.storage, runtime.keys, code, "We moved visits to Saturdays.")
        with pytest.raises(reviews.ReviewError, match="already"):
            await reviews.reply(runtime.storage, runtime.keys, code, "Again")
        (reply,) = await child.replies(1)
        assert (
            reply.text
            == "A message from Sam Patel after your review:\nWe moved visits to Saturdays."
        )
        await fake.wait_until(lambda: True)
        assert [m.text for m in fake.messages_to(901)].count(reply.text) == 1
    assert SECRET_WISH.encode() not in raw_bytes(tmp_path)
    assert b"Kieran" not in raw_bytes(tmp_path)


def sam(runtime: Runtime) -> Account:
    return Account(1, "sam@council.example", "reviewer", "Sam Patel")


def _due(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


async def test_wrong_expired_and_declined_codes(tmp_path: Path) -> None:
    async with FakeTelegram() as fake, review_world(tmp_path, fake) as runtime:
        # A code whose review has passed.
        old = "KXPM-4827"
        await runtime.storage.add_review(
            review_codes.code_hash(runtime.keys, old),
            runtime.keys.seal(old, "review-code"),
            "views",
            sam(runtime),
            (today() - timedelta(days=1)).isoformat(),
            "2026-01-01T00:00:00",
        )
        late = Chatter(fake, 911)
        assert "review date has passed" in (await late.say(old.lower())).text

        # Wrong codes get a kind answer; after five, even a right one waits.
        guesser = Chatter(fake, 912)
        for attempt in range(5):
            answer = await guesser.say(f"ZZZZ-{2345 + attempt}")
            assert "doesn't" in answer.text and "ABCD-2345" in answer.text
        good = await invite(runtime)
        assert "wait 15 minutes" in (await guesser.say(good)).text
        assert rows(
            tmp_path / "youthvoice.db", "SELECT count(*) FROM reviews WHERE bound_at IS NOT NULL"
        ) == [(0,)]

        # Declining: the worker sees only "not shared".
        declined = await invite(runtime, "jo@council.example")
        child = Chatter(fake, 913)
        notice = await child.say(declined)
        assert "your reviewing officer" in notice.text
        step = await child.tap(notice, "yes")
        for tap in ("13_15", "no", "no", "3", "yes"):
            assert step is not None
            step = await child.tap(step, tap)
        assert step is not None and "change" in step.text
        summary = await child.say("More pocket money")
        done = await child.tap(summary, "nothing")
        assert done is not None and "chose not to share" in done.text
        (entry,) = await inbox(runtime, "jo@council.example")
        assert (entry.state, entry.answers) == ("not shared", ())
    assert b"More pocket money" not in raw_bytes(tmp_path)


async def test_a_review_by_sms(tmp_path: Path) -> None:
    async with FakeTwilio() as twilio, review_world(tmp_path, twilio=twilio) as runtime:
        code = await invite(runtime)
        phone = Texter(twilio, inbound_url(runtime))
        notice = await phone.say(code.replace("-", " ").lower())
        assert "Sam Patel" in notice and "Reply YES or NO" in notice
        for text in ("yes", "15", "yes", "no"):
            await phone.say(text)
        # A disclosure is answered at once, and the alert names this review.
        help_now = await phone.say("sometimes I wish I was dead")
        assert "Childline" in help_now and "let Sam Patel (your reviewing officer) know" in help_now
        assert "How are things where you live?" in help_now  # and the question again
        review_id = rows(tmp_path / DB_NAME, "SELECT id FROM reviews")[0][0]
        assert rows(tmp_path / DB_NAME, "SELECT slug, review_id FROM alerts") == [
            ("views", review_id)
        ]
        for text in ("2", "3"):
            await phone.say(text)
        summary = await phone.say(SECRET_WISH)
        assert "Reply 1" in summary and "Send it to Sam Patel" in summary
        assert "Which answer" in await phone.say("2")  # leave an answer out
        assert "(left out)" in await phone.say("1")
        assert "sent your answers" in await phone.say("send")
        (entry,) = await inbox(runtime, None)
        assert [a.answer for a in entry.answers] == ["Not sure", SECRET_WISH]
        another = Texter(twilio, inbound_url(runtime), "+447700900999")
        assert "already been used" in await another.say(code)
        assert "Check it with the person" in await another.say("ABCD-2345")

        await reviews.reply(runtime.storage, runtime.keys, code, "You said more visits; so we...")
        await twilio.wait_for_messages(PHONE, 1)
        (message,) = twilio.messages_to(PHONE)
        assert "You said more visits" in message.body
        await phone.say("HELP")
        assert len(twilio.messages_to(PHONE)) == 1
    assert SECRET_WISH.encode() not in raw_bytes(tmp_path)


async def test_reminders_before_the_review_stop_once_views_are_sent(tmp_path: Path) -> None:
    """The clock is moved with time-machine; reminders go 7 and 2 days before the review,
    only while nothing is sent, and the review is deleted 90 days after its date."""
    start = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    due = date(2026, 11, 12)  # ten days on
    quiet, sender, never = "+447700900701", "+447700900702", "+447700900703"
    with time_machine.travel(start, tick=True) as traveller:
        async with FakeTwilio() as twilio, review_world(tmp_path, twilio=twilio) as runtime:
            storage, keys = runtime.storage, runtime.keys
            scheduler = Scheduler(runtime)
            codes = {}
            for number in (quiet, sender, never):
                made = await reviews.invite(
                    storage, keys, "views", due, "sam@council.example", start.date()
                )
                codes[number] = made.code
            url = inbound_url(runtime)
            # `quiet` and `sender` begin; `never` never uses the code.
            for number in (quiet, sender):
                phone = Texter(twilio, url, number)
                for text in (codes[number], "yes", "15", "no", "no"):
                    await phone.say(text)

            async def day(offset: int) -> None:
                traveller.move_to(
                    datetime.combine(due, datetime.min.time(), UTC)
                    - timedelta(days=offset)
                    + timedelta(hours=12)
                )
                for _ in range(2):  # however often it runs
                    await scheduler.tick(datetime.now(UTC))

            await day(8)
            await day(7)
            (first,) = await twilio.wait_for_messages(quiet, 1)
            assert "your review is on 12 November 2026" in first.body
            await twilio.wait_for_messages(sender, 1)
            assert twilio.messages_to(never) == []  # no code used: nowhere to send

            phone = Texter(twilio, url, sender)  # sends their views
            for text in ("1", "3", "I am fine", "send"):
                await phone.say(text)
            await day(5)
            await day(2)
            await twilio.wait_for_messages(quiet, 2)
            await day(1)
            await asyncio.sleep(0.5)
            assert len(twilio.messages_to(quiet)) == 2
            assert len(twilio.messages_to(sender)) == 1
            assert [e.state for e in await inbox(runtime, None)] == ["waiting", "shared", "waiting"]

            await day(-89)
            assert len(await inbox(runtime, None)) == 3
            await day(-91)
            assert await inbox(runtime, None) == []
    assert b"I am fine" not in raw_bytes(tmp_path)
