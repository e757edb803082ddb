"""AiohttpRequest: python-telegram-bot's calls over aiohttp, against real HTTP servers."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram_http import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram, LocalServer

CHAT = 4242
TOKEN = "123456:TEST-TOKEN"
MESSAGE = {"message_id": 7, "date": 0, "chat": {"id": CHAT, "type": "private"}, "text": "ok"}
HELLO = {"chat_id": CHAT, "text": "hi"}
ME = {"id": 123456, "is_bot": True, "first_name": "Bot", "username": "recorder_bot"}


def bot_for(base_url: str, token: str = TOKEN, read_timeout: float = 5.0) -> Bot:
    return Bot(
        token,
        base_url=f"{base_url}/bot",
        request=AiohttpRequest(connections=4, read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(connections=1),
    )


class Recorder:
    """Answers every Bot API call with `answer` after `delay` seconds, keeping each request."""

    def __init__(self, answer: Any = MESSAGE, delay: float = 0.0) -> None:
        self.answer = answer
        self.delay = delay
        self.requests: list[tuple[str, str, bytes]] = []
        self.app = Starlette(routes=[Route("/{path:path}", self.any, methods=["GET", "POST"])])

    async def any(self, request: Request) -> Response:
        body = await request.body()
        self.requests.append((request.url.path, request.headers.get("content-type", ""), body))
        if request.url.path.endswith("/getMe"):  # when the bot starts
            return JSONResponse({"ok": True, "result": ME})
        await asyncio.sleep(self.delay)
        return JSONResponse({"ok": True, "result": self.answer})


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


async def test_the_bot_talks_to_the_fake_through_aiohttp(fake: FakeTelegram) -> None:
    async with Bot(
        TOKEN,
        base_url=fake.base_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
    ) as bot:
        me = await bot.get_me()
        assert me.username == "youthvoice_test_bot"
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
        sent = await bot.send_message(CHAT, "Shall we start?", reply_markup=keyboard)
        assert sent.text == "Shall we start?"
        edited = await bot.edit_message_text("Started", chat_id=CHAT, message_id=sent.message_id)
        assert edited.text == "Started"  # type: ignore[union-attr]
        assert fake.message(CHAT, sent.message_id)["text"] == "Started"


async def test_telegrams_errors_arrive_as_the_librarys_own(fake: FakeTelegram) -> None:
    fake.block(CHAT)
    async with Bot(TOKEN, base_url=fake.base_url, request=AiohttpRequest()) as bot:
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "hello")


async def test_a_429_arrives_as_retry_after() -> None:
    async with (
        FakeTelegram(token=TOKEN, rate_limit=1, tolerance=0) as fake,
        Bot(TOKEN, base_url=fake.base_url, request=AiohttpRequest()) as bot,
    ):
        await bot.send_message(CHAT, "one")
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "two")


async def test_parameters_go_as_a_json_body() -> None:
    recorder = Recorder()
    async with LocalServer(recorder.app) as server, bot_for(server.url) as bot:
        await bot.do_api_request(
            "sendMessage",
            api_kwargs={"chat_id": CHAT, "text": "Hi ✨", "reply_markup": {"inline_keyboard": []}},
        )
    path, content_type, body = recorder.requests[-1]
    assert path.endswith("/sendMessage")
    assert content_type == "application/json"
    sent = json.loads(body)
    assert sent["text"] == "Hi ✨"
    assert int(sent["chat_id"]) == CHAT
    assert json.loads(sent["reply_markup"]) == {"inline_keyboard": []}


async def test_a_file_goes_as_multipart_form_data() -> None:
    recorder = Recorder(answer={**MESSAGE, "document": {"file_id": "f", "file_unique_id": "u"}})
    async with LocalServer(recorder.app) as server, bot_for(server.url) as bot:
        await bot.send_document(CHAT, InputFile(b"name,answer\n", filename="results.csv"))
    _, content_type, body = recorder.requests[-1]
    assert content_type.startswith("multipart/form-data")
    assert b'filename="results.csv"' in body
    assert b"name,answer\n" in body
    assert f"{CHAT}".encode() in body


async def test_a_slow_answer_times_out() -> None:
    recorder = Recorder(delay=2.0)
    async with LocalServer(recorder.app) as server:
        async with bot_for(server.url, read_timeout=0.2) as bot:
            with pytest.raises(TimedOut):
                await bot.do_api_request("sendMessage", api_kwargs=HELLO)
        # A timeout given for one call wins over the default.
        async with bot_for(server.url, read_timeout=30) as bot:
            with pytest.raises(TimedOut):
                await bot.do_api_request(
                    "sendMessage", api_kwargs={"chat_id": CHAT, "text": "hi"}, read_timeout=0.2
                )


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
        await request.shutdown()  # twice is harmless


async def test_it_must_be_initialized_first() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/", "POST")
    assert request.read_timeout == 5.0


def test_the_proxy_comes_from_the_environment_once_per_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.channels.telegram_http import proxy_for

    monkeypatch.setenv("https_proxy", "http://proxy.council.example:3128")
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    assert proxy_for("https://api.telegram.org/bot1:A/getMe") == "http://proxy.council.example:3128"
    assert proxy_for("http://127.0.0.1:8081/bot1:A/getMe") is None
