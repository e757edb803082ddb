"""You Said, We Did: the message reaches exactly those who asked to hear back, once each, on
their own channel, through a running serve and the fake Telegram and Twilio."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import datetime
from pathlib import Path
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot import survey_admin
from bot.channels import outbox_sender
from bot.feedback import FeedbackError, send_feedback
from conversations.survey_loader import parse_survey
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, rows
from tests.integration.helpers import run as run_command
from tests.integration.telegram_world import serving, takes_part

SAID = "Buses at night felt unsafe"
DID = "Two more night buses, with lit stops"
TRAINS = dedent(
    """\
    spec_version: 1
    slug: trains
    title: Trains
    keyword: TRAINS
    purpose: To plan trains.
    audience: The rail team.
    questions:
      - {id: often, type: yes_no, text: "Do you take the train?"}
    """
)


@pytest.fixture(autouse=True)
def _quick_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def test_feedback_reaches_exactly_those_who_asked_once_each(tmp_path: Path) -> None:
    async with (
        FakeTelegram() as telegram,
        FakeTwilio() as twilio,
        serving(telegram, tmp_path, twilio=twilio) as (_service, runtime),
    ):
        trains = parse_survey(TRAINS, "trains.yaml")
        await survey_admin.add_survey_source(runtime.storage, trains, TRAINS)
        await runtime.storage.set_survey_status("trains", "open", "2026-01-01T00:00:00+00:00")
        await runtime.catalogue.refresh()

        await takes_part(runtime, "telegram", "101", age="16", hear_back="yes")  # hears back
        await takes_part(runtime, "sms", "+447700900201", age="19", hear_back="y")  # hears back
        await takes_part(runtime, "sms", "+447700900202", age="12", hear_back="yes")  # simple
        await takes_part(runtime, "telegram", "103", age="16", hear_back="no")
        await takes_part(runtime, "sms", "+447700900204", age="17", hear_back="yes", then="|STOP")
        await takes_part(runtime, "telegram", "105", age="17", hear_back="yes", then="|DELETE|yes")
        await takes_part(runtime, "telegram", "106", age="17", hear_back="yes", then="TRAINS")
        await takes_part(runtime, "telegram", "107", age="17", hear_back="yes")  # blocks us
        telegram.block(107)

        sent = await send_feedback(runtime.storage, runtime.keys, "buses", SAID, DID)
        assert (sent.queued, sent.recipients) == (4, 4)

        (to_101,) = await telegram.wait_for_messages(101, 1)
        assert SAID in to_101.text and DID in to_101.text and "Getting around" in to_101.text
        (to_201,) = await twilio.wait_for_messages("+447700900201", 1)
        assert f"You said: {SAID}" in to_201.body and f"We did: {DID}" in to_201.body
        (to_202,) = await twilio.wait_for_messages("+447700900202", 1)
        assert f"You told us: {SAID}" in to_202.body  # the under-13 wording
        pseudonym_107 = runtime.keys.pseudonym("telegram", "107")
        await telegram.wait_until(
            lambda: (
                rows(
                    tmp_path / DB_NAME,
                    "SELECT stopped FROM participants WHERE pseudonym = ?",
                    (pseudonym_107,),
                )
                == [(1,)]
            )
        )

        again = await send_feedback(runtime.storage, runtime.keys, "buses", SAID, DID)
        assert again.queued == 0  # the same post twice queues nothing new
        await asyncio.sleep(0.6)  # time for a wrongly queued second message to go out
        for chat in (101, 103, 105, 106, 107):
            expected = 1 if chat == 101 else 0
            assert len(telegram.messages_to(chat)) == expected, chat
        for number, expected in (
            ("+447700900201", 1),
            ("+447700900202", 1),
            ("+447700900204", 0),
        ):
            assert len(twilio.messages_to(number)) == expected, number
        await twilio.wait_until(lambda: twilio.pending_callbacks == 0)
        status = await runtime.storage.feedback_status("buses")
        assert status == {"sent": 1, "delivered": 2, "failed": 1}
        log = await runtime.storage.feedback_log("buses")
        assert [(p.said, p.did) for p in log] == [(SAID, DID)]


async def test_feedback_needs_words_and_a_survey(tmp_path: Path) -> None:
    async with serving(None, tmp_path) as (_service, runtime):
        with pytest.raises(FeedbackError, match="--said"):
            await send_feedback(runtime.storage, runtime.keys, "buses", "  ", DID)
        with pytest.raises(FeedbackError, match="--did"):
            await send_feedback(runtime.storage, runtime.keys, "buses", SAID, "x" * 601)
        with pytest.raises(survey_admin.SurveyNotFound):
            await send_feedback(runtime.storage, runtime.keys, "nope", SAID, DID)
        nobody = await send_feedback(runtime.storage, runtime.keys, "buses", SAID, DID)
        assert (nobody.queued, nobody.recipients) == (0, 0)


def test_the_feedback_commands(tmp_path: Path) -> None:
    def run(*words: str) -> subprocess.CompletedProcess[str]:
        return run_command(tmp_path, *words)

    (tmp_path / "trains.yaml").write_text(TRAINS)
    assert run("survey", "add", "trains.yaml").returncode == 0
    opened = run("survey", "open", "trains", "--invite")
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.splitlines()[0] == "trains is now open"
    assert opened.stdout.splitlines()[1].startswith("0 invited; 0 held back")
    sent = run("feedback", "send", "trains", "--said", SAID, "--did", DID)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("0 queued")
    status = run("feedback", "status", "trains")
    assert status.returncode == 0
    assert status.stdout.splitlines() == ["queued: 0", "sent: 0", "delivered: 0", "failed: 0"]
    unknown = run("feedback", "status", "nope")
    assert unknown.returncode == 1 and len(unknown.stderr.strip().splitlines()) == 1
    empty = run("feedback", "send", "trains", "--said", "", "--did", DID)
    assert empty.returncode == 2 and "--said" in empty.stderr


async def test_quiet_hours_hold_bulk_sends_but_not_replies(tmp_path: Path) -> None:
    """The clock is moved with time-machine: nothing here waits for real night to end."""
    late_evening = datetime(2026, 11, 23, 22, 30, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(late_evening, tick=True) as traveller:
        async with (
            FakeTelegram() as telegram,
            FakeTwilio() as twilio,
            serving(telegram, tmp_path, twilio=twilio, quiet_hours="21:00-08:00") as (
                _service,
                runtime,
            ),
        ):
            await takes_part(runtime, "telegram", "101", age="16", hear_back="yes")
            await takes_part(runtime, "sms", "+447700900201", age="19", hear_back="yes")
            sent = await send_feedback(runtime.storage, runtime.keys, "buses", SAID, DID)
            assert sent.queued == 2
            # A reply to someone who writes in goes at once, even now.
            telegram.user_says(102, "hello")
            (menu,) = await telegram.wait_for_messages(102, 1)
            assert "Getting around" in menu.text or menu.buttons
            await asyncio.sleep(1.5)  # more than a sender's look round (IDLE_WAIT)
            assert telegram.messages_to(101) == []
            assert twilio.messages_to("+447700900201") == []
            assert await runtime.storage.feedback_status("buses") == {"queued": 2}

            traveller.move_to(datetime(2026, 11, 24, 8, 0, 5, tzinfo=ZoneInfo("Europe/London")))
            (to_101,) = await telegram.wait_for_messages(101, 1)
            assert DID in to_101.text
            await twilio.wait_for_messages("+447700900201", 1)


async def test_a_young_person_can_ask_for_updates_by_sms(tmp_path: Path) -> None:
    async with FakeTwilio() as twilio, serving(None, tmp_path, twilio=twilio) as (_s, runtime):
        url = f"{runtime.settings.public_url}/sms/inbound"
        number = "+447700900555"
        for text in ("buses", "yes", "16", "no", "no", "1", "skip", "skip", "skip", "skip"):
            await twilio.text_in(url, number, text)
        before = await twilio.text_in(url, number, "UPDATES")
        assert "No news yet" in " ".join(before.replies)
        await send_feedback(runtime.storage, runtime.keys, "buses", SAID, DID)
        await asyncio.sleep(0.6)  # the bot looks for changes made elsewhere twice a second
        after = await twilio.text_in(url, number, "updates")
        text = " ".join(after.replies)
        assert SAID in text and DID in text and "Getting around" in text
