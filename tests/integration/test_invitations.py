"""Invitations to a new survey: only those who asked, in its ages, once, and never more than
the limit in 30 days; sent by serve over each young person's own channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from textwrap import dedent

import pytest
import time_machine

from bot import survey_admin
from bot.channels import outbox_sender
from bot.invitations import invite
from bot.runtime import Runtime
from conversations.messages import Inbound
from conversations.survey_loader import parse_survey
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_world import serving


def survey_text(slug: str, ages: str = "{min: 11, max: 25}", keyword: str = "") -> str:
    return dedent(
        f"""\
        spec_version: 1
        slug: {slug}
        title: Survey {slug}
        {f"keyword: {keyword}" if keyword else ""}
        ages: {ages}
        purpose: To plan {slug}.
        audience: The {slug} team.
        questions:
          - {{id: often, type: yes_no, text: "Do you use {slug}?"}}
        """
    )


async def add(runtime: Runtime, slug: str, **options: str) -> None:
    text = survey_text(slug, **options)
    await survey_admin.add_survey_source(runtime.storage, parse_survey(text, f"{slug}.yaml"), text)


async def joins(runtime: Runtime, channel: str, address: str, age: str, hear_new: str) -> None:
    """Takes part in buses, saying whether they want to hear about new surveys."""
    for text in ("buses", "yes", age, "no", hear_new):
        await runtime.dispatcher.handle(channel, address, Inbound(text=text, channel=channel))


@pytest.fixture(autouse=True)
def _quick_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)


async def test_invitations_reach_only_those_who_asked_and_fit(tmp_path: Path) -> None:
    async with (
        FakeTelegram() as telegram,
        FakeTwilio() as twilio,
        serving(telegram, tmp_path, twilio=twilio) as (_service, runtime),
    ):
        await joins(runtime, "telegram", "201", "16", "yes")  # invited
        await joins(runtime, "sms", "+447700900301", "19", "yes")  # invited, by SMS
        await joins(runtime, "telegram", "202", "16", "no")  # did not ask
        await joins(runtime, "telegram", "203", "12", "yes")  # too young for parks (14-25)
        await joins(runtime, "telegram", "204", "17", "yes")
        await runtime.dispatcher.handle("telegram", "204", Inbound(text="STOP", channel="telegram"))
        await add(runtime, "parks", ages="{min: 14, max: 25}", keyword="PARKS")

        done = await invite(runtime.storage, runtime.keys, "parks", limit=2)
        assert (done.queued, done.held_back, done.not_for_them) == (2, 0, 1)
        (to_201,) = await telegram.wait_for_messages(201, 1)
        assert '"Survey parks"' in to_201.text and "/start parks" in to_201.text
        (to_301,) = await twilio.wait_for_messages("+447700900301", 1)
        assert "Text PARKS" in to_301.body
        again = await invite(runtime.storage, runtime.keys, "parks", limit=2)
        assert again.queued == 0  # invited once per survey
        for chat in (202, 203, 204):
            assert telegram.messages_to(chat) == []


async def test_no_more_than_the_limit_in_30_days(tmp_path: Path) -> None:
    start = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=True) as traveller:
        async with serving(None, tmp_path) as (_service, runtime):
            await joins(runtime, "telegram", "401", "16", "yes")
            for slug in ("one", "two", "three"):
                await add(runtime, slug)
            first = await invite(runtime.storage, runtime.keys, "one", limit=2)
            second = await invite(runtime.storage, runtime.keys, "two", limit=2)
            third = await invite(runtime.storage, runtime.keys, "three", limit=2)
            assert [first.queued, second.queued, third.queued] == [1, 1, 0]
            assert third.held_back == 1
            traveller.move_to(start + timedelta(days=29))
            assert (await invite(runtime.storage, runtime.keys, "three", limit=2)).held_back == 1
            traveller.move_to(start + timedelta(days=30, minutes=1))
            later = await invite(runtime.storage, runtime.keys, "three", limit=2)
            assert (later.queued, later.held_back) == (1, 0)
            nobody = await invite(runtime.storage, runtime.keys, "one", limit=0)
            assert nobody.queued == 0
