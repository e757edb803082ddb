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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.rate_limit import PerKeyWindows, SlidingWindow
from bot.keys import KeyRing
from storage.protocol import Storage
from storage.records import OutboxRow

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_ATTEMPTS = 6
MAX_IN_FLIGHT = 64
IDLE_WAIT = 1.0
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
        self._in_flight: dict[bytes, asyncio.Task[None]] = {}
        # Messages finished since the due list was read: that list may still show them.
        self._finished: set[int] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Send until `stop()`; messages left unsent stay queued for next time."""
        while not self._stopping:
            self._finished.clear()
            rows = await self.storage.due_messages(CHANNEL, _iso(datetime.now(UTC)))
            started = 0
            soonest = IDLE_WAIT
            for row in rows:
                if self._stopping or len(self._in_flight) >= MAX_IN_FLIGHT:
                    break
                key = row.chat_key or b""
                if key in self._in_flight or row.id in self._finished:
                    continue
                # Tidying a tapped question is an edit, not a new message in the chat.
                is_send = '"op": "send"' in row.body
                chat_wait = self.per_chat.ready_in(key) if is_send else 0.0
                if chat_wait > 0:
                    soonest = min(soonest, chat_wait)
                    continue
                await self.limit.acquire()
                if is_send:
                    self.per_chat.take(key)
                self._in_flight[key] = asyncio.create_task(self._send(row))
                started += 1
            if started == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=max(soonest, 0.01))

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop taking new messages and let those in flight finish."""
        self._stopping = True
        self.wake()
        pending = list(self._in_flight.values())
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    async def _send(self, row: OutboxRow) -> None:
        key = row.chat_key or b""
        try:
            await self._deliver(row)
        except Exception:  # never let one message stop the sender
            log.exception("sending outbox message %s failed", row.id)
        finally:
            self._finished.add(row.id)
            self._in_flight.pop(key, None)
            self.wake()

    async def _deliver(self, row: OutboxRow) -> None:
        now = datetime.now(UTC)
        if row.address is None:
            await self.storage.mark_failed(row.id, "no address")
            return
        chat_id = int(self.keys.unseal(row.address, "address"))
        body: dict[str, Any] = json.loads(row.body)
        markup = body.get("markup")
        reply_markup = InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None
        try:
            if body["op"] == "edit":
                await self.bot.edit_message_text(
                    body["text"],
                    chat_id=chat_id,
                    message_id=body["message_id"],
                    reply_markup=reply_markup,
                )
                provider_id = str(body["message_id"])
            else:
                sent = await self.bot.send_message(chat_id, body["text"], reply_markup=reply_markup)
                provider_id = str(sent.message_id)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            self.limit.pause(wait)
            await self.storage.mark_retry(row.id, _iso(now + timedelta(seconds=wait)), str(exc))
            return
        except Forbidden as exc:
            await self.storage.mark_failed(row.id, str(exc))
            if row.chat_key is not None:
                await self.storage.mark_unreachable(row.chat_key)
                self.on_unreachable(row.chat_key)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():  # the edit was already made
                await self.storage.mark_sent(row.id, None, _iso(now))
            else:
                await self.storage.mark_failed(row.id, str(exc))
            return
        except (TimedOut, NetworkError) as exc:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await self.storage.mark_failed(row.id, str(exc))
            else:
                backoff = timedelta(seconds=min(60, 2**row.attempts))
                await self.storage.mark_retry(row.id, _iso(now + backoff), str(exc))
            return
        await self.storage.mark_sent(row.id, provider_id, _iso(datetime.now(UTC)))
