"""A fake Twilio Messaging REST API for tests, served over real HTTP on 127.0.0.1.

Point the real twilio library at it through the Api domain's base URL, which every
`client.messages` call is built from (twilio 9.x; other domains keep their real hosts)::

    async with FakeTwilio() as fake:
        client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=AsyncTwilioHttpClient())
        client.api.base_url = fake.url
        await client.messages.create_async(to="+447700900123", from_=BOT_NUMBER, body="Hi")
        result = await fake.text_in(f"{server.url}/sms/inbound", "+447700900123", "STOP")

It keeps to Twilio where a sender could notice the difference: HTTP basic auth, the 201
message resource with its segment count, Twilio's JSON errors (21602, 21603, 21610, 20003,
20404, 20429, ...), and status callbacks signed with X-Twilio-Signature. `text_in` posts what
Twilio posts for an incoming SMS, signed the same way, and reads the TwiML answer. The known
differences are listed on `FakeTwilio`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import email.utils
import hmac
import http
import math
import re
import secrets
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.fakes.telegram_api import ARRIVALS_PAGE, LocalServer, arrivals_answer
from tests.fakes.waiting import FakeProvider

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
BOT_NUMBER = "+447700900000"
API_VERSION = "2010-04-01"
OPTED_OUT = "Attempt to send to unsubscribed recipient"
# Twilio's default opt-out keywords: a message of just one of these changes the sender's status.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-f]{32}$")
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")  # two septets each
_FAILURE_CODES = {"undelivered": 30003, "failed": 30008}


def sms_segments(body: str) -> int:
    """SMS segments for a body: GSM-7 fits 160 (153 a part), anything else UCS-2 70 (67)."""
    if all(character in _GSM_BASIC or character in _GSM_EXTENDED for character in body):
        length = sum(2 if character in _GSM_EXTENDED else 1 for character in body)
        single, part = 160, 153
    else:
        length = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if length <= single else math.ceil(length / part)


def parse_twiml(twiml: str) -> list[str]:
    """The bodies of a TwiML <Response>'s <Message>s (`<Body>` or plain text), in order."""
    if not twiml.strip():
        return []
    try:
        root = ElementTree.fromstring(twiml)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not TwiML ({exc}): {twiml!r}") from None
    if root.tag != "Response":
        raise ValueError(f"TwiML must be a <Response>, not <{root.tag}>: {twiml!r}")
    replies = []
    for message in root.iter("Message"):
        body = message.find("Body")
        replies.append(((body.text if body is not None else message.text) or "").strip())
    return replies


def new_sid(prefix: str = "SM") -> str:
    """A fresh Twilio-style sid: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def _now_rfc2822() -> str:
    return email.utils.format_datetime(datetime.now(UTC).replace(microsecond=0))


def _country(number: str) -> str:
    return "GB" if number.startswith("+44") else "US" if number.startswith("+1") else ""


# --- records ----------------------------------------------------------------------------------
@dataclass
class SentSms:
    """One message the bot asked Twilio to send; `status` moves on as Twilio would."""

    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    segments: int
    status: str
    created: float  # time.monotonic() when accepted
    status_callback: str | None = None
    error_code: int | None = None
    date_created: str = field(default="", repr=False, compare=False)
    date_updated: str = field(default="", repr=False, compare=False)
    date_sent: str | None = field(default=None, repr=False, compare=False)
    direction: str = "outbound-api"  # "outbound-reply": a TwiML answer to a webhook


@dataclass
class StatusCallback:
    """One status callback posted to the bot, and how its endpoint answered."""

    sid: str
    status: str
    url: str
    outcome: int | str  # the HTTP status, or the connection error's name


@dataclass
class InboundResult:
    """How the bot's webhook answered an incoming SMS."""

    status_code: int
    twiml_text: str
    replies: list[str]  # the <Message> bodies of the TwiML (or a text/plain answer)
    message_sid: str = ""


class TwilioError(Exception):
    """A Twilio REST API error answer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON Twilio answers with."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def _http_error(status: int) -> TwilioError:
    # Twilio's codes for plain HTTP failures are 20000 + the status: 20429, 20500, 20503.
    return TwilioError(status, 20000 + status, http.HTTPStatus(status).phrase)


def _not_found(path: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {path} was not found")


# --- the fake ---------------------------------------------------------------------------------
class FakeTwilio(FakeProvider):
    """A Twilio Messaging API server for tests.

    Differences from the real Twilio a test should know:
    - only Messages create, fetch and list exist (the list filtered by To and From only,
      newest first, one page of up to PageSize; TwiML replies to `text_in` are listed too,
      as "outbound-reply", and kept in `replies`, not `messages`); any `From` is accepted as
      one of the account's numbers, `To` must be E.164, and media (MediaUrl) is not supported;
    - over `rate_limit` segments a second (plus `tolerance`) a send answers 429 (20429) at
      once, where Twilio mostly queues; a message is accepted when nothing else is in the
      last second, however many segments it has;
    - opt-outs are per number, not per sender: `text_in` with a STOP word opts the sender
      out (a START word back in) unless `handle_opt_out` is false, as Twilio's default
      opt-out handling does, and Twilio's own confirmation text is not sent;
    - status moves queued (accepted with a messaging service) -> sent -> delivered, or
      -> sent -> undelivered / -> failed for `undeliverable()` numbers, `callback_delay`
      seconds apart; each callback is posted once, without retries, and recorded in
      `callbacks`;
    - segment counts ignore Smart Encoding and the split of escape sequences.

    A test may change `callback_delay` (seconds, 0.01) and `handle_opt_out` (True) at will,
    and `answer_delay` (seconds, 0): a message is taken at once but the answer comes that much
    later, so a bot killed meanwhile cannot know that it went.
    """

    port = 0  # 0: an ephemeral port; the stand-alone server sets its own

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        rate_limit: float | None = None,
        tolerance: int = 0,
        status_callbacks: bool = True,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.rate_limit = rate_limit
        self.tolerance = tolerance
        self.status_callbacks = status_callbacks
        self.callback_delay = 0.01
        self.answer_delay = 0.0
        self.handle_opt_out = True
        self.url = ""
        # what the bot did
        self.messages: list[SentSms] = []  # sent through the REST API
        self.replies: list[SentSms] = []  # sent as TwiML in answer to `text_in`
        self.send_times: list[float] = []
        self.rejected_429 = 0
        self.callbacks: list[StatusCallback] = []
        self.errors: list[tuple[str, int, int]] = []  # (path, HTTP status, Twilio code)
        # state
        self._validator = RequestValidator(auth_token)
        self._by_sid: dict[str, SentSms] = {}
        self._opted_out: set[str] = set()
        self._undeliverable: dict[str, tuple[str, int]] = {}
        self._failures: deque[int] = deque()
        self._window: deque[tuple[float, int]] = deque()  # (monotonic time, segments)
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: LocalServer | None = None
        self._http: httpx.AsyncClient | None = None

    # --- life cycle --------------------------------------------------------------------------
    def _app(self) -> Starlette:
        messages = f"/{API_VERSION}/Accounts/{{account}}/Messages"
        return Starlette(
            routes=[
                Route(f"{messages}.json", partial(self._rest, self._create), methods=["POST"]),
                Route(f"{messages}.json", partial(self._rest, self._list), methods=["GET"]),
                Route(
                    f"{messages}/{{sid}}.json", partial(self._rest, self._fetch), methods=["GET"]
                ),
                Route("/{path:path}", self._unknown, methods=["GET", "POST", "DELETE", "PUT"]),
            ]
        )

    async def start(self) -> None:
        """Serve on 127.0.0.1 (an ephemeral port); returns once listening."""
        self._server = LocalServer(self._app(), self.port)
        await self._server.start()
        self.url = self._server.url
        self._http = httpx.AsyncClient(timeout=10)

    async def stop(self) -> None:
        """Stop the server, cancel status callbacks still to come, close connections."""
        if self._server is not None:
            await self._server.stop()
            self._server = None
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # --- what the test arranges ------------------------------------------------------------------
    def opt_out(self, number: str) -> None:
        """The number texted STOP: sends to it answer 400 (21610) until opt_in()."""
        self._opted_out.add(number)

    def opt_in(self, number: str) -> None:
        """The number texted START."""
        self._opted_out.discard(number)

    def is_opted_out(self, number: str) -> bool:
        """Whether sends to the number answer 21610."""
        return number in self._opted_out

    def undeliverable(
        self, number: str, *, status: str = "undelivered", error_code: int | None = None
    ) -> None:
        """Messages to the number end "undelivered" (30003) or "failed" (30008)."""
        if status not in _FAILURE_CODES:
            raise ValueError(f"status must be 'undelivered' or 'failed', not {status!r}")
        self._undeliverable[number] = (status, error_code or _FAILURE_CODES[status])

    def deliverable(self, number: str) -> None:
        """Messages to the number are delivered again."""
        self._undeliverable.pop(number, None)

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """The next `count` sends answer `status` (500: 20500, 503: 20503, ...) and send nothing."""
        self._failures.extend([status] * count)

    def signature(self, url: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature for a POST of `params` to `url`, made with the auth token."""
        return str(self._validator.compute_signature(url, params))

    # --- what a young person does ----------------------------------------------------------------
    async def text_in(
        self,
        webhook_url: str,
        from_number: str,
        body: str,
        *,
        to: str = BOT_NUMBER,
        message_sid: str | None = None,
        messaging_service_sid: str | None = None,
        signature: str | None = None,
        signed_url: str | None = None,
    ) -> InboundResult:
        """POST an incoming SMS to the bot's webhook as Twilio does, and read its TwiML.

        signature: None signs correctly for `signed_url` (default: the URL posted to), as
        Twilio signs the public URL it was given; "" sends no signature; anything else is
        sent as it is.
        """
        if self._http is None:
            raise RuntimeError("the fake is not running: use `async with FakeTwilio() as fake`")
        sid = message_sid or new_sid("SM")
        if self.handle_opt_out:
            keyword = body.strip().upper()
            if keyword in STOP_WORDS:
                self.opt_out(from_number)
            elif keyword in START_WORDS:
                self.opt_in(from_number)
        params = {
            "ToCountry": _country(to),
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": _country(from_number),
            "To": to,
            "ToZip": "",
            "NumSegments": str(sms_segments(body)),
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_number,
            "ApiVersion": API_VERSION,
        }
        if messaging_service_sid is not None:
            params["MessagingServiceSid"] = messaging_service_sid
        if signature is None:
            signature = self.signature(signed_url or webhook_url, params)
        headers = {"User-Agent": "TwilioProxy/1.1", "Accept": "*/*"}
        if signature:
            headers["X-Twilio-Signature"] = signature
        response = await self._http.post(webhook_url, data=params, headers=headers)
        replies: list[str] = []
        if response.is_success:
            if response.headers.get("content-type", "").startswith("text/plain"):
                replies = [response.text.strip()] if response.text.strip() else []
            else:
                replies = parse_twiml(response.text)
                self.record_replies(from_number, to, replies)
        return InboundResult(response.status_code, response.text, replies, sid)

    def record_replies(self, number: str, bot_number: str, bodies: list[str]) -> None:
        """TwiML <Message>s become messages, listed with the REST API's as Twilio does."""
        stamp = _now_rfc2822()
        for body in bodies:
            sms = SentSms(
                sid=new_sid("SM"),
                to=number,
                from_=bot_number,
                messaging_service_sid=None,
                body=body,
                segments=sms_segments(body),
                status="delivered",
                created=time.monotonic(),
                date_created=stamp,
                date_updated=stamp,
                date_sent=stamp,
                direction="outbound-reply",
            )
            self.replies.append(sms)
            self._by_sid[sms.sid] = sms

    # --- what the bot did ------------------------------------------------------------------------
    def messages_to(self, number: str) -> list[SentSms]:
        """Every message accepted for one number, in order."""
        return [message for message in self.messages if message.to == number]

    def message(self, sid: str) -> SentSms:
        """The message with this sid, as it is now."""
        return self._by_sid[sid]

    @property
    def pending_callbacks(self) -> int:
        """Messages whose status has still to move on (their callbacks still to come)."""
        return len(self._tasks)

    async def wait_for_messages(
        self, number: str, count: int, timeout: float = 10
    ) -> list[SentSms]:
        """Wait until the number has at least `count` messages; returns all of them."""
        try:
            await self.wait_until(lambda: len(self.messages_to(number)) >= count, timeout)
        except TimeoutError:
            arrived = self.messages_to(number)
            lines = [f"  {m.sid} [{m.status}]: {m.body!r}" for m in arrived]
            raise TimeoutError(
                f"expected {count} message(s) to {number} within {timeout}s, "
                f"{len(arrived)} arrived:\n" + "\n".join(lines or ["  (none)"]) + self._summary()
            ) from None
        return self.messages_to(number)

    def _summary(self) -> str:
        per_number: dict[str, int] = {}
        for message in self.messages:
            per_number[message.to] = per_number.get(message.to, 0) + 1
        lines = [f"\nmessages per number: {per_number}", f"429s: {self.rejected_429}"]
        if self.errors:
            lines.append("last errors answered: " + "; ".join(map(str, self.errors[-5:])))
        return "\n".join(lines)

    # --- HTTP ------------------------------------------------------------------------------------
    async def _rest(
        self, handler: Callable[[Request], Awaitable[Response]], request: Request
    ) -> Response:
        try:
            self._authenticate(request)
            if request.path_params["account"] != self.account_sid:
                raise _not_found(request.url.path)
            return await handler(request)
        except TwilioError as error:
            self.errors.append((request.url.path, error.status, error.code))
            headers = (
                {"WWW-Authenticate": 'Basic realm="Twilio API"'} if error.status == 401 else {}
            )
            return JSONResponse(error.body(), status_code=error.status, headers=headers)

    def _authenticate(self, request: Request) -> None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            raise TwilioError(401, 20003, "Authentication Error - No credentials provided")
        try:
            username, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            username = password = ""
        if not (
            hmac.compare_digest(username.encode(), self.account_sid.encode())
            and hmac.compare_digest(password.encode(), self.auth_token.encode())
        ):
            raise TwilioError(401, 20003, "Authentication Error - invalid username")

    async def _unknown(self, request: Request) -> Response:
        error = _not_found(request.url.path)
        self.errors.append((request.url.path, error.status, error.code))
        return JSONResponse(error.body(), status_code=404)

    async def _fetch(self, request: Request) -> Response:
        sms = self._by_sid.get(request.path_params["sid"])
        if sms is None:
            raise _not_found(request.url.path)
        return JSONResponse(self._resource(sms))

    async def _list(self, request: Request) -> Response:
        query = request.query_params
        try:
            size = min(1000, max(1, int(query.get("PageSize", "50"))))
        except ValueError:
            raise TwilioError(400, 20001, "Invalid PageSize") from None
        newest_first = sorted(
            [*self.messages, *self.replies], key=lambda sms: sms.created, reverse=True
        )
        found = [
            sms
            for sms in newest_first
            if query.get("To") in (None, sms.to) and query.get("From") in (None, sms.from_)
        ][:size]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
        return JSONResponse(
            {
                "messages": [self._resource(sms) for sms in found],
                "end": max(0, len(found) - 1),
                "first_page_uri": f"{uri}?PageSize={size}&Page=0",
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": f"{uri}?PageSize={size}&Page=0",
            }
        )

    async def _create(self, request: Request) -> Response:
        if self._failures:
            raise _http_error(self._failures.popleft())
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        to = form.get("To", "").strip()
        sender = form.get("From", "").strip() or None
        service = form.get("MessagingServiceSid", "").strip() or None
        body = form.get("Body", "")
        callback = form.get("StatusCallback", "").strip() or None
        if not to:
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if sender is None and service is None:
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if service is not None and not _SERVICE_SID.match(service):
            raise TwilioError(400, 21701, f"The Messaging Service Sid {service} is invalid.")
        if not body:
            raise TwilioError(400, 21602, "Message body is required.")
        if len(body) > 1600:
            message = "The concatenated message body exceeds the 1600 character limit."
            raise TwilioError(400, 21617, message)
        if callback is not None and not callback.startswith(("http://", "https://")):
            raise TwilioError(400, 21609, f"The StatusCallback URL {callback} is not valid.")
        segments = sms_segments(body)
        now = self._check_rate(segments)
        if to in self._opted_out:
            raise TwilioError(400, 21610, OPTED_OUT)
        stamp = _now_rfc2822()
        sms = SentSms(
            sid=new_sid("SM"),
            to=to,
            from_=sender,
            messaging_service_sid=service,
            body=body,
            segments=segments,
            status="accepted" if service is not None and sender is None else "queued",
            created=now,
            status_callback=callback,
            date_created=stamp,
            date_updated=stamp,
        )
        self._window.append((now, segments))
        self.send_times.append(now)
        self.messages.append(sms)
        self._by_sid[sms.sid] = sms
        if self.answer_delay > 0:
            await asyncio.sleep(self.answer_delay)
        # Twilio answers first and reports progress afterwards.
        task = BackgroundTask(self._start_progress, sms)
        return JSONResponse(self._resource(sms), status_code=201, background=task)

    def _check_rate(self, segments: int) -> float:
        now = time.monotonic()
        while self._window and self._window[0][0] <= now - 1.0:
            self._window.popleft()
        if self.rate_limit is not None and self._window:
            used = sum(count for _, count in self._window)
            if used + segments > self.rate_limit + self.tolerance:
                self.rejected_429 += 1
                raise _http_error(429)
        return now

    def _resource(self, sms: SentSms) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sms.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": sms.body,
            "date_created": sms.date_created,
            "date_sent": sms.date_sent,
            "date_updated": sms.date_updated,
            "direction": sms.direction,
            "error_code": sms.error_code,
            "error_message": None,
            "from": sms.from_,
            "messaging_service_sid": sms.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(sms.segments),
            "price": None,
            "price_unit": "USD",
            "sid": sms.sid,
            "status": sms.status,
            "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
            "to": sms.to,
            "uri": uri,
        }

    # --- status callbacks ------------------------------------------------------------------------
    async def _start_progress(self, sms: SentSms) -> None:
        task = asyncio.create_task(self._progress(sms))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _progress(self, sms: SentSms) -> None:
        failure = self._undeliverable.get(sms.to)
        steps: list[tuple[str, int | None]] = [("sent", None), ("delivered", None)]
        if failure is not None:
            last, error_code = failure
            steps = [(last, error_code)] if last == "failed" else [("sent", None), failure]
        for status, code in steps:
            await asyncio.sleep(self.callback_delay)
            sms.status, sms.error_code = status, code
            sms.date_updated = _now_rfc2822()
            if status == "sent":
                sms.date_sent = sms.date_updated
            if sms.status_callback and self.status_callbacks:
                await self._post_status(sms, sms.status_callback)

    async def _post_status(self, sms: SentSms, url: str) -> None:
        assert self._http is not None
        params = {
            "SmsSid": sms.sid,
            "SmsStatus": sms.status,
            "MessageStatus": sms.status,
            "To": sms.to,
            "MessageSid": sms.sid,
            "AccountSid": self.account_sid,
            "From": sms.from_ or BOT_NUMBER,
            "ApiVersion": API_VERSION,
        }
        if sms.messaging_service_sid is not None:
            params["MessagingServiceSid"] = sms.messaging_service_sid
        if sms.error_code is not None:
            params["ErrorCode"] = str(sms.error_code)
        headers = {"X-Twilio-Signature": self.signature(url, params)}
        headers["User-Agent"] = "TwilioProxy/1.1"
        try:
            response = await self._http.post(url, data=params, headers=headers)
            outcome: int | str = response.status_code
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            outcome = type(exc).__name__
        self.callbacks.append(StatusCallback(sms.sid, sms.status, url, outcome))


__all__ = [
    "ACCOUNT_SID",
    "AUTH_TOKEN",
    "BOT_NUMBER",
    "FakeTwilio",
    "InboundResult",
    "SentSms",
    "StatusCallback",
    "TwilioError",
    "new_sid",
    "parse_twiml",
    "sms_segments",
]


# --- on its own, in another process ---------------------------------------------------------
#     python -m tests.fakes.twilio_api --port 0 [--rate-limit R] [--tolerance T]
# prints its URL as the first line of stdout and serves until SIGTERM or SIGINT.
class StandaloneFakeTwilio(FakeTwilio):
    """The fake with routes for a driver in another process (benchmarks/broadcast.py):

    - GET /_test/stats: how many messages and segments were accepted, 429s, errors and
      status callbacks so far;
    - GET /_test/arrivals?after=N&contains=TEXT: when each message after the first N was
      accepted, weighted by its segments (see telegram_api's `arrivals_answer`).

    Status callbacks are posted CALLBACKS_AT_ONCE at a time, the rest waiting their turn:
    with thousands waiting in httpx's connection pool (a bulk send of hundreds a second),
    the pool's bookkeeping took the whole CPU and the fake, not the bot, set the pace.
    """

    CALLBACKS_AT_ONCE = 32

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._callback_slots = asyncio.Semaphore(self.CALLBACKS_AT_ONCE)

    async def _post_status(self, sms: SentSms, url: str) -> None:
        async with self._callback_slots:
            await super()._post_status(sms, url)

    def _app(self) -> Starlette:
        app = super()._app()
        app.router.routes[0:0] = [
            Route("/_test/stats", self._test_stats, methods=["GET"]),
            Route("/_test/arrivals", self._test_arrivals, methods=["GET"]),
        ]
        return app

    async def _test_stats(self, request: Request) -> Response:
        return JSONResponse(
            {
                "sent": len(self.messages),
                "segments": sum(message.segments for message in self.messages),
                "rejected_429": self.rejected_429,
                "errors": len(self.errors),
                "last_errors": [list(error) for error in self.errors[-5:]],
                "callbacks": len(self.callbacks),
                "pending_callbacks": self.pending_callbacks,
            }
        )

    async def _test_arrivals(self, request: Request) -> Response:
        try:
            after = max(0, int(request.query_params.get("after", "0")))
        except ValueError:
            return JSONResponse({"error": "after must be a number"}, status_code=400)
        sends = [
            (sms.to, sms.created, sms.segments, sms.body)
            for sms in self.messages[after : after + ARRIVALS_PAGE]
        ]
        return arrivals_answer(after, sends, request.query_params.get("contains", ""))


async def _serve_until_stopped(fake: FakeTwilio) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with fake:
        print(fake.url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.twilio_api",
        description="Serve the fake Twilio Messaging API on 127.0.0.1 until SIGTERM or SIGINT; "
        "prints its URL first.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 (the default): any free port")
    parser.add_argument("--account-sid", default=ACCOUNT_SID)
    parser.add_argument("--auth-token", default=AUTH_TOKEN)
    parser.add_argument("--rate-limit", type=float, help="segments a second (none)")
    parser.add_argument("--tolerance", type=int, default=0, help="over the limit before a 429")
    parser.add_argument(
        "--no-status-callbacks", action="store_true", help="never post status callbacks"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0 to 65535")
    fake = StandaloneFakeTwilio(
        args.account_sid,
        args.auth_token,
        rate_limit=args.rate_limit,
        tolerance=args.tolerance,
        status_callbacks=not args.no_status_callbacks,
    )
    fake.port = args.port
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_stopped(fake))


if __name__ == "__main__":
    main()
