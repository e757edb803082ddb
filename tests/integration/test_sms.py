"""youthvoice over SMS: signed Twilio webhooks to the real HTTP server, TwiML answers, and
messages the bot starts itself through the twilio library to a fake Twilio."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bot.channels import outbox_sender
from bot.channels.sms_text import count_segments
from bot.runtime import Runtime
from storage.records import StepRecord
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, rows
from tests.integration.telegram_world import (
    PHONE,
    Texter,
    inbound_url,
    queued_step,
    raw_bytes,
    serving,
)

OTHER_PHONE = "+447700900456"


async def consent_and_opt_ins(me: Texter) -> str:
    notice = await me.say("buses")
    assert "transport team" in notice and "anonymous" in notice
    assert "Reply YES or NO" in notice
    age = await me.say("yes")
    assert "How old" in age and "Reply 1" in age
    hear_back = await me.say("17")  # a typed age goes into its band
    assert "tell you what changed" in hear_back
    hear_new = await me.say("y")
    assert "new surveys" in hear_new
    return await me.say("nope")


async def test_a_whole_survey_by_sms(tmp_path: Path) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        me = Texter(fake, inbound_url(runtime))
        how = await consent_and_opt_ins(me)
        assert how.startswith("How do you usually get to school or college?")
        assert "Reply 1 Bus, 2 Walk, 3 Someone gives me a lift" in how
        assert count_segments(how).segments <= 2
        problems = await me.say("2")
        assert "hard" in problems and "1 It costs too much" in problems
        safe = await me.say("1 and 2")
        assert "Reply 1 (not safe) to 5 (very safe)" in safe
        why = await me.say("two")
        assert why.startswith("What would make you feel safer")
        night = await me.say("The stop is dark. Text me on 07700 900123")
        assert "Reply YES or NO" in night
        idea = await me.say("yeah")
        assert "What one thing" in idea
        thanks = await me.say("More buses at night")
        assert "Thank you" in thanks and "30 June 2027" in thanks

        counts = await runtime.storage.answer_counts("buses")
        assert counts["how"] == {"walk": 1}
        assert counts["problems"] == {"cost": 1, "late": 1}
        assert counts["safe"] == {"2": 1}
        assert counts["night"] == {"yes": 1}
        assert set(counts["why"]) == {"The stop is dark. Text me on [removed]"}
    data = raw_bytes(tmp_path)
    for secret in (PHONE, PHONE.removeprefix("+"), "07700 900123", "7700900123"):
        assert secret.encode() not in data


@pytest.mark.parametrize("typed", ["3", "three", "someone gives me a lift", "lift", "c"])
async def test_each_way_of_typing_a_choice(tmp_path: Path, typed: str) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        me = Texter(fake, inbound_url(runtime))
        await consent_and_opt_ins(me)
        problems = await me.say(typed)
        assert "hard" in problems
        assert (await runtime.storage.answer_counts("buses"))["how"] == {"lift": 1}


async def test_a_repeated_message_sid_is_handled_once(tmp_path: Path) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        me = Texter(fake, inbound_url(runtime))
        await consent_and_opt_ins(me)
        first = await me.send("1", message_sid="SM" + "1" * 32)
        again = await me.send("1", message_sid="SM" + "1" * 32)
        assert first.replies and again.replies == []
        assert (await runtime.storage.answer_counts("buses"))["how"] == {"bus": 1}


@pytest.mark.parametrize("signature", ["", "forged+signature=", "other-url"])
async def test_an_unsigned_or_forged_webhook_is_refused_and_changes_nothing(
    tmp_path: Path, signature: str
) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        url = inbound_url(runtime)
        if signature == "other-url":  # signed correctly, but for somewhere else
            result = await fake.text_in(url, PHONE, "buses", signed_url="https://evil.example/sms")
        else:
            result = await fake.text_in(url, PHONE, "buses", signature=signature)
        assert result.status_code == 403
        assert result.replies == []
        status = await fake.text_in(
            f"{runtime.settings.public_url}/sms/status", PHONE, "x", signature="nope"
        )
        assert status.status_code == 403
    for table in ("participants", "inbound_seen", "sessions", "outbox"):
        assert rows(tmp_path / DB_NAME, f"SELECT count(*) FROM {table}") == [(0,)], table


async def test_garbage_gets_a_400_not_a_500(tmp_path: Path) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        url = inbound_url(runtime)
        params = {"Body": "hi"}  # no MessageSid, no From
        headers = {"X-Twilio-Signature": fake.signature(url, params)}
        async with httpx.AsyncClient() as client:
            response = await client.post(url, data=params, headers=headers)
            assert response.status_code == 400
            bad_bytes = await client.post(
                url, content=b"\xff\xfe", headers={"X-Twilio-Signature": "x"}
            )
            assert bad_bytes.status_code in (400, 403)


async def test_stop_then_silence_then_start_help_and_delete(tmp_path: Path) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        me = Texter(fake, inbound_url(runtime))
        await consent_and_opt_ins(me)
        await me.say("1")
        stopped = await me.say("STOP")
        assert "START" in stopped  # the carrier-compliant confirmation: how to opt back in
        assert await me.say("hello?") == ""
        assert await me.say("2") == ""  # not taken as an answer either
        assert (await runtime.storage.answer_counts("buses"))["problems"] == {}
        helped = await me.say("HELP")
        assert "START" in helped and "0800 1111" in helped
        back = await me.say("START")
        assert "Welcome back" in back and "hard" in back
        await me.say("2")
        helped = await me.say("info")
        assert "SKIP" in helped and "DELETE" in helped
        confirm = await me.say("DELETE")
        assert "Reply YES or NO" in confirm
        gone = await me.say("yes")
        assert "deleted" in gone.lower()
        pseudonym = runtime.keys.pseudonym("sms", PHONE)
        assert rows(
            tmp_path / DB_NAME,
            "SELECT count(*) FROM participants WHERE pseudonym = ?",
            (pseudonym,),
        ) == [(0,)]


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit"])
async def test_carrier_stop_words_stop_everything(tmp_path: Path, word: str) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        me = Texter(fake, inbound_url(runtime))
        await consent_and_opt_ins(me)
        assert "START" in await me.say(word)
        assert await me.say("1") == ""
        assert (await runtime.storage.answer_counts("buses"))["how"] == {}
        assert "Welcome back" in await me.say("YES")  # YES opts back in after a stop


async def test_anything_but_a_keyword_lists_what_is_open(tmp_path: Path) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        menu = await Texter(fake, inbound_url(runtime)).say("hello")
        assert "Getting around" in menu and "Reply 1" in menu


def queued_sms(runtime: Runtime, number: str, text: str, key: str) -> StepRecord:
    """A message the bot starts itself (as invitations and follow-ups will be)."""
    return queued_step(runtime, "sms", number, text, key, purpose="invite", priority=10)


async def test_a_proactive_message_goes_through_the_rest_api_and_is_reported_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        text = "There's a new survey about parks. Text PARKS to have your say."
        assert await runtime.storage.save_step(queued_sms(runtime, PHONE, text, "1"))
        (sent,) = await fake.wait_for_messages(PHONE, 1, timeout=10)
        assert sent.body == text and sent.from_ == "+447700900000"
        assert sent.status_callback == f"{runtime.settings.public_url}/sms/status"
        await fake.wait_until(lambda: len(fake.callbacks) == 2)
        assert [(c.status, c.outcome) for c in fake.callbacks] == [
            ("sent", 204),
            ("delivered", 204),
        ]
        assert rows(tmp_path / DB_NAME, "SELECT status FROM outbox") == [("delivered",)]


async def test_a_number_that_texted_stop_to_twilio_is_treated_as_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        fake.opt_out(OTHER_PHONE)
        assert await runtime.storage.save_step(queued_sms(runtime, OTHER_PHONE, "Hello", "2"))
        pseudonym = runtime.keys.pseudonym("sms", OTHER_PHONE)
        await fake.wait_until(
            lambda: (
                rows(
                    tmp_path / DB_NAME,
                    "SELECT stopped FROM participants WHERE pseudonym = ?",
                    (pseudonym,),
                )
                == [(1,)]
            )
        )
        assert fake.messages_to(OTHER_PHONE) == []
        assert rows(tmp_path / DB_NAME, "SELECT status FROM outbox") == [("failed",)]


async def test_messages_keep_within_the_sms_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)
    async with (
        FakeTwilio(rate_limit=4) as fake,
        serving(None, tmp_path, twilio=fake, sms_rate=4) as (_s, runtime),
    ):
        numbers = [f"+4477009{n:05d}" for n in range(10)]
        for n, number in enumerate(numbers):
            await runtime.storage.save_step(queued_sms(runtime, number, f"Hello {n}", str(n)))
        for number in numbers:
            await fake.wait_for_messages(number, 1, timeout=15)
        assert fake.rejected_429 == 0
        assert json.dumps([m.body for m in fake.messages]).count("Hello") == 10


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("y", "yes"), ("Yes", "yes"), ("yeah", "yes"), ("n", "no"), ("NO", "no"), ("nope", "no")],
)
async def test_each_way_of_typing_yes_or_no(tmp_path: Path, typed: str, stored: str) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        me = Texter(fake, inbound_url(runtime))
        await consent_and_opt_ins(me)
        await me.say("1")  # how
        await me.say("SKIP")  # problems
        night = await me.say("5")  # safe (no follow-up question at 5)
        assert "Reply YES or NO" in night
        assert "What one thing" in await me.say(typed)
        assert (await runtime.storage.answer_counts("buses"))["night"] == {stored: 1}


async def test_a_delivery_report_of_21610_stops_that_young_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        fake.undeliverable(OTHER_PHONE, status="failed", error_code=21610)
        assert await runtime.storage.save_step(queued_sms(runtime, OTHER_PHONE, "Hello", "3"))
        await fake.wait_until(lambda: len(fake.callbacks) >= 1)
        pseudonym = runtime.keys.pseudonym("sms", OTHER_PHONE)
        assert rows(
            tmp_path / DB_NAME, "SELECT stopped FROM participants WHERE pseudonym = ?", (pseudonym,)
        ) == [(1,)]
        assert rows(tmp_path / DB_NAME, "SELECT status, provider_status FROM outbox") == [
            ("failed", "failed")
        ]
        assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM contacts") == [(0,)]
