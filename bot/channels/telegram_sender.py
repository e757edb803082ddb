"""TelegramSender: sends what waits in the outbox for Telegram, fast but within the limits.

At most TELEGRAM_RATE_LIMIT messages in any second across all chats, and about one a second
per chat (bursts of up to three); one chat's messages strictly in order; replies before bulk
sends (the outbox's priority). A 429 waits `retry_after`; a 403 (the young person blocked the
bot) counts as STOP and forgets how to reach them; network trouble is retried with backoff.
A message is marked sent only after Telegram accepted it, so a crash can at worst send one
message twice, never lose it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.channels.rate_limit import PerKeyWindows, SlidingWindow
from bot.keys import KeyRing
from storage.protocol import Storage
from storage.records import OutboxRow

log = logging.getLogger(__name__)
# do_api_request advises the typed method for a known endpoint; see TelegramSender._call.
warnings.filterwarnings(
    "ignore", r"Please use 'Bot\.(sendMessage|editMessageText)'", PTBUserWarning
)
CHANNEL = "telegram"
MAX_ATTEMPTS = 6
MAX_IN_FLIGHT = 16  # Bot API calls at once: 30 messages/s and their edits at 250 ms a call
MAX_TASKS = 256  # messages between their call and its record being committed
IDLE_WAIT = 1.0
SCAN_EVERY = 5.0  # seconds between reads of the whole queue
SCAN_LIMIT = 200
WINDOW_MARGIN = 0.1  # seconds; see SlidingWindow


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        keys: KeyRing,
        *,
        rate: float,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        on_unreachable: Callable[[bytes], None] = lambda key: None,
    ):
        self.bot = bot
        self.storage = storage
        self.keys = keys
        self.limit = SlidingWindow(rate, margin=WINDOW_MARGIN)
        self.per_chat = PerKeyWindows(per_chat_rate, per_chat_burst / per_chat_rate)
        self.on_unreachable = on_unreachable
        self._wake = asyncio.Event()
        self._stopping = False
        self._check: set[bytes] = set()  # chats whose next message may be due now
        self._ready: dict[bytes, OutboxRow] = {}  # read and due, waiting for room or pace
        self._later: dict[bytes, float] = {}  # chats to look at again at a (loop) time
        self._scan_at = 0.0  # when to read the whole queue next (loop time)
        self._in_flight: dict[bytes, asyncio.Task[None]] = {}  # one message per chat
        self._calls = 0  # of those, how many are waiting for Telegram's answer
        # Messages finished since the due list was read: that list may still show them.
        self._finished: set[int] = set()

    def wake(self, chat_key: bytes | None = None) -> None:
        """Something new may be due: in this chat, or anywhere when no chat is named."""
        if chat_key is None:
            self._scan_at = 0.0
        else:
            self._ready.pop(chat_key, None)  # read it again: the step may have changed it
            self._check.add(chat_key)
        self._wake.set()

    async def run(self) -> None:
        """Send until `stop()`; messages left unsent stay queued for next time."""
        loop = asyncio.get_running_loop()
        while not self._stopping:
            await self._read_due(loop.time())
            started, soonest = await self._start_ready()
            for at in self._later.values():
                soonest = min(soonest, at - loop.time())
            room = self._calls < MAX_IN_FLIGHT and len(self._in_flight) < MAX_TASKS
            if started == 0 and not (self._check and room):
                # Nothing to do until a chat is woken (a step saved, a message done) or a
                # chat's pace or a retry's time comes.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=max(soonest, 0.01))

    async def _read_due(self, now: float) -> None:
        """Read the next message of every chat that may have one due into `_ready`.

        Chats are named by `wake` (a step just saved their reply, or their last message was
        sent) or by a retry's time coming. The whole queue is read at start-up and every
        SCAN_EVERY seconds too, for messages queued by other processes.
        """
        for key, at in list(self._later.items()):
            if at <= now:
                self._check.add(key)
                del self._later[key]
        self._finished.clear()
        moment = _iso(datetime.now(UTC))
        rows: list[OutboxRow] = []
        if now >= self._scan_at:
            self._scan_at = now + SCAN_EVERY
            rows = await self.storage.due_messages(CHANNEL, moment, SCAN_LIMIT)
            if len(rows) == SCAN_LIMIT:
                self._scan_at = now + IDLE_WAIT  # more are waiting: look again soon
        keys = [key for key in self._check if key not in self._in_flight]
        self._check.clear()
        if keys:
            rows += await self.storage.due_messages_for(CHANNEL, keys, moment)
        for row in rows:
            key = row.chat_key or b""
            # A message that finished while the rows were read may still show as due.
            if key not in self._in_flight and row.id not in self._finished:
                self._ready.setdefault(key, row)

    async def _start_ready(self) -> tuple[int, float]:
        """Start sending every ready message whose chat's pace allows; returns how many,
        and how long until the next paced one may go."""
        started = 0
        soonest = IDLE_WAIT
        waiting = sorted(self._ready.values(), key=lambda row: (row.priority, row.id))
        for row in waiting:
            key = row.chat_key or b""
            if self._stopping or self._calls >= MAX_IN_FLIGHT or len(self._in_flight) >= MAX_TASKS:
                break
            # Tidying a tapped question is an edit, not a new message in the chat.
            is_send = '"op": "send"' in row.body
            chat_wait = self.per_chat.ready_in(key) if is_send else 0.0
            if chat_wait > 0:
                soonest = min(soonest, chat_wait)
                continue
            await self.limit.acquire()
            if self._ready.get(key) is not row:
                continue  # its chat was woken while we waited: it is read again
            del self._ready[key]
            if is_send:
                self.per_chat.take(key)
            self._calls += 1
            self._in_flight[key] = asyncio.create_task(self._send(row))
            started += 1
        return started, soonest

    def _check_later(self, key: bytes, at: float) -> None:
        self._later[key] = min(at, self._later.get(key, at))

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop taking new messages and let those in flight finish."""
        self._stopping = True
        self.wake()
        pending = list(self._in_flight.values())
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    async def _send(self, row: OutboxRow) -> None:
        """Make the call, then record what happened. The call's place among those in flight
        is given back as soon as Telegram answers, not after the record is committed."""
        key = row.chat_key or b""
        try:
            try:
                outcome = await self._request(row)
            finally:
                self._calls -= 1
                self._wake.set()
            await self._record(row, outcome)
        except Exception:  # never let one message stop the sender
            log.exception("sending outbox message %s failed", row.id)
        finally:
            self._finished.add(row.id)
            self._in_flight.pop(key, None)
            self.wake(key)

    async def _call(self, endpoint: str, **params: Any) -> Any:
        """One Bot API call through python-telegram-bot, its answer left as JSON.

        The typed methods (`send_message` ...) turn every answer into a `Message` object the
        sender never reads; under load that was a fifth of the bot's CPU. `do_api_request`
        makes the same request with the same error handling (RetryAfter, Forbidden ...).
        """
        return await self.bot.do_api_request(endpoint, api_kwargs=params)

    async def _request(self, row: OutboxRow) -> str | TelegramError | None:
        """The message's provider id once Telegram took it, or the error it answered."""
        if row.address is None:
            return TelegramError("no address")
        chat_id = int(self.keys.unseal(row.address, "address"))
        body: dict[str, Any] = json.loads(row.body)
        markup = body.get("markup")
        try:
            if body["op"] == "edit":
                await self._call(
                    "editMessageText",
                    chat_id=chat_id,
                    message_id=body["message_id"],
                    text=body["text"],
                    reply_markup=markup,
                )
                return str(body["message_id"])
            sent = await self._call(
                "sendMessage", chat_id=chat_id, text=body["text"], reply_markup=markup
            )
            return str(sent["message_id"])
        except TelegramError as exc:
            return exc

    async def _record(self, row: OutboxRow, outcome: str | TelegramError | None) -> None:
        now = datetime.now(UTC)
        if not isinstance(outcome, TelegramError):
            await self.storage.mark_sent(row.id, outcome, _iso(now))
        elif isinstance(outcome, RetryAfter):
            wait = _seconds(outcome.retry_after)
            self.limit.pause(wait)
            await self.storage.mark_retry(row.id, _iso(now + timedelta(seconds=wait)), str(outcome))
            self._retry_in(row, wait)
        elif isinstance(outcome, Forbidden):
            await self.storage.mark_failed(row.id, str(outcome))
            if row.chat_key is not None:
                await self.storage.mark_unreachable(row.chat_key)
                self._ready.pop(row.chat_key, None)
                self.on_unreachable(row.chat_key)
        elif isinstance(outcome, BadRequest) and "not modified" in str(outcome).lower():
            await self.storage.mark_sent(row.id, None, _iso(now))  # the edit was already made
        elif isinstance(outcome, (TimedOut, NetworkError)) and row.attempts + 1 < MAX_ATTEMPTS:
            backoff = min(60, 2**row.attempts)
            await self.storage.mark_retry(
                row.id, _iso(now + timedelta(seconds=backoff)), str(outcome)
            )
            self._retry_in(row, backoff)
        else:
            await self.storage.mark_failed(row.id, str(outcome))

    def _retry_in(self, row: OutboxRow, seconds: float) -> None:
        if row.chat_key is not None:
            at = asyncio.get_running_loop().time() + seconds
            self._check_later(row.chat_key, at + 0.01)  # just after it falls due
