"""SmsSender: the outbox's SMS messages (invitations, reminders, follow-ups), through
Twilio's REST API with the twilio library.

Within SMS_RATE_LIMIT segments a second: a message of three segments uses three. Each
message asks Twilio for delivery reports at `/sms/status`. Twilio error 21610 (the number
texted STOP to Twilio) counts as STOP here too; a 429 or a fault on Twilio's side is tried
again with backoff; any other refusal fails that message only.

After a crash, whether a claimed message arrived is asked of Twilio: the recent messages to
that number (Twilio's Messages list, newest first) are searched for one with the same words
created since the claim, less a minute for the two clocks' difference.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.outbox_sender import (
    Failed,
    OutboxSender,
    Outcome,
    RetryLater,
    Sent,
    Unreachable,
)
from bot.channels.sms_channel import CHANNEL, STATUS_PATH, UNSUBSCRIBED
from bot.channels.sms_text import count_segments
from bot.keys import KeyRing
from bot.quiet_hours import QuietHours
from bot.settings import Settings
from storage.protocol import Storage
from storage.records import ClaimedRow, OutboxRow

TOO_MANY_REQUESTS = 20429
RECENT = 50  # messages to a number looked at after a crash
CLOCK_MARGIN = timedelta(minutes=1)


class SmsSender(OutboxSender):
    channel = CHANNEL

    def __init__(self, client: Client, storage: Storage, keys: KeyRing, **options: Any):
        self.sender_fields: dict[str, str] = options.pop("sender_fields")
        self.status_callback: str = options.pop("status_callback")
        super().__init__(storage, keys, per_chat_rate=1000.0, **options)
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings, storage: Storage, keys: KeyRing) -> SmsSender:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            http_client=AsyncTwilioHttpClient(timeout=15),
        )
        client.api.base_url = settings.twilio_api_base_url  # TWILIO_API_BASE_URL
        if settings.twilio_messaging_service_sid:
            sender = {"messaging_service_sid": settings.twilio_messaging_service_sid}
        else:
            assert settings.twilio_from_number
            sender = {"from_": settings.twilio_from_number}
        return cls(
            client,
            storage,
            keys,
            rate=settings.sms_rate_limit,
            sender_fields=sender,
            status_callback=f"{settings.public_url}{STATUS_PATH}",
            quiet=QuietHours.parse(settings.quiet_hours, settings.zone),
        )

    def paced(self, row: OutboxRow) -> bool:
        return False  # one number's messages go in order; the overall limit is the pace

    def cost(self, row: OutboxRow) -> int:
        return count_segments(row.body).segments

    async def _request(self, row: OutboxRow) -> Outcome:
        if row.address is None:
            return Failed("no address")
        number = self.keys.unseal(row.address, "address")
        try:
            message = await self.client.messages.create_async(
                to=number,
                body=row.body,
                status_callback=self.status_callback,
                **self.sender_fields,
            )
        except TwilioRestException as exc:
            return _refused(exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RetryLater(f"network: {exc.__class__.__name__}")
        return Sent(message.sid)

    async def _reconcile(self, claimed: ClaimedRow) -> Outcome | None:
        row = claimed.row
        if row.address is None:
            return Failed("no address")
        number = self.keys.unseal(row.address, "address")
        since = datetime.fromisoformat(claimed.claimed_at) - CLOCK_MARGIN
        try:
            recent = await self.client.messages.list_async(to=number, limit=RECENT)
        except TwilioRestException as exc:
            return RetryLater(f"twilio {exc.status} {exc.code}: {exc.msg}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RetryLater(f"network: {exc.__class__.__name__}")
        for message in recent:
            created = message.date_created
            same = (message.body or "").strip() == str(row.body).strip()  # TwiML is trimmed
            if same and created is not None and created >= since:
                return Sent(message.sid)
        return None

    async def close(self) -> None:
        http = self.client.http_client
        if isinstance(http, AsyncTwilioHttpClient):
            await http.close()


def _refused(exc: TwilioRestException) -> Outcome:
    error = f"twilio {exc.status} {exc.code}: {exc.msg}"
    if str(exc.code) == UNSUBSCRIBED:
        return Unreachable(error)
    if exc.status == 429 or exc.code == TOO_MANY_REQUESTS or exc.status >= 500:
        return RetryLater(error)
    return Failed(error)
