"""From a Telegram update to what the engine needs, and nothing more.

The chat id becomes the address (which only ever goes into the pseudonym and, for those who
opted in, the sealed contact vault). Names, usernames, language codes, photos, locations and
contacts are dropped here and never reach the engine or storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import Update

from conversations.messages import Inbound

CHANNEL = "telegram"
_DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Tapped:
    """The bot message whose button was tapped, so it can be tidied after the answer."""

    callback_id: str
    message_id: int | None
    text: str
    markup: dict[str, Any] | None
    data: str


@dataclass(frozen=True, slots=True)
class TelegramInbound:
    address: str
    inbound: Inbound
    update_id: int
    tapped: Tapped | None = None


class MalformedUpdate(ValueError):
    """An update without what Telegram always sends (a chat's whole-number id, text that is
    text): never from Telegram itself, so refused rather than stored."""


def _check(update: Update) -> None:
    query = update.callback_query
    message: Any = update.message
    if query is not None:
        message = query.message
        if not isinstance(query.id, str) or not isinstance(query.data, str | None):
            raise MalformedUpdate("a tap without its id or with data that is not text")
        if message is None and not isinstance(getattr(query.from_user, "id", None), int):
            raise MalformedUpdate("a tap from nobody")
    if message is None:
        return
    chat = getattr(message, "chat", None)
    if chat is None or not isinstance(chat.id, int) or isinstance(chat.id, bool):
        raise MalformedUpdate("a message without a chat id")
    if not isinstance(getattr(message, "text", None), str | None):
        raise MalformedUpdate("a message whose text is not text")


def to_inbound(update: Update) -> TelegramInbound | None:
    """The engine's view of an update; None for updates that are not for it (groups,
    edited messages, channel posts). MalformedUpdate when it cannot be from Telegram."""
    _check(update)
    query = update.callback_query
    if query is not None:
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        if message is not None and message.chat.type != "private":
            return None
        data = query.data or ""
        text = getattr(message, "text", None) or ""
        markup = getattr(message, "reply_markup", None)
        tapped = Tapped(
            callback_id=query.id,
            message_id=message.message_id if message is not None else None,
            text=text,
            markup=markup.to_dict() if markup is not None else None,
            data=data,
        )
        inbound = Inbound(button=data, channel=CHANNEL)
        return TelegramInbound(str(chat_id), inbound, update.update_id, tapped)
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    address = str(message.chat.id)
    text = message.text
    if text is None:
        # A photo, sticker, voice note, location or contact: nothing of it is kept.
        return TelegramInbound(address, Inbound(channel=CHANNEL), update.update_id)
    command, _, payload = text.strip().partition(" ")
    if command.split("@")[0].lower() == "/start":
        payload = payload.strip()
        start = payload.lower() if _DEEP_LINK.match(payload) else None
        inbound = Inbound(text="/start", start=start, channel=CHANNEL)
        return TelegramInbound(address, inbound, update.update_id)
    return TelegramInbound(address, Inbound(text=text, channel=CHANNEL), update.update_id)
