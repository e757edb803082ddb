"""TelegramSender: the outbox's Telegram messages, through python-telegram-bot.

About one new message a second per chat (bursts of up to three), as Telegram asks; tidying a
tapped question is an edit, not a new message, so it is not paced. A 429 makes the whole
bot wait `retry_after`; a 403 (the young person blocked the bot) counts as STOP and forgets
how to reach them; network trouble is retried with backoff.

After a crash, whether a claimed message arrived is found by its message id: in a private
chat the young person's and the bot's messages are numbered in one sequence, so the
message is one of the ids after the last one the bot knows it sent there. Editing each of
those to the claimed text and buttons answers without changing anything: "message is not
modified" is the claimed message itself, "message can't be edited" is the young person's
own, "message to edit not found" is past the end. (No other bot message can be among
them: a chat's messages are sent one at a time, and the next only after the last is
recorded.)
"""

from __future__ import annotations

import json
import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.outbox_sender import (
    Failed,
    OutboxSender,
    Outcome,
    RetryLater,
    Sent,
    Unreachable,
)
from bot.keys import KeyRing
from storage.protocol import Storage
from storage.records import ClaimedRow, OutboxRow

# do_api_request advises the typed method for a known endpoint; see TelegramSender._call.
warnings.filterwarnings(
    "ignore", r"Please use 'Bot\.(sendMessage|editMessageText)'", PTBUserWarning
)
CHANNEL = "telegram"
log = logging.getLogger(__name__)
MAX_PROBES = 50  # message ids looked at after a crash, for one claimed message
PAST_THE_END = 3  # ids in a row not found (the young person may have deleted some)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender(OutboxSender):
    channel = CHANNEL

    def __init__(self, bot: Bot, storage: Storage, keys: KeyRing, **limits: Any):
        super().__init__(storage, keys, **limits)
        self.bot = bot

    def paced(self, row: OutboxRow) -> bool:
        return '"op": "send"' in row.body

    def claims(self, row: OutboxRow) -> bool:
        return self.paced(row)  # an edit made twice is no different from once

    async def _call(self, endpoint: str, **params: Any) -> Any:
        """One Bot API call through python-telegram-bot, its answer left as JSON.

        The typed methods (`send_message` ...) turn every answer into a `Message` object the
        sender never reads; under load that was a fifth of the bot's CPU. `do_api_request`
        makes the same request with the same error handling (RetryAfter, Forbidden ...).
        """
        return await self.bot.do_api_request(endpoint, api_kwargs=params)

    async def _request(self, row: OutboxRow) -> Outcome:
        if row.address is None:
            return Failed("no address")
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
                return Sent(str(body["message_id"]))
            sent = await self._call(
                "sendMessage", chat_id=chat_id, text=body["text"], reply_markup=markup
            )
            return Sent(str(sent["message_id"]))
        except RetryAfter as exc:
            return RetryLater(str(exc), _seconds(exc.retry_after), pause_all=True)
        except Forbidden as exc:
            return Unreachable(str(exc))
        except BadRequest as exc:
            if "not modified" in str(exc).lower():  # the edit was already made
                return Sent(None)
            return Failed(str(exc))
        except NetworkError as exc:  # TimedOut included
            return RetryLater(str(exc))
        except TelegramError as exc:
            return Failed(str(exc))

    async def _reconcile(self, claimed: ClaimedRow) -> Outcome | None:
        row = claimed.row
        if row.address is None:
            return Failed("no address")
        chat_id = int(self.keys.unseal(row.address, "address"))
        body: dict[str, Any] = json.loads(row.body)
        after = claimed.earlier_provider_id or 0
        missing = 0
        for message_id in range(after + 1, after + 1 + MAX_PROBES):
            try:
                await self._call(
                    "editMessageText",
                    chat_id=chat_id,
                    message_id=message_id,
                    text=body["text"],
                    reply_markup=body.get("markup"),
                )
            except BadRequest as exc:
                words = str(exc).lower()
                if "not modified" in words:
                    return Sent(str(message_id))
                missing = missing + 1 if "not found" in words else 0
                if missing >= PAST_THE_END:
                    return None
                continue
            except RetryAfter as exc:
                return RetryLater(str(exc), _seconds(exc.retry_after), pause_all=True)
            except Forbidden as exc:
                return Unreachable(str(exc))
            except NetworkError as exc:
                return RetryLater(str(exc))
            # The edit changed a bot message this chat was not known to have; it now reads as
            # the claimed message, so that is what the young person has.
            log.warning("message %s in a chat was not ours to edit; counted as sent", message_id)
            return Sent(str(message_id))
        log.warning("outbox message %s not found in %d messages: sending it", row.id, MAX_PROBES)
        return None
