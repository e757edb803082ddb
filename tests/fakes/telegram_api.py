"""A fake Telegram Bot API for tests, served over real HTTP on 127.0.0.1.

Point the real python-telegram-bot at it::

    async with FakeTelegram() as fake:
        bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        fake.user_says(42, "/start")
        ...

It keeps to the Bot API where a bot could notice the difference: offsets confirm updates, a
set webhook makes getUpdates a 409 and gets updates POSTed in order (retried on failure),
flood limits answer 429 with retry_after, blocked chats answer 403, and the usual mistakes
(empty text, unchanged edits, over-long callback data, broken HTML) answer 400 with the
real descriptions. The known differences are listed on `FakeTelegram`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import html
import itertools
import json
import re
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.fakes.waiting import FakeProvider

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_DEFAULT_UPDATES = frozenset({"message", "callback_query", "my_chat_member"})
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"}
    | {"a", "tg-emoji", "code", "pre", "blockquote"}
)
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-photo\xff\xd9"


# --- what the bot did -------------------------------------------------------------------------
def _buttons(markup: dict[str, Any] | None) -> list[tuple[str, str | None]]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [(button["text"], button.get("callback_data")) for row in rows for button in row]


@dataclass
class SentMessage:
    """One message the bot sent."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    parse_mode: str | None

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """The inline buttons as (text, callback_data), row by row."""
        return _buttons(self.reply_markup)


@dataclass
class Edit:
    """One edit of a bot message (text is None for editMessageReplyMarkup)."""

    chat_id: int
    message_id: int
    text: str | None
    reply_markup: dict[str, Any] | None

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """The inline buttons after the edit as (text, callback_data)."""
        return _buttons(self.reply_markup)


@dataclass
class WebhookInfo:
    """The webhook the bot set."""

    url: str
    secret_token: str | None
    allowed_updates: list[str] | None


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON the Bot API answers with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code}
        body["description"] = self.description
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --- serving an ASGI app on an ephemeral port ----------------------------------------------
class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the test runner's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LocalServer:
    """Serves an ASGI app on 127.0.0.1 (an ephemeral port) in the running event loop.

    Also handy for a test's own webhook receiver: `async with LocalServer(app) as server:`.
    """

    def __init__(self, app: ASGIApp, port: int = 0) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            http="h11",
            ws="none",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = _QuietServer(config)
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> None:
        """Returns once the server is listening."""
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError("the server stopped before it started listening")
            await asyncio.sleep(0.005)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Stops listening and waits for open requests to finish."""
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None

    async def __aenter__(self) -> LocalServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


# --- reading requests -------------------------------------------------------------------------
@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise _bad("can't parse multipart body")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[name] = (
            UploadedFile(filename, content) if filename else content.decode(errors="replace")
        )
    return fields


async def _read_params(request: Request) -> dict[str, Any]:
    """Query string plus a JSON, form-encoded or multipart body, as the Bot API accepts."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if not body:
        return params
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise _bad("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise _bad("can't parse JSON object")
        params.update(data)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        params.update(_parse_multipart(content_type, body))
    else:
        raise _bad(f"unsupported Content-Type {content_type!r}")
    return params


class _Params:
    """Request parameters, read the way the Bot API reads them (form values are strings)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        return None if value is None else str(value)

    def integer(self, name: str, error: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise _bad(error) from None

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(error) from None
        return value

    def chat_id(self) -> int:
        value = self.raw.get("chat_id")
        if value is None or value == "":
            raise _bad("chat_id is empty")
        try:
            chat_id = int(str(value).strip()) if not isinstance(value, bool) else 0
        except ValueError:
            chat_id = 0
        if chat_id == 0:
            raise _bad("chat not found")
        return chat_id

    def message_id(self) -> int:
        if self.raw.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # the fake has no inline messages
        message_id = self.integer("message_id", "MESSAGE_ID_INVALID")
        if message_id is None:
            raise _bad("message identifier is not specified")
        return message_id


# --- checking what the bot sends ------------------------------------------------------------
def _check_html(text: str) -> str:
    """The visible text, or a 400 where Telegram cannot parse the HTML."""
    stack: list[str] = []
    position = 0
    while (start := text.find("<", position)) != -1:
        offset = len(text[:start].encode())
        match = _HTML_TAG.match(text, start)
        if match is None:
            word = re.match(r"</?([^\s<>]*)", text[start:])
            name = word.group(1) if word else ""
            raise _bad(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
            )
        closing, name = match.group(1), match.group(2).lower()
        if name not in _HTML_TAGS:
            raise _bad(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
            )
        if closing:
            if not stack or stack[-1] != name:
                expected = f'"</{stack[-1]}>"' if stack else "no end tag"
                raise _bad(
                    f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                    f'expected {expected}, found "</{name}>"'
                )
            stack.pop()
        else:
            stack.append(name)
        position = match.end()
    if stack:
        raise _bad(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


def _check_markdown_v2(text: str) -> None:
    """A 400 for a reserved character left unescaped outside code, Telegram's usual answer."""
    # Inside code and link targets only `, ) and backslash need escaping.
    plain = re.sub(r"```.*?```|`[^`]*`|\]\((?:\\.|[^)\\])*\)", "", text, flags=re.DOTALL)
    characters = iter(plain)
    for character in characters:
        if character == "\\":
            next(characters, None)
        elif character in ".!-=+#{}":
            raise _bad(
                f"can't parse entities: Character '{character}' is reserved and must be "
                "escaped with the preceding '\\'"
            )


def _strip_markdown(text: str, markers: str) -> str:
    """Roughly the text Telegram shows: links become their text, markers and escapes go."""
    text = re.sub(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\((?:\\.|[^)\\])*\)", r"\1", text)
    return re.sub(rf"\\(.)|[{re.escape(markers)}]", lambda m: m.group(1) or "", text, flags=re.S)


def _visible_text(text: str, parse_mode: str | None) -> str:
    """The text as a Message shows it once Telegram has parsed the markup (400 if it can't)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text
    if mode == "html":
        return _check_html(text)
    if mode == "markdownv2":
        _check_markdown_v2(text)
        return _strip_markdown(text, "*_~|`")
    if mode == "markdown":
        return _strip_markdown(text, "*_`")
    raise _bad(f"unsupported parse_mode {parse_mode!r}")


def _check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise _bad("can't parse reply keyboard markup JSON object")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad("can't parse inline keyboard markup JSON object")
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not button.get("text"):
            raise _bad("can't parse inline keyboard button: Text is empty")
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        data = button.get("callback_data")
        if "callback_data" in button and not 1 <= len(str(data).encode()) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    return markup


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a Message shows: only a non-empty inline keyboard."""
    if markup and markup.get("inline_keyboard"):
        return markup
    return None


# --- the fake -------------------------------------------------------------------------------
@dataclass
class _Queued:
    update: dict[str, Any]
    duplicate: bool = False  # from resend(): handed out even though its id is below the offset
    delivered: bool = False
    attempts: int = 0

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


class FakeTelegram(FakeProvider):
    """A Telegram Bot API server for tests.

    Differences from the real Bot API a test should know:
    - any non-zero integer chat_id is a private chat the bot may write to, whether or not the
      user ever wrote; "@username" chat ids are "chat not found";
    - a Message's text has HTML/Markdown markup stripped, but carries no `entities`
      (`sent` and `edits` keep the text as the bot passed it); markup is only checked for
      the common mistakes (unknown or unclosed tags, unescaped MarkdownV2 characters);
    - the user's and the bot's messages share one message_id sequence per chat, as in a
      real private chat, so the bot's first reply after "/start" is message 2;
    - webhooks may be plain http on any port; updates go out one at a time, in order, and an
      update the webhook refuses `webhook_max_attempts` times is dropped (see
      `dropped_updates`), where Telegram keeps trying for much longer;
    - a resent update is handed out even when the offset has passed it;
    - block() only makes sends fail; pass notify=True for the my_chat_member update
      Telegram sends;
    - callback queries do not expire, and tapping does not check that the button exists.

    A test may set `answer_delay` (seconds, 0): a sent message is taken at once but the answer
    comes that much later, so a bot killed meanwhile cannot know that it went.
    """

    port = 0  # 0: an ephemeral port; the stand-alone server sets its own

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        rate_limit: float | None = None,
        per_chat_rate: float | None = None,
        tolerance: int = 3,
        bot_username: str = "youthvoice_test_bot",
    ) -> None:
        self.token = token
        self.url = ""
        self.rate_limit = rate_limit
        self.per_chat_rate = per_chat_rate
        self.tolerance = tolerance
        self.bot_username = bot_username
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1
        self.webhook_max_attempts = 5
        self.webhook_backoff = 0.05
        self.answer_delay = 0.0
        # what the bot did
        self.sent: list[SentMessage] = []
        self.edits: list[Edit] = []
        self.answered_callbacks: list[str] = []
        self.commands: list[dict[str, Any]] = []
        self.webhook: WebhookInfo | None = None
        self.rejected_429 = 0
        self.send_times: list[float] = []
        self.deleted: list[tuple[int, int]] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.errors: list[tuple[str, int, str]] = []  # (method, error_code, description)
        self.webhook_attempts: list[tuple[int, int | str]] = []  # (update_id, status or error)
        self.dropped_updates: list[int] = []
        self.polls_waiting = 0  # getUpdates requests now waiting for an update
        # state
        self._updates: dict[int, dict[str, Any]] = {}
        self._queue: list[_Queued] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._last_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._sources: dict[tuple[int, int], tuple[str, str | None]] = {}  # text, parse_mode
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._callbacks: dict[str, bool] = {}  # id -> answered
        self._files: dict[str, dict[str, Any]] = {}
        self._file_contents: dict[str, bytes] = {}  # file_path -> bytes
        self._allowed_updates: list[str] | None = None
        self._my_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._window: deque[tuple[float, int]] = deque()  # (monotonic time, chat_id)
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._last_webhook_error: tuple[int, str] | None = None
        self._closing = False
        self._server: LocalServer | None = None
        self._http: httpx.AsyncClient | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._methods: dict[str, Callable[[_Params, Request], Awaitable[Any]]] = {
            name.removeprefix("_api_").lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("_api_")
        }

    # --- life cycle --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """For `telegram.Bot(base_url=...)`."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For `telegram.Bot(base_file_url=...)`."""
        return f"{self.url}/file/bot"

    def _app(self) -> Starlette:
        methods = ["GET", "POST"]
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=methods),
                Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
                Route("/{path:path}", self._not_found, methods=methods),
            ]
        )

    async def start(self) -> None:
        """Serve on 127.0.0.1 (an ephemeral port); returns once listening."""
        self._closing = False
        self._server = LocalServer(self._app(), self.port)
        await self._server.start()
        self.url = self._server.url
        self._http = httpx.AsyncClient(timeout=10)
        self._webhook_task = asyncio.create_task(self._deliver_to_webhook())

    async def stop(self) -> None:
        """Answer waiting long polls, stop webhook delivery and the server."""
        self._closing = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # --- what a young person does ------------------------------------------------------------
    def user_says(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str = "Sam",
        username: str | None = "sam_k",
        language_code: str = "en",
    ) -> int:
        """A text message from the user; returns its update_id."""
        user = {"id": chat_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        user["language_code"] = language_code
        self._users[chat_id] = user
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._user_message(chat_id, content)

    def user_taps(self, chat_id: int, message_id: int, data: str) -> int:
        """A tap on an inline button of the bot's message; returns the update_id."""
        message = self._messages.get((chat_id, message_id))
        if message is None or not message["from"]["is_bot"]:
            raise ValueError(f"chat {chat_id} has no bot message {message_id} to tap")
        query_id = str(4_000_000_000_000_000_000 + next(self._callback_ids))
        self._callbacks[query_id] = False
        query = {
            "id": query_id,
            "from": self._user(chat_id),
            "chat_instance": str(-7_000_000_000_000_000_000 - chat_id),
            "data": data,
            "message": copy.deepcopy(message),
        }
        return self._new_update("callback_query", query)

    def user_sends_photo(self, chat_id: int) -> int:
        """A photo (two sizes, as Telegram sends them); returns the update_id."""
        sizes = [self._new_file("photos", "jpg", width, height) for width, height in _PHOTO_SIZES]
        return self._user_message(chat_id, {"photo": sizes})

    def user_sends_location(
        self, chat_id: int, *, latitude: float = 51.501009, longitude: float = -0.141588
    ) -> int:
        """A shared location; returns the update_id."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(chat_id, {"location": location})

    def user_sends_sticker(self, chat_id: int) -> int:
        """A sticker; returns the update_id."""
        sticker = self._new_file("stickers", "webp", 512, 512)
        sticker.update(
            type="regular", is_animated=False, is_video=False, emoji="👍", set_name="YouthVoiceTest"
        )
        return self._user_message(chat_id, {"sticker": sticker})

    def user_sends_contact(self, chat_id: int, phone: str) -> int:
        """The user's own contact card; returns the update_id."""
        user = self._user(chat_id)
        contact = {"phone_number": phone, "first_name": user["first_name"], "user_id": chat_id}
        return self._user_message(chat_id, {"contact": contact})

    def resend(self, update_id: int) -> None:
        """Deliver the very same update again (a duplicate)."""
        if update_id not in self._updates:
            raise ValueError(f"no update {update_id} to resend")
        self._queue.append(_Queued(self._updates[update_id], duplicate=True))
        self._notify()

    def block(self, chat_id: int, *, notify: bool = False) -> None:
        """The user blocked the bot: sends to this chat answer 403 until unblock()."""
        self._blocked.add(chat_id)
        if notify:
            self._member_update(chat_id, "member", "kicked")

    def unblock(self, chat_id: int, *, notify: bool = False) -> None:
        """The user restarted the bot."""
        self._blocked.discard(chat_id)
        if notify:
            self._member_update(chat_id, "kicked", "member")

    # --- what the bot did ----------------------------------------------------------------------
    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Every message sent to one chat, in order."""
        return [message for message in self.sent if message.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A message as it is now (after edits), shaped like the Bot API's Message."""
        return copy.deepcopy(self._messages[(chat_id, message_id)])

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10
    ) -> list[SentMessage]:
        """Wait until the chat has at least `count` messages; returns all of them."""
        try:
            await self.wait_until(lambda: len(self.messages_to(chat_id)) >= count, timeout)
        except TimeoutError:
            arrived = self.messages_to(chat_id)
            lines = [f"  #{m.message_id}: {m.text!r} {m.buttons or ''}" for m in arrived]
            raise TimeoutError(
                f"expected {count} message(s) to chat {chat_id} within {timeout}s, "
                f"{len(arrived)} arrived:\n" + "\n".join(lines or ["  (none)"]) + self._summary()
            ) from None
        return self.messages_to(chat_id)

    def _summary(self) -> str:
        others: dict[int, int] = {}
        for message in self.sent:
            others[message.chat_id] = others.get(message.chat_id, 0) + 1
        lines = [f"\nmessages per chat: {others}", f"pending updates: {len(self._queue)}"]
        if self.errors:
            lines.append("last errors answered: " + "; ".join(map(str, self.errors[-5:])))
        return "\n".join(lines)

    # --- updates -------------------------------------------------------------------------------
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _new_update(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        self._updates[update_id] = update
        allowed = set(self._allowed_updates) if self._allowed_updates else _DEFAULT_UPDATES
        if kind in allowed:
            self._queue.append(_Queued(update))
            self._notify()
        return update_id

    def _user(self, chat_id: int) -> dict[str, Any]:
        default = {"id": chat_id, "is_bot": False, "first_name": "Sam", "username": "sam_k"}
        return dict(self._users.get(chat_id, default))

    def _chat(self, chat_id: int) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        user = self._users.get(chat_id)
        if user is not None:
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        return chat

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "YouthVoice",
            "username": self.bot_username,
        }

    def _next_message_id(self, chat_id: int) -> int:
        # In a private chat the user's and the bot's messages share one sequence.
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _user_message(self, chat_id: int, content: dict[str, Any]) -> int:
        self._users.setdefault(chat_id, self._user(chat_id))
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(chat_id),
            **content,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return self._new_update("message", copy.deepcopy(message))

    def _member_update(self, chat_id: int, old: str, new: str) -> None:
        now = int(time.time())
        self._new_update(
            "my_chat_member",
            {
                "chat": self._chat(chat_id),
                "from": self._user(chat_id),
                "date": now,
                "old_chat_member": {"status": old, "user": self._bot_user()},
                "new_chat_member": {"status": new, "user": self._bot_user(), "until_date": 0}
                if new == "kicked"
                else {"status": new, "user": self._bot_user()},
            },
        )

    def _new_file(self, folder: str, extension: str, width: int, height: int) -> dict[str, Any]:
        number = next(self._file_ids)
        path = f"{folder}/file_{number}.{extension}"
        content = _FAKE_JPEG if extension == "jpg" else b"RIFF\x00\x00\x00\x00WEBPfake"
        described = {
            "file_id": f"AgACAgQAAxkBAAI{number:08d}",
            "file_unique_id": f"AQAD{number:06d}",
            "file_size": len(content),
            "width": width,
            "height": height,
        }
        self._files[described["file_id"]] = {**described, "file_path": path}
        self._file_contents[path] = content
        return described

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._queue = self._queue[offset:]
            return
        self._queue = [
            queued
            for queued in self._queue
            if queued.update_id >= offset or (queued.duplicate and not queued.delivered)
        ]

    def _batch(self, limit: int) -> list[_Queued]:
        # A duplicate goes out on its own, so the batch stays in update_id order as offsets
        # taken from its last update expect.
        batch: list[_Queued] = []
        for queued in self._queue[:limit]:
            if queued.duplicate:
                if not batch:
                    batch.append(queued)
                break
            batch.append(queued)
        for queued in batch:
            queued.delivered = True
        return batch

    # --- webhook delivery ----------------------------------------------------------------------
    async def _deliver_to_webhook(self) -> None:
        while not self._closing:
            hook = self.webhook
            if hook is None or not self._queue:
                await self._changed.wait()
                continue
            queued = self._queue[0]
            outcome = await self._post(hook, queued.update)
            self.webhook_attempts.append((queued.update_id, outcome))
            delivered = isinstance(outcome, int) and 200 <= outcome < 300
            if delivered or queued.attempts + 1 >= self.webhook_max_attempts:
                if not delivered:
                    self.dropped_updates.append(queued.update_id)
                if self._queue and self._queue[0] is queued:
                    self._queue.pop(0)
                continue
            queued.attempts += 1
            await asyncio.sleep(min(1.0, self.webhook_backoff * 2 ** (queued.attempts - 1)))

    async def _post(self, hook: WebhookInfo, update: dict[str, Any]) -> int | str:
        assert self._http is not None
        headers = {}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            response = await self._http.post(hook.url, json=update, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            self._last_webhook_error = (int(time.time()), f"Connection failed: {exc!r}")
            return type(exc).__name__
        if not 200 <= response.status_code < 300:
            reason = response.reason_phrase
            message = f"Wrong response from the webhook: {response.status_code} {reason}"
            self._last_webhook_error = (int(time.time()), message)
        return response.status_code

    # --- HTTP ----------------------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        try:
            if request.path_params["token"] != self.token:
                raise self._token_error(request.path_params["token"])
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(_Params(await _read_params(request)), request)
        except ApiError as error:
            self.errors.append((method, error.code, error.description))
            return JSONResponse(error.body(), status_code=error.code)
        return JSONResponse({"ok": True, "result": result})

    @staticmethod
    def _token_error(token: str) -> ApiError:
        # Telegram: 401 for a well-formed token it does not know, 404 for a malformed one.
        if re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
            return ApiError(401, "Unauthorized")
        return ApiError(404, "Not Found")

    async def _file(self, request: Request) -> Response:
        content = self._file_contents.get(request.path_params["path"])
        if request.path_params["token"] != self.token or content is None:
            return JSONResponse(ApiError(404, "Not Found").body(), status_code=404)
        return Response(content, media_type="application/octet-stream")

    async def _not_found(self, request: Request) -> Response:
        return JSONResponse(ApiError(404, "Not Found").body(), status_code=404)

    # --- methods -------------------------------------------------------------------------------
    async def _api_getMe(self, params: _Params, request: Request) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, params: _Params, request: Request) -> Any:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset", "wrong parameter offset")
        limit = params.integer("limit", "wrong parameter limit") or 100
        timeout = max(0, params.integer("timeout", "wrong parameter timeout") or 0)
        allowed = params.json("allowed_updates", "can't parse allowed updates")
        if allowed is not None:
            self._allowed_updates = list(allowed) or None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll is now superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            while True:
                if self.webhook is not None:
                    raise ApiError(409, WEBHOOK_CONFLICT)
                if gone.done():
                    return []  # nobody to answer
                batch = self._batch(max(1, min(100, limit)))
                remaining = deadline - loop.time()
                if batch or self._closing or remaining <= 0:
                    return [queued.update for queued in batch]
                changed = asyncio.ensure_future(self._changed.wait())
                self.polls_waiting += 1
                try:
                    await asyncio.wait(
                        {changed, gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    self.polls_waiting -= 1
                    changed.cancel()
                if generation != self._poll_generation:
                    raise ApiError(409, POLL_CONFLICT)
        finally:
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gone

    async def _api_setWebhook(self, params: _Params, request: Request) -> Any:
        url = params.text("url") or ""
        if not url:
            return await self._api_deleteWebhook(params, request)
        if not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.text("secret_token") or None
        if secret is not None and not _SECRET.match(secret):
            raise _bad("secret token contains unallowed characters")
        allowed = params.json("allowed_updates", "can't parse allowed updates")
        if allowed is not None:
            self._allowed_updates = list(allowed) or None
        if params.flag("drop_pending_updates"):
            self._queue.clear()
        self.webhook = WebhookInfo(url, secret, list(allowed) if allowed is not None else None)
        self._notify()
        return True

    async def _api_deleteWebhook(self, params: _Params, request: Request) -> Any:
        if params.flag("drop_pending_updates"):
            self._queue.clear()
        self.webhook = None
        self._notify()
        return True

    async def _api_getWebhookInfo(self, params: _Params, request: Request) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook is not None:
            info["max_connections"] = 40
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self._last_webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._last_webhook_error
        return info

    def _check_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _check_rate(self, chat_id: int) -> float:
        now = time.monotonic()
        while self._window and self._window[0][0] <= now - 1.0:
            self._window.popleft()
        in_chat = sum(1 for _, chat in self._window if chat == chat_id)
        if (
            self.rate_limit is not None and len(self._window) + 1 > self.rate_limit + self.tolerance
        ) or (self.per_chat_rate is not None and in_chat + 1 > self.per_chat_rate + self.tolerance):
            self.rejected_429 += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        return now

    def _text(self, params: _Params) -> tuple[str, str | None, str]:
        """(text as sent, parse_mode, text as shown)."""
        text = params.text("text")
        parse_mode = params.text("parse_mode") or None
        if text is None or not text.strip():
            raise _bad("message text is empty")
        visible = _visible_text(text, parse_mode)
        if not visible.strip():
            raise _bad("message text is empty")
        if len(visible) > 4096:
            raise _bad("message is too long")
        return text, parse_mode, visible

    async def _api_sendMessage(self, params: _Params, request: Request) -> Any:
        chat_id = params.chat_id()
        text, parse_mode, visible = self._text(params)
        markup = _check_markup(params.json("reply_markup", "can't parse reply keyboard markup"))
        self._check_blocked(chat_id)
        now = self._check_rate(chat_id)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": self._bot_user(),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "text": visible,
        }
        if _inline(markup):
            message["reply_markup"] = markup
        self._messages[(chat_id, message["message_id"])] = message
        self._sources[(chat_id, message["message_id"])] = (text, parse_mode)
        self._window.append((now, chat_id))
        self.send_times.append(now)
        self.sent.append(SentMessage(chat_id, message["message_id"], text, markup, parse_mode))
        if self.answer_delay > 0:
            await asyncio.sleep(self.answer_delay)
        return copy.deepcopy(message)

    def _editable(self, params: _Params) -> tuple[int, int, dict[str, Any]]:
        chat_id = params.chat_id()
        message_id = params.message_id()
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _bad("message to edit not found")
        if not message["from"]["is_bot"]:
            raise _bad("message can't be edited")
        return chat_id, message_id, message

    def _apply_edit(
        self, message: dict[str, Any], visible: str | None, markup: dict[str, Any] | None
    ) -> None:
        if visible is not None:
            message["text"] = visible
        message.pop("reply_markup", None)
        if _inline(markup):
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())

    async def _api_editMessageText(self, params: _Params, request: Request) -> Any:
        chat_id, message_id, message = self._editable(params)
        text, parse_mode, visible = self._text(params)
        markup = _check_markup(params.json("reply_markup", "can't parse reply keyboard markup"))
        self._check_blocked(chat_id)
        # Without reply_markup an edit removes the inline keyboard, as Telegram does.
        source = self._sources.get((chat_id, message_id))
        if source == (text, parse_mode) and _inline(markup) == message.get("reply_markup"):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        now = self._check_rate(chat_id)
        self._apply_edit(message, visible, markup)
        self._sources[(chat_id, message_id)] = (text, parse_mode)
        self._window.append((now, chat_id))
        self.edits.append(Edit(chat_id, message_id, text, markup))
        return copy.deepcopy(message)

    async def _api_editMessageReplyMarkup(self, params: _Params, request: Request) -> Any:
        chat_id, message_id, message = self._editable(params)
        markup = _check_markup(params.json("reply_markup", "can't parse reply keyboard markup"))
        self._check_blocked(chat_id)
        if _inline(markup) == message.get("reply_markup"):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._apply_edit(message, None, markup)
        self.edits.append(Edit(chat_id, message_id, None, markup))
        return copy.deepcopy(message)

    async def _api_answerCallbackQuery(self, params: _Params, request: Request) -> Any:
        query_id = params.text("callback_query_id") or ""
        if self._callbacks.get(query_id, True):  # unknown, or answered already
            raise ApiError(400, QUERY_INVALID)
        self._callbacks[query_id] = True
        self.answered_callbacks.append(query_id)
        return True

    @staticmethod
    def _commands_key(params: _Params) -> tuple[str, str]:
        scope = params.json("scope", "can't parse BotCommandScope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.text("language_code") or ""

    async def _api_setMyCommands(self, params: _Params, request: Request) -> Any:
        commands = params.json("commands", "can't parse commands JSON object")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command"))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise _bad("command description is empty")
        self._my_commands[self._commands_key(params)] = commands
        self.commands = commands
        return True

    async def _api_deleteMyCommands(self, params: _Params, request: Request) -> Any:
        self._my_commands.pop(self._commands_key(params), None)
        self.commands = []
        return True

    async def _api_getMyCommands(self, params: _Params, request: Request) -> Any:
        return self._my_commands.get(self._commands_key(params), [])

    async def _api_sendChatAction(self, params: _Params, request: Request) -> Any:
        chat_id = params.chat_id()
        action = params.text("action") or ""
        if not action:
            raise _bad("action is empty")
        self._check_blocked(chat_id)
        self.chat_actions.append((chat_id, action))
        return True

    async def _api_deleteMessage(self, params: _Params, request: Request) -> Any:
        chat_id = params.chat_id()
        message_id = params.message_id()
        self._sources.pop((chat_id, message_id), None)
        if self._messages.pop((chat_id, message_id), None) is None:
            raise _bad("message to delete not found")
        self.deleted.append((chat_id, message_id))
        return True

    async def _api_getFile(self, params: _Params, request: Request) -> Any:
        found = self._files.get(params.text("file_id") or "")
        if found is None:
            raise _bad("invalid file_id")
        return {key: found[key] for key in ("file_id", "file_unique_id", "file_size", "file_path")}


_PHOTO_SIZES = ((90, 67), (1280, 960))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _disconnected(request: Request) -> None:
    """Returns when the client has gone (its body has already been read)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


__all__ = [
    "ApiError",
    "Edit",
    "FakeTelegram",
    "LocalServer",
    "SentMessage",
    "UploadedFile",
    "WebhookInfo",
]


# --- on its own, in another process ---------------------------------------------------------
#     python -m tests.fakes.telegram_api --port 0 [--rate-limit R] [--per-chat-rate P]
#         [--tolerance T] [--latency-ms L]
# prints its URL as the first line of stdout and serves until SIGTERM or SIGINT. A driver in
# another process plays the young people through the /_test/ routes (benchmarks/telegram.py).
class StandaloneFakeTelegram(FakeTelegram):
    """The fake with a few routes for a driver in another process:

    - POST /_test/actions, a JSON list of {"chat_id", "say": text} and
      {"chat_id", "message_id", "tap": callback_data}: the young people's messages and taps,
      in order; answers {"update_ids": [...]};
    - GET /_test/sent?after=N&timeout=S: the messages the bot sent after the first N (waiting
      up to S seconds for one), as {"next": M, "messages": [{"chat_id", "message_id", "text",
      "buttons": [callback_data, ...]}]};
    - GET /_test/stats: how many messages, edits, answered taps, errors and 429s so far;
    - GET /_test/arrivals?after=N&contains=TEXT&timeout=S: when each message after the first N
      arrived (see `arrivals_answer`), for counting a bulk send (benchmarks/broadcast.py).

    `latency` (seconds) delays every Bot API answer, as the way to Telegram and back would.
    """

    def __init__(self, *args: Any, port: int = 0, latency: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.port = port
        self.latency = latency
        self._sent_changed = asyncio.Event()

    def _app(self) -> Starlette:
        routes = [
            Route("/_test/actions", self._test_actions, methods=["POST"]),
            Route("/_test/sent", self._test_sent, methods=["GET"]),
            Route("/_test/stats", self._test_stats, methods=["GET"]),
            Route("/_test/arrivals", self._test_arrivals, methods=["GET"]),
        ]
        return Starlette(routes=routes + super()._app().routes)

    async def stop(self) -> None:
        self._closing = True
        self._sent_changed.set()
        await super().stop()

    async def _endpoint(self, request: Request) -> Response:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        return await super()._endpoint(request)

    async def _api_sendMessage(self, params: _Params, request: Request) -> Any:
        result = await super()._api_sendMessage(params, request)
        self._sent_changed.set()
        self._sent_changed = asyncio.Event()
        return result

    async def _test_actions(self, request: Request) -> Response:
        try:
            actions = json.loads(await request.body())
            update_ids = []
            for action in actions:
                chat_id = int(action["chat_id"])
                if "tap" in action:
                    tap = str(action["tap"])
                    update_ids.append(self.user_taps(chat_id, int(action["message_id"]), tap))
                else:
                    update_ids.append(self.user_says(chat_id, str(action["say"])))
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"update_ids": update_ids})

    async def _test_sent(self, request: Request) -> Response:
        try:
            after = max(0, int(request.query_params.get("after", "0")))
            timeout = min(30.0, max(0.0, float(request.query_params.get("timeout", "0"))))
        except ValueError:
            return JSONResponse({"error": "after and timeout must be numbers"}, status_code=400)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.sent) <= after and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_changed.wait(), remaining)
        batch = self.sent[after : after + 1000]
        messages = [
            {
                "chat_id": sent.chat_id,
                "message_id": sent.message_id,
                "text": sent.text,
                "buttons": [data for _text, data in sent.buttons],
            }
            for sent in batch
        ]
        return JSONResponse({"next": after + len(batch), "messages": messages})

    async def _test_stats(self, request: Request) -> Response:
        return JSONResponse(
            {
                "sent": len(self.sent),
                "edits": len(self.edits),
                "answered_callbacks": len(self.answered_callbacks),
                "rejected_429": self.rejected_429,
                "errors": len(self.errors),
                "last_errors": [list(error) for error in self.errors[-5:]],
                "pending_updates": len(self._queue),
            }
        )

    async def _test_arrivals(self, request: Request) -> Response:
        query = request.query_params
        try:
            after, timeout = int(query.get("after", "0")), float(query.get("timeout", "0"))
        except ValueError:
            return JSONResponse({"error": "after and timeout must be numbers"}, status_code=400)
        if len(self.sent) <= after and not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_changed.wait(), min(30.0, max(0.0, timeout)))
        after = max(0, after)
        page = slice(after, after + ARRIVALS_PAGE)
        sends = [
            (sent.chat_id, at, 1, sent.text)
            for sent, at in zip(self.sent[page], self.send_times[page], strict=True)
        ]
        return arrivals_answer(after, sends, query.get("contains", ""))


ARRIVALS_PAGE = 5000


def arrivals_answer(
    after: int, sends: Sequence[tuple[int | str, float, int, str]], contains: str
) -> JSONResponse:
    """The answer to GET /_test/arrivals: `sends` are the messages after the first `after`
    as (chat id or number, time.monotonic() when accepted, weight, text), at most
    ARRIVALS_PAGE of them. Those whose text contains `contains` are listed in "matching" as
    [address, at, weight], the rest in "others" as [address, at, text]; "next" is the N to
    ask with next. time.monotonic() is one clock for every process on Linux, so a driver can
    compare these times with its own."""
    matching: list[list[Any]] = []
    others: list[list[Any]] = []
    for address, at, weight, text in sends:
        if contains and contains in text:
            matching.append([address, at, weight])
        else:
            others.append([address, at, text])
    return JSONResponse({"next": after + len(sends), "matching": matching, "others": others})


async def _serve_until_stopped(fake: StandaloneFakeTelegram) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with fake:
        print(fake.url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.telegram_api",
        description="Serve the fake Telegram Bot API on 127.0.0.1 until SIGTERM or SIGINT; "
        "prints its URL first.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 (the default): any free port")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--rate-limit", type=float, help="messages a second, all chats (none)")
    parser.add_argument("--per-chat-rate", type=float, help="messages a second per chat (none)")
    parser.add_argument("--tolerance", type=int, default=3, help="over a limit before a 429")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay every answer (0)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0 to 65535")
    if args.latency_ms < 0:
        parser.error("--latency-ms must be 0 or more")
    fake = StandaloneFakeTelegram(
        args.token,
        rate_limit=args.rate_limit,
        per_chat_rate=args.per_chat_rate,
        tolerance=args.tolerance,
        port=args.port,
        latency=args.latency_ms / 1000,
    )
    asyncio.run(_serve_until_stopped(fake))


if __name__ == "__main__":
    main()
