"""You Said, We Did: telling everyone who asked to hear back what changed because they spoke.

One message per participant of the survey who said yes to hearing back and has not stopped
or deleted, worded for their age band, over the channel they used, queued in the outbox in
one transaction with the survey's public log entry. The senders of a running `serve` pick
the messages up (within seconds) and send them within the providers' limits, after every
interactive reply. Sending the same post again queues nothing new.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.keys import KeyRing
from bot.proactive import BULK_PRIORITY, age_band, proactive_message
from bot.survey_admin import load_stored_survey
from conversations import age_bands
from conversations.phrases import say
from storage.protocol import Storage
from storage.records import FeedbackPost, FeedbackRecipient, QueuedFeedback
from storage.sqlite_feedback import feedback_key_prefix

MAX_WORDS = 600  # characters of --said or --did: a message, not a report


class FeedbackError(ValueError):
    """Why a post cannot be sent, in one line."""


@dataclass(frozen=True)
class FeedbackSent:
    queued: int  # newly queued now
    recipients: int  # everyone who asked to hear back and can be reached


async def send_feedback(
    storage: Storage, keys: KeyRing, slug: str, said: str, did: str
) -> FeedbackSent:
    said, did = tidy(said, did)
    survey = await load_stored_survey(storage, slug)
    title = survey.local(survey.title, survey.default_language)
    post = FeedbackPost(slug, said, did, datetime.now(UTC).isoformat(timespec="seconds"))
    post_key = hashlib.sha256(f"{said}\n{did}".encode()).hexdigest()[:16]
    recipients = await storage.feedback_recipients(slug)
    messages = [
        _message(keys, recipient, title, said, did, f"{feedback_key_prefix(slug)}{post_key}:")
        for recipient in recipients
    ]
    queued = await storage.post_feedback(post, messages, BULK_PRIORITY)
    return FeedbackSent(queued, len(recipients))


def tidy(said: str, did: str, names: tuple[str, str] = ("--said", "--did")) -> tuple[str, str]:
    """The two texts with their spacing made plain; FeedbackError (naming the field as in
    `names`) when one is empty or too long."""
    said, did = " ".join(said.split()), " ".join(did.split())
    for name, words in zip(names, (said, did), strict=True):
        if not words:
            raise FeedbackError(f"{name} must say something")
        if len(words) > MAX_WORDS:
            raise FeedbackError(f"{name} is {len(words)} characters; keep it under {MAX_WORDS}")
    return said, did


def wording(band: str | None, title: str, said: str, did: str) -> str:
    """The message as someone in age `band` (None: never said) gets it."""
    return say("feedback", age_bands.is_under_13(band), title=title, said=said, did=did)


def _message(
    keys: KeyRing, recipient: FeedbackRecipient, title: str, said: str, did: str, prefix: str
) -> QueuedFeedback:
    text = wording(age_band(keys, recipient.profile), title, said, did)
    return proactive_message(
        keys,
        f"{prefix}{recipient.pseudonym.hex()}",
        recipient.pseudonym,
        recipient.channel,
        recipient.contact,
        text,
    )
