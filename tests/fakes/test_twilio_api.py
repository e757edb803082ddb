"""The fake Twilio, proved with the real twilio library over real HTTP.

The library reaches the fake through the Api domain's base URL, from which every
`client.messages` URL is built (twilio 9.x): `client.api.base_url = fake.url`. That works for
the sync client and for `Client(..., http_client=AsyncTwilioHttpClient())` alike.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.telegram_api import LocalServer
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_NUMBER,
    FakeTwilio,
    SentSms,
    parse_twiml,
    sms_segments,
)

PHONE = "+447700900123"
OTHER_PHONE = "+447700900456"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
PUBLIC_URL = "https://youthvoice.example.org/sms/inbound"
SID = re.compile(r"^SM[0-9a-f]{32}$")
validator = RequestValidator(AUTH_TOKEN)
# twilio's AsyncTwilioHttpClient still passes an aiohttp.BasicAuth, deprecated in aiohttp 3.14.


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def sync_client(fake: FakeTwilio) -> Iterator[Client]:
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = fake.url
    yield client
    client.http_client.session.close()


@pytest.fixture
async def client(fake: FakeTwilio) -> AsyncIterator[Client]:
    http_client = AsyncTwilioHttpClient()
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
    client.api.base_url = fake.url
    yield client
    await http_client.close()


class Receiver:
    """The bot's side: records signed posts and answers inbound SMS with `reply`."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], str | None]] = []  # (url, form, signature)
        self.reply: tuple[str, str] = ("<Response/>", "application/xml")
        self.app = Starlette(
            routes=[
                Route("/sms/status", self.record, methods=["POST"]),
                Route("/sms/inbound", self.inbound, methods=["POST"]),
            ]
        )

    async def record(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        self.posts.append((str(request.url), form, request.headers.get("X-Twilio-Signature")))
        return Response(status_code=204)

    async def inbound(self, request: Request) -> Response:
        await self.record(request)
        content, media_type = self.reply
        return Response(content, media_type=media_type)

    def valid(self, index: int, url: str | None = None) -> bool:
        posted_url, form, signature = self.posts[index]
        return bool(validator.validate(url or posted_url, form, signature or ""))


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    async with LocalServer(receiver.app) as server:
        yield receiver, server.url


async def test_sync_create_returns_the_message_resource(
    fake: FakeTwilio, sync_client: Client
) -> None:
    message = await asyncio.to_thread(
        sync_client.messages.create, to=PHONE, from_=BOT_NUMBER, body="Is the park safe?"
    )
    assert message.sid is not None and SID.match(message.sid)
    assert (message.to, message.from_, message.body) == (PHONE, BOT_NUMBER, "Is the park safe?")
    assert (message.status, message.num_segments, message.account_sid) == (
        "queued",
        "1",
        ACCOUNT_SID,
    )
    assert message.direction == "outbound-api" and message.date_created is not None
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"

    (sent,) = fake.messages
    assert sent == SentSms(
        message.sid, PHONE, BOT_NUMBER, None, "Is the park safe?", 1, sent.status, sent.created
    )
    assert fake.messages_to(PHONE) == [sent] and fake.messages_to(OTHER_PHONE) == []
    assert fake.send_times == [sent.created]

    # Without a StatusCallback the message still moves on, as a fetch shows.
    await fake.wait_until(lambda: sent.status == "delivered")
    fetched = await asyncio.to_thread(sync_client.messages(message.sid).fetch)
    assert (fetched.status, fetched.date_sent is not None) == ("delivered", True)
    assert fake.callbacks == []


async def test_async_create_through_a_messaging_service(fake: FakeTwilio, client: Client) -> None:
    body = "Diolch! 🌳 " * 8  # not GSM-7: UCS-2, 67 a segment once split
    message = await client.messages.create_async(
        to=PHONE, messaging_service_sid=SERVICE_SID, body=body
    )
    assert (message.status, message.from_, message.messaging_service_sid) == (
        "accepted",
        None,
        SERVICE_SID,
    )
    assert message.num_segments == str(sms_segments(body)) == "2"
    assert fake.messages[0].messaging_service_sid == SERVICE_SID
    (waited,) = await fake.wait_for_messages(PHONE, 1)
    assert waited.body == body


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # GSM-7 escape: two septets each
        ("€" * 81, 2),
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("😀" * 35, 1),  # two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments_are_counted_like_twilio(body: str, segments: int) -> None:
    assert sms_segments(body) == segments


async def test_wrong_credentials_and_accounts_are_refused(fake: FakeTwilio) -> None:
    http_client = AsyncTwilioHttpClient()
    wrong = Client(ACCOUNT_SID, "not-the-token", http_client=http_client)
    wrong.api.base_url = fake.url
    try:
        with pytest.raises(TwilioRestException) as refused:
            await wrong.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="hi")
    finally:
        await http_client.close()
    assert (refused.value.status, refused.value.code) == (401, 20003)

    other_account = "AC" + "1" * 32
    async with httpx.AsyncClient(base_url=fake.url) as raw:
        anonymous = await raw.post(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
        elsewhere = await raw.post(
            f"/2010-04-01/Accounts/{other_account}/Messages.json",
            data={"To": PHONE, "From": BOT_NUMBER, "Body": "hi"},
            auth=(ACCOUNT_SID, AUTH_TOKEN),
        )
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Basic realm="Twilio API"'
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, 20404)
    assert fake.messages == []


async def test_an_opted_out_number_gives_21610(fake: FakeTwilio, client: Client) -> None:
    fake.opt_out(PHONE)
    with pytest.raises(TwilioRestException) as refused:
        await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="Question 2")
    assert (refused.value.status, refused.value.code) == (400, 21610)
    assert refused.value.msg.startswith("Unable to create record")
    async with httpx.AsyncClient(base_url=fake.url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as raw:
        answer = await raw.post(
            f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            data={"To": PHONE, "From": BOT_NUMBER, "Body": "Question 2"},
        )
    assert answer.json() == {
        "code": 21610,
        "message": "Attempt to send to unsubscribed recipient",
        "more_info": "https://www.twilio.com/docs/errors/21610",
        "status": 400,
    }
    await client.messages.create_async(to=OTHER_PHONE, from_=BOT_NUMBER, body="still fine")

    fake.opt_in(PHONE)
    await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="welcome back")
    assert [message.body for message in fake.messages] == ["still fine", "welcome back"]


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": BOT_NUMBER, "Body": "hi"}, 21604),
        ({"To": "07700 900123", "From": BOT_NUMBER, "Body": "hi"}, 21211),
        ({"To": PHONE, "Body": "hi"}, 21603),
        ({"To": PHONE, "MessagingServiceSid": "MGnope", "Body": "hi"}, 21701),
        ({"To": PHONE, "From": BOT_NUMBER}, 21602),
        ({"To": PHONE, "From": BOT_NUMBER, "Body": "x" * 1601}, 21617),
    ],
)
async def test_bad_sends_answer_400_with_twilio_codes(
    fake: FakeTwilio, client: Client, form: dict[str, str], code: int
) -> None:
    data: dict[str, Any] = {"to": form.get("To", ""), "body": form.get("Body")}
    data.update(from_=form.get("From"), messaging_service_sid=form.get("MessagingServiceSid"))
    with pytest.raises(TwilioRestException) as refused:
        await client.messages.create_async(**{k: v for k, v in data.items() if v is not None})
    assert (refused.value.status, refused.value.code) == (400, code)
    assert fake.messages == [] and fake.errors[-1][1:] == (400, code)


async def test_over_the_rate_limit_answers_429() -> None:
    async with FakeTwilio(rate_limit=2, tolerance=1) as fake:
        http_client = AsyncTwilioHttpClient()
        client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
        client.api.base_url = fake.url
        try:
            await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="a" * 200)
            await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="one")
            with pytest.raises(TwilioRestException) as refused:  # 2 + 1 + 1 > 2 + 1
                await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="two")
        finally:
            await http_client.close()
    assert (refused.value.status, refused.value.code) == (429, 20429)
    assert (fake.rejected_429, len(fake.messages), len(fake.send_times)) == (1, 2, 2)


async def test_injected_failures_send_nothing(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(2, status=503)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as failed:
            await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="hello")
        assert (failed.value.status, failed.value.code) == (503, 20503)
    assert fake.messages == []
    await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="hello")
    assert len(fake.messages) == 1


async def test_status_callbacks_arrive_signed_in_order(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    callback = f"{url}/sms/status?outbox=7"
    message = await client.messages.create_async(
        to=PHONE, from_=BOT_NUMBER, body="Thanks!", status_callback=callback
    )
    await fake.wait_until(lambda: len(fake.callbacks) == 2)  # answered, so posted

    assert [form["MessageStatus"] for _, form, _ in bot.posts] == ["sent", "delivered"]
    assert all(bot.valid(index) for index in range(2))
    posted_url, form, _ = bot.posts[1]
    assert posted_url == callback
    assert form == {
        "SmsSid": message.sid,
        "SmsStatus": "delivered",
        "MessageStatus": "delivered",
        "To": PHONE,
        "MessageSid": message.sid,
        "AccountSid": ACCOUNT_SID,
        "From": BOT_NUMBER,
        "ApiVersion": "2010-04-01",
    }
    assert [(c.sid, c.status, c.outcome) for c in fake.callbacks] == [
        (message.sid, "sent", 204),
        (message.sid, "delivered", 204),
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("undelivered", [("sent", None), ("undelivered", "30003")]),
        ("failed", [("failed", "30008")]),
    ],
)
async def test_undeliverable_numbers_report_failure(
    fake: FakeTwilio,
    client: Client,
    receiver: tuple[Receiver, str],
    status: str,
    expected: list[tuple[str, str | None]],
) -> None:
    bot, url = receiver
    fake.undeliverable(PHONE, status=status)
    message = await client.messages.create_async(
        to=PHONE, from_=BOT_NUMBER, body="Hi", status_callback=f"{url}/sms/status"
    )
    await fake.wait_until(lambda: len(fake.callbacks) == len(expected))
    assert [(f["MessageStatus"], f.get("ErrorCode")) for _, f, _ in bot.posts] == expected
    assert message.sid is not None
    fetched = await client.messages(message.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == (status, int(expected[-1][1] or 0))


async def test_status_callbacks_can_be_switched_off(receiver: tuple[Receiver, str]) -> None:
    bot, url = receiver
    async with FakeTwilio(status_callbacks=False) as fake:
        http_client = AsyncTwilioHttpClient()
        client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
        client.api.base_url = fake.url
        await client.messages.create_async(
            to=PHONE, from_=BOT_NUMBER, body="Hi", status_callback=f"{url}/sms/status"
        )
        await http_client.close()
        await fake.wait_until(lambda: fake.messages[0].status == "delivered")
    assert bot.posts == [] and fake.callbacks == []


async def test_exit_cancels_callbacks_still_to_come(receiver: tuple[Receiver, str]) -> None:
    bot, url = receiver
    async with FakeTwilio() as fake:
        fake.callback_delay = 60
        async with httpx.AsyncClient(auth=(ACCOUNT_SID, AUTH_TOKEN)) as raw:
            await raw.post(
                f"{fake.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                data={"To": PHONE, "From": BOT_NUMBER, "Body": "Hi", "StatusCallback": url},
            )
        await fake.wait_until(lambda: fake.pending_callbacks == 1)
    assert fake.pending_callbacks == 0 and bot.posts == []


async def test_text_in_posts_what_twilio_posts_signed_for_the_url(
    fake: FakeTwilio, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    webhook = f"{url}/sms/inbound"
    bot.reply = ("<Response><Message>Welcome!</Message></Response>", "text/xml")
    result = await fake.text_in(webhook, PHONE, "PARKS")

    assert (result.status_code, result.replies) == (200, ["Welcome!"])
    assert result.twiml_text == "<Response><Message>Welcome!</Message></Response>"
    posted_url, form, signature = bot.posts[0]
    assert posted_url == webhook and signature
    assert bot.valid(0) and not bot.valid(0, url=PUBLIC_URL)
    assert SID.match(result.message_sid)
    assert {k: form[k] for k in ("MessageSid", "SmsSid", "SmsMessageSid")} == dict.fromkeys(
        ("MessageSid", "SmsSid", "SmsMessageSid"), result.message_sid
    )
    assert (form["From"], form["To"], form["Body"]) == (PHONE, BOT_NUMBER, "PARKS")
    assert (form["AccountSid"], form["NumMedia"], form["NumSegments"]) == (ACCOUNT_SID, "0", "1")
    assert (form["ApiVersion"], form["FromCountry"], form["ToCountry"]) == (
        "2010-04-01",
        "GB",
        "GB",
    )
    assert "MessagingServiceSid" not in form


async def test_text_in_signs_the_public_url_or_as_told(
    fake: FakeTwilio, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    webhook = f"{url}/sms/inbound"
    same_sid = "SM" + "a" * 32
    await fake.text_in(webhook, PHONE, "1", signed_url=PUBLIC_URL, message_sid=same_sid)
    await fake.text_in(webhook, PHONE, "1", message_sid=same_sid, signature="")
    await fake.text_in(webhook, PHONE, "1", signature="forged", messaging_service_sid=SERVICE_SID)

    assert bot.valid(0, url=PUBLIC_URL) and not bot.valid(0)
    assert bot.posts[0][1]["MessageSid"] == bot.posts[1][1]["MessageSid"] == same_sid
    assert bot.posts[1][2] is None
    assert bot.posts[2][2] == "forged" and not bot.valid(2)
    assert bot.posts[2][1]["MessagingServiceSid"] == SERVICE_SID
    assert bot.posts[2][1]["MessageSid"] != same_sid


async def test_several_replies_and_plain_text_are_read(
    fake: FakeTwilio, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    bot.reply = (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        "<Message><Body>Thanks &amp; welcome</Body></Message>"
        "<Message>Question 1: Reply 1, 2 or 3</Message></Response>",
        "application/xml",
    )
    several = await fake.text_in(f"{url}/sms/inbound", PHONE, "YES")
    bot.reply = ("Plain reply", "text/plain")
    plain = await fake.text_in(f"{url}/sms/inbound", PHONE, "2")
    assert several.replies == ["Thanks & welcome", "Question 1: Reply 1, 2 or 3"]
    assert plain.replies == ["Plain reply"]


@pytest.mark.parametrize(
    ("twiml", "replies"),
    [
        ("", []),
        ("<Response/>", []),
        ("<Response>\n  <Message>\n    Hi\n  </Message>\n</Response>", ["Hi"]),
        ("<Response><Message><Body>A</Body></Message><Message>B</Message></Response>", ["A", "B"]),
    ],
)
def test_parse_twiml(twiml: str, replies: list[str]) -> None:
    assert parse_twiml(twiml) == replies


@pytest.mark.parametrize("broken", ["<Response><Message>", "<Reply>Hi</Reply>", "OK"])
def test_parse_twiml_refuses_what_twilio_could_not_read(broken: str) -> None:
    with pytest.raises(ValueError, match="TwiML"):
        parse_twiml(broken)


async def test_stop_by_text_opts_the_number_out(
    fake: FakeTwilio, client: Client, receiver: tuple[Receiver, str]
) -> None:
    _bot, url = receiver
    await fake.text_in(f"{url}/sms/inbound", PHONE, " stop ")
    assert fake.is_opted_out(PHONE)
    with pytest.raises(TwilioRestException) as refused:
        await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="Bye")
    assert refused.value.code == 21610
    await fake.text_in(f"{url}/sms/inbound", PHONE, "START")
    await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="Welcome back")
    assert [m.body for m in fake.messages] == ["Welcome back"]


async def test_fetching_an_unknown_message_is_404(fake: FakeTwilio, client: Client) -> None:
    with pytest.raises(TwilioRestException) as missing:
        await client.messages("SM" + "0" * 32).fetch_async()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    async with httpx.AsyncClient(base_url=fake.url) as raw:
        unknown = await raw.get("/2010-04-01/Accounts.json")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 20404)


async def test_wait_for_messages_says_what_arrived(fake: FakeTwilio, client: Client) -> None:
    await client.messages.create_async(to=PHONE, from_=BOT_NUMBER, body="Question 1")
    with pytest.raises(TimeoutError, match="expected 2 message") as timed_out:
        await fake.wait_for_messages(PHONE, 2, timeout=0.05)
    assert "'Question 1'" in str(timed_out.value)
