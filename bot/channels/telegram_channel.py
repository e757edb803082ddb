"""TelegramChannel: the bot young people message, by long polling or by webhook.

Each update goes through the dispatcher (one at a time per chat, chats in parallel, a
repeated update_id processed once). Replies are rendered for Telegram and saved to the
outbox in the same transaction as the step; TelegramSender sends them. In polling mode an
update is confirmed to Telegram only after its step is saved, so a crash means it comes
again (and is recognised), never that it is lost. If a step cannot be saved at all (a full
disk), the young person is told at once that it did not go through and asked to send it
again, and the update is taken as dealt with; if even that cannot be sent, it comes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence

from telegram import Bot, BotCommand, Update
from telegram.error import Conflict, NetworkError, TelegramError, TimedOut

from bot.channels import TRY_AGAIN
from bot.channels import telegram_render as render
from bot.channels.outbox_sender import calls_in_flight
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_inbound import CHANNEL, MalformedUpdate, TelegramInbound, to_inbound
from bot.channels.telegram_sender import TelegramSender
from bot.dispatcher import Dispatcher
from bot.quiet_hours import QuietHours
from bot.settings import Settings
from conversations.messages import Reply
from storage.protocol import Storage, StorageError

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = (
    ("start", "Start, or see what you can have your say on"),
    ("help", "The words you can use"),
    ("skip", "Skip this question"),
    ("back", "Go back one question"),
    ("stop", "No more messages from us"),
    ("delete", "Delete what we hold about you"),
    ("mydata", "See what we hold about you"),
    ("updates", "What changed because of what you said"),
)
WEBHOOK_PATH = "/telegram/webhook"
ANSWER_CONNECTIONS = 4  # for answering taps (answerCallbackQuery)


def make_bot(settings: Settings) -> Bot:
    assert settings.telegram_bot_token is not None
    base = settings.telegram_api_base_url
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        # Room for the sender's calls in flight and for answering taps.
        request=AiohttpRequest(
            connections=calls_in_flight(settings.telegram_rate_limit) + ANSWER_CONNECTIONS,
            read_timeout=15,
        ),
        get_updates_request=AiohttpRequest(connections=1, read_timeout=POLL_TIMEOUT + 10),
    )


class TelegramChannel:
    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        storage: Storage,
        *,
        rate_limit: float = 30.0,
        per_chat_rate: float = 1.0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        quiet: QuietHours | None = None,
    ):
        self.bot = bot
        self.dispatcher = dispatcher
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.sender = TelegramSender(
            bot,
            storage,
            dispatcher.keys,
            rate=rate_limit,
            per_chat_rate=per_chat_rate,
            on_unreachable=dispatcher.forget,
            quiet=quiet,
        )
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._answering: set[asyncio.Task[None]] = set()
        # Taps are answered on a few connections, leaving the rest to the sender.
        self._answer_slots = asyncio.Semaphore(ANSWER_CONNECTIONS)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        dispatcher: Dispatcher,
        storage: Storage,
        per_chat_rate: float = 1.0,
    ) -> TelegramChannel:
        secret = settings.telegram_webhook_secret
        return cls(
            make_bot(settings),
            dispatcher,
            storage,
            rate_limit=settings.telegram_rate_limit,
            per_chat_rate=per_chat_rate,
            webhook_url=f"{settings.public_url}{WEBHOOK_PATH}" if secret else None,
            webhook_secret=secret.get_secret_value() if secret else None,
            quiet=QuietHours.parse(settings.quiet_hours, settings.zone),
        )

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    # --- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        await self.bot.initialize()
        await self.bot.set_my_commands([BotCommand(name, about) for name, about in COMMANDS])
        if self.uses_webhook:
            await self.bot.set_webhook(
                self.webhook_url,  # type: ignore[arg-type]
                secret_token=self.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await self.bot.delete_webhook()
            self._tasks.append(asyncio.create_task(self._poll()))
        self._tasks.append(asyncio.create_task(self.sender.run()))

    async def stop(self) -> None:
        """Stop polling (an update being handled is finished) and sending; within seconds."""
        self._stopping.set()
        await self.sender.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self._answering:
            await asyncio.wait(self._answering, timeout=1)
        for task in [*self._tasks, *self._answering]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(TelegramError, RuntimeError):
            await self.bot.shutdown()

    # --- receiving -------------------------------------------------------------------------
    async def _poll(self) -> None:
        offset: int | None = None
        failures = 0
        while not self._stopping.is_set():
            fetch = asyncio.create_task(
                self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
                )
            )
            stopping = asyncio.create_task(self._stopping.wait())
            done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if fetch not in done:
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            try:
                updates = fetch.result()
            except (TimedOut, NetworkError, Conflict) as exc:
                failures += 1
                log.warning("getUpdates failed (%s); trying again", exc)
                await self._pause(min(30.0, 0.5 * 2**failures))
                continue
            failures = 0
            if not updates:
                continue
            try:
                await self.process(updates)
            except Exception:
                # Not confirmed: the same updates come again, and those already saved
                # are recognised as duplicates.
                log.exception("could not process updates; they will come again")
                await self._pause(2.0)
                continue
            offset = updates[-1].update_id + 1
        if offset is not None:  # confirm what was handled, so a restart does not see it again
            with contextlib.suppress(TelegramError):
                await self.bot.get_updates(offset=offset, timeout=0)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def process(self, updates: Sequence[Update]) -> None:
        """Handle updates: each chat's in order, different chats at the same time."""
        found = []
        for update in updates:
            try:
                found.append(to_inbound(update))
            except MalformedUpdate as exc:
                log.warning("skipped update %s: %s", update.update_id, exc)
        await self._process_found(found)

    async def _process_found(self, found: Sequence[TelegramInbound | None]) -> None:
        by_chat: dict[str, list[TelegramInbound]] = defaultdict(list)
        for item in found:
            if item is not None:
                by_chat[item.address].append(item)
        await asyncio.gather(*(self._handle_chat(items) for items in by_chat.values()))

    async def process_json(self, data: object) -> None:
        """A webhook body (raises ValueError when it is not an update)."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not a Telegram update")
        try:
            update = Update.de_json(data, self.bot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a Telegram update: {exc}") from None
        if update is None:
            raise ValueError("not a Telegram update")
        # MalformedUpdate (a ValueError) is answered 400: Telegram never sends one.
        await self._process_found([to_inbound(update)])

    async def _handle_chat(self, items: list[TelegramInbound]) -> None:
        for item in items:
            try:
                await self._handle(item)
            except StorageError as exc:
                if not await self._not_saved(item, exc):
                    raise  # not saved, and they could not be told: the update must come again
            except Exception:
                # A fault in handling one update must not block everything after it.
                log.exception("could not handle update %s; skipped", item.update_id)

    async def _handle(self, item: TelegramInbound) -> None:
        tapped = item.tapped

        def queue(replies: tuple[Reply, ...]) -> list[str]:
            bodies = []
            replies_left = list(replies)
            if tapped is not None and tapped.message_id is not None:
                toggled = tapped.data.startswith(render.TOGGLE)
                if toggled and len(replies) == 1 and replies[0].multi:
                    # Ticking an option redraws the same question in place.
                    bodies.append(render.edit_body(tapped.message_id, replies[0]))
                    replies_left = []
                else:
                    bodies.append(
                        render.chosen_body(
                            tapped.message_id, tapped.text, tapped.markup, tapped.data
                        )
                    )
            bodies += [render.send_body(reply) for reply in replies_left]
            return [json.dumps(body, ensure_ascii=False) for body in bodies]

        await self.dispatcher.handle(
            CHANNEL, item.address, item.inbound, str(item.update_id), queue=queue
        )
        self.sender.wake(self.dispatcher.keys.pseudonym(CHANNEL, item.address))
        if tapped is not None:
            self._answer_soon(tapped.callback_id)

    async def _not_saved(self, item: TelegramInbound, exc: StorageError) -> bool:
        """Tell them, kindly, that their message did not go through; whether that was sent.
        Nothing of the step was kept, so sending it again is safe."""
        # One line for the operator (a full disk, say), not a traceback per message.
        log.error("could not save a Telegram update (%s); asking them to send it again", exc)
        try:
            await self.sender.turns.acquire(1, priority=0)  # within the overall limit
            await self.bot.send_message(chat_id=int(item.address), text=TRY_AGAIN)
        except (TelegramError, ValueError):
            return False
        if item.tapped is not None:
            self._answer_soon(item.tapped.callback_id)
        return True

    def _answer_soon(self, callback_id: str) -> None:
        """Tell Telegram the tap was seen (its spinner stops), without holding up the next
        update: the reply itself is already saved and on its way."""
        task = asyncio.create_task(self._answer(callback_id))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer(self, callback_id: str) -> None:
        async with self._answer_slots:
            with contextlib.suppress(TelegramError):
                await self.bot.answer_callback_query(callback_id)
