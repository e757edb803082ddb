"""After a crash: how each sender finds out from the provider whether a claimed message went,
with the real python-telegram-bot and twilio libraries talking to the fakes."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Bot
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.outbox_sender import OutboxSender, Sent
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


class _ClaimedStorage:
    """Just what OutboxSender.run reads at its start, and the releases it records."""

    def __init__(self) -> None:
        self.claimed: list[ClaimedRow] = []
        self.released: list[int] = []

    async def claimed_messages(self, channel: str) -> list[ClaimedRow]:
        return self.claimed

    async def sent_since(self, channel: str, since: str) -> int:
        return 0

    async def due_messages(self, channel: str, now: str, limit: int) -> list[OutboxRow]:
        return []

    async def due_messages_for(self, channel: str, keys: object, now: str) -> list[OutboxRow]:
        return []

    async def release(self, message_id: int) -> None:
        self.released.append(message_id)


class _AskingSender(OutboxSender):
    channel = "sms"

    def __init__(self, storage: _ClaimedStorage) -> None:
        super().__init__(storage, KEYS, rate=10)  # type: ignore[arg-type]
        self.asked: list[int] = []

    async def _reconcile(self, claimed: ClaimedRow) -> None:
        self.asked.append(claimed.row.id)
        return None  # never went: released, to be sent


async def test_only_messages_claimed_before_the_sender_was_made_are_asked_about() -> None:
    """An SMS reply is claimed by the webhook that answers it in TwiML; one claimed while
    this process runs is being answered now, not left by a crash."""
    storage = _ClaimedStorage()
    left_by_a_crash = claimed("sms", BOT_NUMBER, "How old are you?")
    sender = _AskingSender(storage)
    await asyncio.sleep(0.01)
    being_answered = ClaimedRow(
        replace(left_by_a_crash.row, id=8),
        datetime.now(UTC).isoformat(timespec="milliseconds"),
        None,
    )
    storage.claimed = [left_by_a_crash, being_answered]
    running = asyncio.create_task(sender.run())
    try:
        for _ in range(200):
            if storage.released:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
    finally:
        await sender.stop()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert sender.asked == [7]
    assert storage.released == [7]
