"""An SMS reply goes back as TwiML, in the webhook's answer, after the step is saved. If serve
dies in between, the answer is kept but the young person never sees the reply: the reply is
saved with the step (claimed) and, at the next start, Twilio is asked whether it went; if it
did not, it is sent through the REST API, once.

Here the "death" is made exact: the channel's `inbound` is called directly, so the step is
saved and the TwiML made but never answered, and serve is then stopped and started again.
(tests/stress/test_crash_loop.py does the same with SIGKILL at random moments.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.channels.sms_channel import SmsAnswer
from bot.serve import Service
from tests.fakes.twilio_api import BOT_NUMBER, FakeTwilio, new_sid, parse_twiml
from tests.integration.helpers import DB_NAME, rows, wait_for
from tests.integration.telegram_world import Texter, inbound_url, serving

LOST = "+447700900701"  # serve died before answering them
ARRIVED = "+447700900702"  # serve died after Twilio had its answer, before recording it


async def unanswered(service: Service, number: str, body: str) -> tuple[str, list[str]]:
    """The step for an incoming text saved, its TwiML made, and nothing sent back."""
    assert service.sms is not None
    sid = new_sid("SM")
    answer: SmsAnswer = await service.sms.inbound({"MessageSid": sid, "From": number, "Body": body})
    return sid, parse_twiml(answer.twiml)


def reply_rows(tmp_path: Path) -> list[tuple[str, int]]:
    return rows(
        tmp_path / DB_NAME,
        "SELECT status, count(*) FROM outbox WHERE purpose = 'reply' GROUP BY status",
    )


async def test_replies_answered_in_twiml_are_recorded_sent_and_keep_no_words(
    tmp_path: Path,
) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        me = Texter(fake, inbound_url(runtime))
        assert "transport team" in await me.say("buses")
        assert "How old" in await me.say("yes")
        await wait_for(lambda: reply_rows(tmp_path) == [("sent", 2)])
        await asyncio.sleep(1.5)  # the sender would have sent them again by now
        assert fake.messages == []  # every reply went in the TwiML, none by REST
    kept = rows(
        tmp_path / DB_NAME,
        "SELECT count(*) FROM outbox WHERE address IS NOT NULL OR body <> ''"
        " OR chat_key IS NOT NULL",
    )
    assert kept == [(0,)]


async def test_a_reply_lost_with_the_process_is_sent_at_the_next_start_exactly_once(
    tmp_path: Path,
) -> None:
    async with FakeTwilio() as fake:
        async with serving(None, tmp_path, twilio=fake) as (service, runtime):
            for number in (LOST, ARRIVED):
                me = Texter(fake, inbound_url(runtime), number)
                assert "transport team" in await me.say("buses")
            _sid, lost = await unanswered(service, LOST, "yes")
            _sid, arrived = await unanswered(service, ARRIVED, "yes")
            fake.record_replies(ARRIVED, BOT_NUMBER, arrived)  # Twilio had this one
            assert "How old" in lost[0] and "How old" in arrived[0]
            assert reply_rows(tmp_path) == [("sending", 2), ("sent", 2)]
        # The consent was kept although no reply went: they are asked their age next.
        assert fake.messages == []

        async with serving(None, tmp_path, twilio=fake) as (_service, runtime):
            await wait_for(lambda: reply_rows(tmp_path) == [("sent", 4)])
            await asyncio.sleep(1.0)  # anything sent twice would have gone by now
            assert [(m.to, m.body) for m in fake.messages] == [(LOST, lost[0])]
            # The one Twilio had is recorded with the id Twilio gave it, not sent again.
            (reply_to_arrived,) = [
                r for r in fake.replies if r.to == ARRIVED and r.body == arrived[0]
            ]
            provider_ids = rows(
                tmp_path / DB_NAME,
                "SELECT provider_id FROM outbox WHERE provider_id IS NOT NULL",
            )
            assert sorted(p for (p,) in provider_ids) == sorted(
                [reply_to_arrived.sid, fake.messages[0].sid]
            )
            # Both carry on from where the saved step left them.
            for number in (LOST, ARRIVED):
                me = Texter(fake, inbound_url(runtime), number)
                assert "tell you what changed" in await me.say("17")
