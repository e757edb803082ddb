"""A large "You Said, We Did" send, `youthvoice serve` killed with SIGKILL in the middle of
it and started again: every young person who asked to hear back has the message exactly once,
over Telegram and over SMS.

The providers answer slowly here (`answer_delay`), so at the moment of the kill some messages
have been taken by the provider but their answers have not come back (only the provider knows
they went), and others are claimed but not yet asked for. Both kinds are checked to exist at
the kill, so the test always covers the case it is about.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from bot.runtime import open_runtime
from bot.settings import load_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, SETTING_PREFIXES, rows, run, wait_for
from tests.integration.telegram_world import SURVEY, start_serve, takes_part

DID = "Two more night buses, with lit stops"
NO_QUIET_HOURS = "00:00-00:00"  # so that what is sent does not depend on when tests run
ANSWER_DELAY = 0.4  # seconds the provider takes to answer a message it has already taken


async def people_who_asked_to_hear_back(folder: Path, channel: str, addresses: list[str]) -> None:
    """Each takes part in the survey through the real engine and asks to hear back; their
    conversation's own replies are then counted as already sent, so that only the feedback
    is left for `serve` to send."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            del os.environ[name]
    settings = load_settings(YOUTHVOICE_DATABASE=str(folder / DB_NAME))
    async with open_runtime(settings) as runtime:
        await asyncio.gather(
            *(takes_part(runtime, channel, a, age="16", hear_back="yes") for a in addresses)
        )
    with sqlite3.connect(folder / DB_NAME) as db:
        db.execute(
            "UPDATE outbox SET status = 'sent', address = NULL, chat_key = NULL"
            " WHERE purpose <> 'feedback'"
        )


def queue_feedback(folder: Path, expected: int) -> None:
    result = run(folder, "feedback", "send", "buses", "--said", "Night buses", "--did", DID)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{expected} queued"), result.stdout


def kill(serve: subprocess.Popen[str]) -> None:
    serve.send_signal(signal.SIGKILL)
    serve.communicate(timeout=10)


def stop(serve: subprocess.Popen[str]) -> None:
    serve.send_signal(signal.SIGTERM)
    _out, err = serve.communicate(timeout=20)
    assert serve.returncode == 0, err
    assert "Traceback" not in err, err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "buses.yaml").write_text(SURVEY)
    assert run(tmp_path, "survey", "add", "buses.yaml").returncode == 0
    assert run(tmp_path, "survey", "open", "buses").returncode == 0
    return tmp_path


def claimed_at_kill(folder: Path) -> set[int]:
    """The outbox ids of messages left 'sending' by the kill."""
    found = rows(folder / DB_NAME, "SELECT id FROM outbox WHERE status = 'sending'")
    return {message_id for (message_id,) in found}


def feedback_outcomes(folder: Path) -> list[tuple[str, int]]:
    return rows(
        folder / DB_NAME,
        "SELECT status, count(*) FROM outbox WHERE purpose = 'feedback' GROUP BY status",
    )


async def test_a_telegram_send_killed_midway_reaches_everyone_exactly_once(folder: Path) -> None:
    chats = [str(820_000 + n) for n in range(90)]
    await people_who_asked_to_hear_back(folder, "telegram", chats)
    queue_feedback(folder, len(chats))

    def feedback_per_chat() -> Counter[int]:
        return Counter(m.chat_id for m in fake.sent if DID in m.text)

    async with FakeTelegram() as fake:
        fake.answer_delay = ANSWER_DELAY
        serve = start_serve(folder, fake, YOUTHVOICE_QUIET_HOURS=NO_QUIET_HOURS)
        try:
            await wait_for(lambda: len(feedback_per_chat()) >= 30, 60)
        finally:
            kill(serve)
        before = feedback_per_chat()
        in_doubt = claimed_at_kill(folder)
        # Some were taken by Telegram without their answer arriving: only Telegram knows.
        assert len(in_doubt) >= 2, in_doubt
        assert 0 < len(before) < len(chats)

        fake.answer_delay = 0.0
        serve = start_serve(folder, fake, YOUTHVOICE_QUIET_HOURS=NO_QUIET_HOURS)
        try:
            await wait_for(lambda: len(feedback_per_chat()) == len(chats), 60)
            await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
        finally:
            stop(serve)
        per_chat = feedback_per_chat()
        assert set(per_chat) == {int(chat) for chat in chats}
        assert [chat for chat, count in per_chat.items() if count != 1] == []
    assert feedback_outcomes(folder) == [("sent", len(chats))]
    assert rows(folder / DB_NAME, "SELECT count(*) FROM outbox WHERE address IS NOT NULL") == [(0,)]


async def test_an_sms_send_killed_midway_reaches_everyone_exactly_once(folder: Path) -> None:
    numbers = [f"+4477009{n:05d}" for n in range(60)]
    await people_who_asked_to_hear_back(folder, "sms", numbers)
    queue_feedback(folder, len(numbers))

    def feedback_per_number() -> Counter[str]:
        return Counter(m.to for m in twilio.messages if "night buses" in m.body.lower())

    async with FakeTwilio() as twilio:
        twilio.answer_delay = ANSWER_DELAY
        serve = start_serve(
            folder, None, twilio, SMS_RATE_LIMIT="20", YOUTHVOICE_QUIET_HOURS=NO_QUIET_HOURS
        )
        try:
            await wait_for(lambda: len(feedback_per_number()) >= 15, 60)
        finally:
            kill(serve)
        assert len(claimed_at_kill(folder)) >= 2
        assert 0 < len(feedback_per_number()) < len(numbers)

        twilio.answer_delay = 0.0
        serve = start_serve(
            folder, None, twilio, SMS_RATE_LIMIT="20", YOUTHVOICE_QUIET_HOURS=NO_QUIET_HOURS
        )
        try:
            await wait_for(lambda: len(feedback_per_number()) == len(numbers), 60)
            await asyncio.sleep(1.0)
        finally:
            stop(serve)
        per_number = feedback_per_number()
        assert set(per_number) == set(numbers)
        assert [number for number, count in per_number.items() if count != 1] == []
    # Each message is recorded with the id Twilio gave it, found again after the kill.
    sids = rows(
        folder / DB_NAME,
        "SELECT provider_id FROM outbox WHERE purpose = 'feedback' AND status <> 'queued'",
    )
    assert sorted(sid for (sid,) in sids) == sorted(
        m.sid for m in twilio.messages if "night buses" in m.body.lower()
    )
