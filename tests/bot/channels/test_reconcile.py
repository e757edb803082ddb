"""After a crash: how each sender finds out from the provider whether a claimed message went,
with the real python-telegram-bot and twilio libraries talking to the fakes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Bot
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.outbox_sender import Sent
from bot.channels.sms_sender import SmsSender
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_sender import TelegramSender
from bot.keys import KeyRing
from storage.records import ClaimedRow, OutboxRow
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, FakeTwilio

TOKEN = "123456:TEST-TOKEN"
KEYS = KeyRing(b"a secret for tests only")
FEEDBACK = "You said buses at night felt unsafe. We put on two more night buses."
BUTTONS = {"inline_keyboard": [[{"text": "See all updates", "callback_data": "updates"}]]}


def claimed(channel: str, address: str, body: str, earlier: int | None = None) -> ClaimedRow:
    row = OutboxRow(7, b"chat", channel, "feedback", body, KEYS.seal(address, "address"), 0, 10)
    moment = datetime.now(UTC) - timedelta(seconds=2)
    return ClaimedRow(row, moment.isoformat(timespec="milliseconds"), earlier)


def telegram_body(text: str, markup: dict[str, Any] | None = None) -> str:
    return json.dumps({"op": "send", "text": text, "markup": markup})


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, TelegramSender]]:
    async with FakeTelegram(token=TOKEN) as fake:
        bot = Bot(TOKEN, base_url=f"{fake.url}/bot", request=AiohttpRequest(connections=2))
        async with bot:
            yield fake, TelegramSender(bot, storage=None, keys=KEYS, rate=30)  # type: ignore[arg-type]


async def test_a_telegram_message_that_went_is_found_among_the_young_persons_own(
    telegram: tuple[FakeTelegram, TelegramSender],
) -> None:
    fake, sender = telegram
    fake.user_says(501, "/start buses")  # 1
    await sender._call("sendMessage", chat_id=501, text="Thanks for taking part")  # 2
    fake.user_says(501, "are you there?")  # 3
    fake.user_says(501, "hello")  # 4
    await sender._call("sendMessage", chat_id=501, text=FEEDBACK, reply_markup=BUTTONS)  # 5
    fake.user_says(501, "great")  # 6

    outcome = await sender._reconcile(
        claimed("telegram", "501", telegram_body(FEEDBACK, BUTTONS), earlier=2)
    )
    assert outcome == Sent("5")
    assert fake.edits == []  # looking changed nothing the young person sees
    assert [m.text for m in fake.messages_to(501)].count(FEEDBACK) == 1


async def test_a_telegram_message_that_never_went_is_reported_as_not_sent(
    telegram: tuple[FakeTelegram, TelegramSender],
) -> None:
    fake, sender = telegram
    fake.user_says(502, "/start buses")  # 1
    await sender._call("sendMessage", chat_id=502, text="Thanks for taking part")  # 2
    fake.user_says(502, "bye")  # 3

    assert await sender._reconcile(claimed("telegram", "502", telegram_body(FEEDBACK), 2)) is None
    assert fake.edits == []
    # A chat with no message known before it is looked at from its first message.
    assert await sender._reconcile(claimed("telegram", "503", telegram_body(FEEDBACK))) is None


async def test_a_different_earlier_message_is_not_mistaken_for_the_claimed_one(
    telegram: tuple[FakeTelegram, TelegramSender],
) -> None:
    fake, sender = telegram
    await sender._call("sendMessage", chat_id=504, text="Thanks for taking part")  # 1
    outcome = await sender._reconcile(claimed("telegram", "504", telegram_body(FEEDBACK), 1))
    assert outcome is None
    assert [m.text for m in fake.messages_to(504)] == ["Thanks for taking part"]


@pytest.fixture
async def sms() -> AsyncIterator[tuple[FakeTwilio, SmsSender]]:
    async with FakeTwilio() as fake:
        client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=AsyncTwilioHttpClient(timeout=5))
        client.api.base_url = fake.url
        sender = SmsSender(
            client,
            storage=None,  # type: ignore[arg-type]
            keys=KEYS,
            rate=10,
            sender_fields={"from_": BOT_NUMBER},
            status_callback="http://127.0.0.1:9/sms/status",
        )
        yield fake, sender
        await sender.close()


async def test_an_sms_that_went_is_found_in_twilios_list(sms: tuple[FakeTwilio, SmsSender]) -> None:
    fake, sender = sms
    number = "+447700900301"
    await sender.client.messages.create_async(to=number, from_=BOT_NUMBER, body=FEEDBACK)
    await sender.client.messages.create_async(to="+447700900302", from_=BOT_NUMBER, body=FEEDBACK)
    await sender.client.messages.create_async(to=number, from_=BOT_NUMBER, body="Another")

    outcome = await sender._reconcile(claimed("sms", number, FEEDBACK))
    assert outcome == Sent(fake.messages_to(number)[0].sid)


async def test_an_sms_that_never_went_or_went_long_before_is_not_sent(
    sms: tuple[FakeTwilio, SmsSender],
) -> None:
    fake, sender = sms
    number = "+447700900303"
    await sender.client.messages.create_async(to=number, from_=BOT_NUMBER, body="Another")
    assert await sender._reconcile(claimed("sms", number, FEEDBACK)) is None

    await sender.client.messages.create_async(to=number, from_=BOT_NUMBER, body=FEEDBACK)
    later = claimed("sms", number, FEEDBACK)
    moment = datetime.now(UTC) + timedelta(minutes=5)  # claimed well after that one was sent
    later = ClaimedRow(later.row, moment.isoformat(), None)
    assert await sender._reconcile(later) is None
    assert len(fake.messages_to(number)) == 2
