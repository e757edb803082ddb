"""The fake Telegram Bot API, proved with the real python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from tests.fakes.telegram_api import Edit, FakeTelegram, LocalServer, SentMessage, WebhookInfo

CHAT = 4242
OTHER_CHAT = 5151


def keyboard(*options: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(option, callback_data=option.lower()) for option in options]
    return InlineKeyboardMarkup([buttons])


def make_bot(fake: FakeTelegram) -> Bot:
    return Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake) as bot:
        yield bot


class Receiver:
    """A webhook endpoint that records each POST and answers with the planned statuses."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((await request.json(), secret))
        return Response(status_code=self.statuses.pop(0) if self.statuses else 200)

    @property
    def update_ids(self) -> list[int]:
        return [body["update_id"] for body, _ in self.received]


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "youthvoice_test_bot")


async def test_wrong_token_and_unknown_method_are_refused(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123456:WRONG-TOKEN", base_url=fake.base_url):
            pass
    async with httpx.AsyncClient(base_url=fake.url) as client:
        unknown = await client.post(f"/bot{fake.token}/noSuchMethod")
        malformed = await client.get("/botnot-a-token/getMe")
        wrong = await client.get("/bot999:WRONG/getMe")
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert malformed.status_code == 404
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_send_message_is_recorded_with_its_buttons(fake: FakeTelegram, bot: Bot) -> None:
    first = await bot.send_message(CHAT, "Is the park safe?", reply_markup=keyboard("Yes", "No"))
    second = await bot.send_message(CHAT, "Thanks")

    assert first.reply_markup == keyboard("Yes", "No")
    assert (first.chat.id, first.from_user.is_bot, first.text) == (CHAT, True, "Is the park safe?")
    assert second.message_id > first.message_id
    markup = {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}]
        ]
    }
    assert fake.sent == [
        SentMessage(CHAT, first.message_id, "Is the park safe?", markup, None),
        SentMessage(CHAT, second.message_id, "Thanks", None, None),
    ]
    assert fake.sent[0].buttons == [("Yes", "yes"), ("No", "no")]
    assert len(fake.send_times) == 2
    assert fake.messages_to(OTHER_CHAT) == []


async def test_updates_are_confirmed_by_the_offset(fake: FakeTelegram, bot: Bot) -> None:
    first = fake.user_says(CHAT, "/start school", first_name="Ava", language_code="cy")
    second = fake.user_says(CHAT, "hello")

    updates = await bot.get_updates(timeout=0)
    assert [update.update_id for update in updates] == [first, second]
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert (message.text, message.chat.type, message.chat.id) == ("/start school", "private", CHAT)
    assert (message.from_user.first_name, message.from_user.language_code) == ("Ava", "cy")
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 6)]
    assert updates[1].message is not None and updates[1].message.entities == ()

    # Unconfirmed updates come again; an offset confirms everything before it, for good.
    assert [u.update_id for u in await bot.get_updates(offset=first + 1, timeout=0)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    assert await bot.get_updates(timeout=0) == ()


async def test_long_poll_returns_as_soon_as_a_message_arrives(fake: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_until(lambda: fake.polls_waiting == 1)
    update_id = fake.user_says(CHAT, "hi")
    updates = await asyncio.wait_for(poll, timeout=5)  # far sooner than the 30 s poll
    assert [update.update_id for update in updates] == [update_id]


async def test_a_second_poller_terminates_the_first(fake: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_until(lambda: fake.polls_waiting == 1)
    async with httpx.AsyncClient(base_url=fake.url) as client:
        other = await client.get(f"/bot{fake.token}/getUpdates", params={"timeout": 0})
    assert other.json() == {"ok": True, "result": []}
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await poll


async def test_a_tap_brings_the_callback_query_and_its_message(
    fake: FakeTelegram, bot: Bot
) -> None:
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=keyboard("Yes", "No"))
    update_id = fake.user_taps(CHAT, sent.message_id, "yes")

    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert update.update_id == update_id and query is not None
    assert (query.data, query.from_user.id) == ("yes", CHAT)
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.text == "Pick one"  # type: ignore[union-attr]
    assert query.message.reply_markup == keyboard("Yes", "No")  # type: ignore[union-attr]

    assert await query.answer() is True
    assert fake.answered_callbacks == [query.id]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    with pytest.raises(ValueError, match="no bot message"):
        fake.user_taps(CHAT, 999, "yes")


async def test_edits_are_recorded_and_change_the_message(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=keyboard("Yes", "No"))

    edited = await bot.edit_message_text("You chose: Yes", chat_id=CHAT, message_id=sent.message_id)
    assert edited.text == "You chose: Yes"  # type: ignore[union-attr]
    assert edited.reply_markup is None  # type: ignore[union-attr]  # no markup: keyboard gone
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("You chose: Yes", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard("Undo"))

    assert fake.edits == [
        Edit(CHAT, sent.message_id, "You chose: Yes", None),
        Edit(CHAT, sent.message_id, None, keyboard("Undo").to_dict()),
    ]
    fake.user_taps(CHAT, sent.message_id, "undo")
    (update,) = await bot.get_updates(timeout=0)
    assert update.callback_query is not None and update.callback_query.message is not None
    assert update.callback_query.message.text == "You chose: Yes"  # type: ignore[union-attr]
    assert update.callback_query.message.reply_markup == keyboard("Undo")  # type: ignore[union-attr]


async def test_webhook_gets_every_update_in_order_with_the_secret(
    fake: FakeTelegram, bot: Bot
) -> None:
    receiver = Receiver()
    early = fake.user_says(CHAT, "before the webhook")
    async with LocalServer(receiver.app) as server:
        url = f"{server.url}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret-Token_1")
        assert fake.webhook == WebhookInfo(url, "s3cret-Token_1", None)
        later = fake.user_says(CHAT, "hello")
        await fake.wait_until(lambda: len(receiver.received) == 2)

        assert receiver.update_ids == [early, later]
        body, secret = receiver.received[1]
        assert (body["message"]["text"], secret) == ("hello", "s3cret-Token_1")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)

        assert await bot.delete_webhook()
    assert fake.webhook is None
    after = fake.user_says(CHAT, "polling again")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [after]


async def test_webhook_refusing_an_update_gets_it_again(fake: FakeTelegram, bot: Bot) -> None:
    receiver = Receiver(statuses=(500, 503))
    async with LocalServer(receiver.app) as server:
        await bot.set_webhook(f"{server.url}/hook")
        first = fake.user_says(CHAT, "one")
        second = fake.user_says(CHAT, "two")
        await fake.wait_until(lambda: len(receiver.received) == 4)
        info = await bot.get_webhook_info()

    assert receiver.update_ids == [first, first, first, second]  # the next waits its turn
    assert fake.webhook_attempts == [(first, 500), (first, 503), (first, 200), (second, 200)]
    assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"
    assert fake.dropped_updates == []


async def test_unreachable_webhook_drops_the_update_after_some_attempts(
    fake: FakeTelegram, bot: Bot
) -> None:
    async with LocalServer(Receiver().app) as server:
        closed_url = f"{server.url}/hook"
    fake.webhook_max_attempts = 2
    await bot.set_webhook(closed_url)
    update_id = fake.user_says(CHAT, "anyone there?")
    await fake.wait_until(lambda: fake.dropped_updates == [update_id])
    assert [outcome for _, outcome in fake.webhook_attempts] == ["ConnectError", "ConnectError"]


async def test_flood_limit_answers_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22 warns on int retry_after otherwise
    async with FakeTelegram(rate_limit=2, tolerance=1) as fake, make_bot(fake) as bot:
        for chat in range(1, 4):
            await bot.send_message(chat, "hello")
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(4, "hello")
    assert refused.value.retry_after == dtm.timedelta(seconds=1)
    assert (fake.rejected_429, len(fake.sent), len(fake.send_times)) == (1, 3, 3)


async def test_per_chat_limit_holds_back_one_chat_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    async with FakeTelegram(per_chat_rate=1, tolerance=1) as fake, make_bot(fake) as bot:
        sent = await bot.send_message(CHAT, "one")
        await bot.edit_message_text("one, edited", chat_id=CHAT, message_id=sent.message_id)
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "three")
        await bot.send_message(OTHER_CHAT, "elsewhere")
    assert fake.rejected_429 == 1
    assert [message.text for message in fake.sent] == ["one", "elsewhere"]


async def test_a_blocked_user_gives_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Question 1")
    fake.block(CHAT, notify=True)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "Question 2")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("Question 1 (closed)", chat_id=CHAT, message_id=sent.message_id)
    await bot.send_message(OTHER_CHAT, "still fine")
    (update,) = await bot.get_updates(timeout=0)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"

    fake.unblock(CHAT)
    await bot.send_message(CHAT, "welcome back")
    assert [message.text for message in fake.sent] == ["Question 1", "still fine", "welcome back"]


async def test_resend_delivers_the_same_update_again(fake: FakeTelegram, bot: Bot) -> None:
    update_id = fake.user_says(CHAT, "yes")
    (first,) = await bot.get_updates(timeout=0)
    fake.resend(update_id)
    (again,) = await bot.get_updates(offset=update_id + 1, timeout=0)
    assert again.update_id == first.update_id == update_id
    assert again.message is not None and again.message.text == "yes"
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()


async def test_photos_stickers_locations_and_contacts(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_sends_photo(CHAT)
    fake.user_sends_sticker(CHAT)
    fake.user_sends_location(CHAT)
    fake.user_sends_contact(CHAT, "+447700900123")
    photo, sticker, location, contact = [u.message for u in await bot.get_updates(timeout=0)]

    assert photo is not None and photo.text is None and len(photo.photo) == 2
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.emoji == "👍"
    assert location is not None and location.location is not None
    assert contact is not None and contact.contact is not None
    assert (contact.contact.phone_number, contact.contact.user_id) == ("+447700900123", CHAT)
    file = await photo.photo[-1].get_file()
    assert (await file.download_as_bytearray()).startswith(b"\xff\xd8")


async def test_commands_are_kept(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("stop", "End")])
    assert fake.commands == [
        {"command": "start", "description": "Begin"},
        {"command": "stop", "description": "End"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "stop"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Not Valid", "x")])
    assert await bot.delete_my_commands()
    assert (fake.commands, await bot.get_my_commands()) == ([], ())


@pytest.mark.parametrize(
    ("chat_id", "text", "options", "error"),
    [
        (CHAT, "", {}, "message text is empty"),
        ("@nobody", "hi", {}, "chat not found"),
        (CHAT, "x" * 4097, {}, "message is too long"),
        (CHAT, "<b>unclosed", {"parse_mode": "HTML"}, "can't parse entities"),
        (CHAT, "Thanks.", {"parse_mode": "MarkdownV2"}, "reserved and must be escaped"),
        (CHAT, "hi", {"reply_markup": keyboard("x" * 65)}, "button_data_invalid"),
    ],
)
async def test_bad_requests_answer_like_telegram(
    fake: FakeTelegram, bot: Bot, chat_id: int | str, text: str, options: dict[str, Any], error: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.send_message(chat_id, text, **options)
    assert fake.sent == []
    assert fake.errors[-1][:2] == ("sendMessage", 400)


async def test_json_multipart_and_query_string_requests(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    async with httpx.AsyncClient(base_url=f"{fake.url}/bot{fake.token}") as client:
        as_json = await client.post(
            "/sendMessage", json={"chat_id": CHAT, "text": "json", "reply_markup": markup}
        )
        as_multipart = await client.post(
            "/sendMessage",
            data={"chat_id": str(CHAT), "text": "multipart", "reply_markup": json.dumps(markup)},
            files={"document": ("notes.txt", b"not used")},
        )
        as_query = await client.get("/sendMessage", params={"chat_id": CHAT, "text": "query"})
    assert [r.json()["ok"] for r in (as_json, as_multipart, as_query)] == [True, True, True]
    assert as_json.json()["result"]["reply_markup"] == markup
    assert [(m.text, m.buttons) for m in fake.sent] == [
        ("json", [("OK", "ok")]),
        ("multipart", [("OK", "ok")]),
        ("query", []),
    ]


async def test_markup_is_shown_parsed_but_recorded_as_sent(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Hi <b>Sam</b> &amp; co", parse_mode="HTML")
    assert sent.text == "Hi Sam & co"
    assert fake.sent[0].text == "Hi <b>Sam</b> &amp; co"
    assert fake.sent[0].parse_mode == "HTML"


async def test_wait_for_messages_says_what_arrived(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "Question 1", reply_markup=keyboard("Yes"))
    assert [m.text for m in await fake.wait_for_messages(CHAT, 1)] == ["Question 1"]
    with pytest.raises(TimeoutError, match="expected 2 message") as timed_out:
        await fake.wait_for_messages(CHAT, 2, timeout=0.05)
    assert "'Question 1' [('Yes', 'yes')]" in str(timed_out.value)
