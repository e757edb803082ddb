"""Messages the bot starts itself (feedback, invitations, reminders, closing notices): the
same words made into each channel's outbox body, to the address kept in the contact vault."""

from __future__ import annotations

import json

from bot.channels.sms_text import to_gsm
from bot.keys import KeyRing
from storage.records import QueuedFeedback

BULK_PRIORITY = 10  # after every interactive reply (priority 0)


def age_band(keys: KeyRing, profile: bytes | None) -> str | None:
    """The age band from a sealed profile (None when they never said)."""
    if profile is None:
        return None
    band: str | None = json.loads(keys.unseal(profile, "profile")).get("age_band")
    return band


def proactive_message(
    keys: KeyRing, dedupe_key: str, pseudonym: bytes, channel: str, contact: bytes, text: str
) -> QueuedFeedback:
    """`text` for `channel`, addressed (sealed for the outbox) from the sealed `contact`."""
    if channel == "telegram":
        body = json.dumps({"op": "send", "text": text, "markup": None}, ensure_ascii=False)
    else:
        body = to_gsm(text)
    address = keys.unseal(contact, "contact")
    return QueuedFeedback(
        dedupe_key,
        pseudonym,
        channel,
        keys.seal(body, "outbox"),
        keys.seal(address, "address"),
    )
