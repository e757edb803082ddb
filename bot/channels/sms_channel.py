"""SmsChannel: the bot young people text, through Twilio.

Twilio posts each incoming SMS to `POST /sms/inbound`; the reply goes back as TwiML in the
same response, after the step is saved. The reply is saved with the step too, in the outbox,
claimed, and marked sent once the response is written (`answered`): if serve dies in
between, the SMS sender asks Twilio at the next start whether it went, and sends it if not,
so an answer saved is never left without its reply.

Every request must carry a valid `X-Twilio-Signature` for `YOUTHVOICE_PUBLIC_URL` + the
path (checked with twilio's own `RequestValidator`); anything else is refused before a
thing is stored. A repeated `MessageSid` is processed once.
Delivery reports for messages the bot started itself arrive at `POST /sms/status`.

The phone number is the address: it only ever goes into the pseudonym and, for those who
opted in, the sealed contact vault. It is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import TRY_AGAIN, sms_render
from bot.dispatcher import Dispatcher, reply_keys
from bot.settings import Settings
from conversations.messages import Inbound, Reply
from storage.protocol import Storage, StorageError

log = logging.getLogger(__name__)
CHANNEL = "sms"
INBOUND_PATH = "/sms/inbound"
STATUS_PATH = "/sms/status"
UNSUBSCRIBED = "21610"  # Twilio: the number has texted STOP to us
MAX_BODY_CHARACTERS = 1600  # Twilio's own limit for one message


class BadRequest(ValueError):
    """A signed request without what Twilio always sends."""


@dataclass(frozen=True, slots=True)
class SmsAnswer:
    """The TwiML to answer a webhook with, and the outbox names of the replies in it
    (to mark sent once it is written)."""

    twiml: str
    reply_keys: tuple[str, ...] = ()


class SmsChannel:
    def __init__(
        self, dispatcher: Dispatcher, storage: Storage, *, auth_token: str, public_url: str
    ):
        self.dispatcher = dispatcher
        self.storage = storage
        self.public_url = public_url.rstrip("/")
        self._validator = RequestValidator(auth_token)

    @classmethod
    def from_settings(
        cls, settings: Settings, dispatcher: Dispatcher, storage: Storage
    ) -> SmsChannel:
        assert settings.twilio_auth_token is not None
        return cls(
            dispatcher,
            storage,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            public_url=settings.public_url,
        )

    def signed(self, path: str, query: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether Twilio signed this request, for the URL Twilio was told to call."""
        if not signature:
            return False
        url = f"{self.public_url}{path}" + (f"?{query}" if query else "")
        return bool(self._validator.validate(url, dict(params), signature))

    async def inbound(self, params: Mapping[str, str]) -> SmsAnswer:
        """One incoming SMS; the TwiML to answer with."""
        message_id = params.get("MessageSid") or params.get("SmsSid")
        number = params.get("From")
        if not message_id or not number:
            raise BadRequest("MessageSid and From are required")
        text = params.get("Body", "")[:MAX_BODY_CHARACTERS]
        media = params.get("NumMedia", "0")
        # A picture or other media with no words: the engine says it can only read text.
        inbound = Inbound(
            text=text if text.strip() or media in ("", "0") else None, channel=CHANNEL
        )
        response = MessagingResponse()
        bodies: list[str] = []

        def queue(replies: tuple[Reply, ...]) -> list[str]:
            bodies.extend(sms_render.render_all(replies))
            return bodies

        try:
            replies = await self.dispatcher.handle(
                CHANNEL, number, inbound, message_id, queue=queue, answered_in_place=True
            )
        except StorageError as exc:
            # One line for the operator (a full disk, say), not a traceback per message.
            log.error("could not save an incoming SMS (%s); asked them to send it again", exc)
            response.message(TRY_AGAIN)
            return SmsAnswer(str(response))
        if not replies:  # a message already handled: its replies went the first time
            return SmsAnswer(str(response))
        for body in bodies:
            response.message(body)
        return SmsAnswer(str(response), tuple(reply_keys(CHANNEL, message_id, len(bodies))))

    async def answered(self, answer: SmsAnswer) -> None:
        """The webhook's response, with the replies in it, is written."""
        if answer.reply_keys:
            now = datetime.now(UTC).isoformat(timespec="milliseconds")
            try:
                await self.storage.mark_answered(answer.reply_keys, now)
            except StorageError as exc:
                # Left claimed: at the next start Twilio is asked whether they went.
                log.error("could not record SMS replies as sent (%s)", exc)

    async def status(self, params: Mapping[str, str]) -> None:
        """A delivery report for a message the bot sent through the REST API."""
        message_id = params.get("MessageSid") or params.get("SmsSid")
        status = params.get("MessageStatus") or params.get("SmsStatus")
        if not message_id or not status:
            raise BadRequest("MessageSid and MessageStatus are required")
        error = params.get("ErrorCode") or None
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        owner = await self.storage.record_delivery(CHANNEL, message_id, status, error, now)
        if error == UNSUBSCRIBED and owner is not None:
            await self.storage.mark_unreachable(owner)
            self.dispatcher.forget(owner)
