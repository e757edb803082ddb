"""Safeguarding alerts that reach a person: in `serve`, every few seconds, each open alert
not yet sent to the designated safeguarding lead is emailed (YOUTHVOICE_ALERT_EMAIL) and/or
posted to YOUTHVOICE_ALERT_WEBHOOK_URL; one nobody has acknowledged within
YOUTHVOICE_ALERT_ESCALATE_MINUTES of being raised goes, once, to the deputy.

Neither the email nor the webhook holds what the young person wrote (email is not a safe
place for it): they say when, which survey, which channel and what kind of risk, whether
the young person can be identified (only from a care review, which they name), and link to
the dashboard, where the text can be read (audited). A failed send is logged and tried
again, each route on its own, so nothing is lost and nothing is sent twice; a way (email or
webhook) that keeps failing is tried less often (up to every 5 minutes), the other not.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import httpx

from bot.keys import KeyRing
from bot.settings import Settings
from storage.protocol import Storage
from storage.records import AlertDelivery, AlertRow

log = logging.getLogger(__name__)
EVERY = 5.0  # seconds: alerts are urgent
MAX_WAIT = 300.0  # seconds between tries while a way (email or webhook) keeps failing
SEND_TIMEOUT = 20.0  # seconds for one SMTP conversation or webhook POST
SIGNATURE_HEADER = "X-Youthvoice-Signature"
SIGNPOSTED = (
    "They were shown where to get help straight away: Childline (call 0800 1111, free),"
    " Shout (text SHOUT to 85258) and 999 if they are in danger now."
)


@dataclass(frozen=True, slots=True)
class ReviewNamed:
    """The care review an alert came from, as `youthvoice review inbox` shows it."""

    code: str
    due: str
    worker: str


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """What is sent about one alert: never the young person's words."""

    subject: str
    body: str
    payload: dict[str, Any]


def _when(created_at: str, settings: Settings) -> str:
    moment = datetime.fromisoformat(created_at).astimezone(settings.zone)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} ({settings.timezone})"


def notice(
    alert: AlertRow,
    settings: Settings,
    review: ReviewNamed | None,
    *,
    escalated: bool,
) -> AlertNotice:
    """The email (subject and body) and the webhook's JSON for `alert`."""
    survey = alert.slug or "no survey"
    url = f"{settings.public_url}/alerts/{alert.id}"
    subject = f"youthvoice safeguarding alert #{alert.id}: {survey}, {alert.category}"
    minutes = settings.alert_escalate_minutes
    if escalated:
        subject = f"ESCALATED: {subject} (not acknowledged after {minutes} minutes)"
    lines = []
    if escalated:
        lines += [
            f"Nobody has acknowledged this alert in the {minutes} minutes since it was raised,"
            " so it comes to you as deputy safeguarding lead.",
            "",
        ]
    lines += [
        "A young person's message raised a safeguarding alert in youthvoice.",
        "",
        f"Alert:    #{alert.id}",
        f"When:     {_when(alert.created_at, settings)}",
        f"Survey:   {survey}",
        f"Channel:  {alert.channel}",
        f"Category: {alert.category}",
        "",
    ]
    if alert.review_id is None:
        lines += [
            "This came from an anonymous survey: the young person cannot be identified,"
            " and nothing youthvoice holds can find them. " + SIGNPOSTED,
        ]
    elif review is None:
        lines += [
            f"This came from care review #{alert.review_id}, which has since been deleted."
            " " + SIGNPOSTED,
        ]
    else:
        lines += [
            "This came from a care review, so this child can be identified:",
            f"  review code {review.code}, review on {review.due},"
            f" reviewing officer {review.worker}.",
            SIGNPOSTED,
        ]
    lines += [
        "",
        "What they wrote is not in this email: email is not a safe place for it.",
        "Read it, and acknowledge the alert, on the dashboard:",
        url,
        f"(or acknowledge it with: youthvoice alerts ack {alert.id})",
    ]
    payload: dict[str, Any] = {
        "id": alert.id,
        "raised_at": alert.created_at,
        "survey": alert.slug,
        "channel": alert.channel,
        "category": alert.category,
        "anonymous": alert.review_id is None,
        "review": None
        if review is None
        else {"code": review.code, "due": review.due, "worker": review.worker},
        "url": url,
        "escalated": escalated,
    }
    return AlertNotice(subject, "\n".join(lines) + "\n", payload)


def signature(secret: str, body: bytes) -> str:
    """The webhook's signature header value: sha256= and the body's HMAC-SHA256 in hex."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _send_email(settings: Settings, to: tuple[str, ...], sent: AlertNotice) -> None:
    """One SMTP conversation (blocking: run in a thread)."""
    message = EmailMessage()
    message["From"] = settings.alert_from or ""
    message["To"] = ", ".join(to)
    message["Subject"] = sent.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="youthvoice")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(sent.body)
    host = settings.smtp_host or ""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(host, settings.smtp_port, timeout=SEND_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(host, settings.smtp_port, timeout=SEND_TIMEOUT)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


class AlertSender:
    """Sends open alerts to the lead and escalates them to the deputy; see the module."""

    def __init__(
        self, settings: Settings, storage: Storage, keys: KeyRing, every: float = EVERY
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.keys = keys
        self.every = every
        self._stop = asyncio.Event()
        # Per way ("email", "webhook") that failed: how long to wait, and until when.
        self._waits: dict[str, float] = {}
        self._next_try: dict[str, datetime] = {}

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.tick()
            except Exception:  # try again next round; never stop serve
                log.exception("sending safeguarding alerts failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.every)

    def stop(self) -> None:
        self._stop.set()

    async def tick(self, now: datetime | None = None) -> bool:
        """One round: send what is due. True when some send failed (it is tried again)."""
        settings = self.settings
        if not settings.alerts_delivered:
            return False
        now = now or datetime.now(UTC)
        stamp = now.isoformat(timespec="seconds")
        escalate_after = timedelta(minutes=settings.alert_escalate_minutes)
        down: set[str] = set()  # "email" or "webhook": failed this round, skip the rest
        resting = {way for way, when in self._next_try.items() if now < when}
        for delivery in await self.storage.alert_deliveries(open_only=True):
            routes = self._due(delivery, now - escalate_after)
            if not routes:
                continue
            alert = delivery.alert
            review = await self._review(alert)
            for route in routes:
                way = route.split()[1]
                if way in down or way in resting:
                    continue
                sent = notice(alert, settings, review, escalated=route.startswith("deputy"))
                try:
                    await self._send(route, sent)
                except Exception as exc:  # logged, counted, tried again next round
                    down.add(way)
                    self._rest(way, now)
                    error = f"{route}: {type(exc).__name__}: {exc}"
                    log.warning("safeguarding alert #%d not sent (%s)", alert.id, error)
                    await self.storage.record_alert_failure(alert.id, error)
                    continue
                self._waits.pop(way, None)
                self._next_try.pop(way, None)
                await self.storage.record_alert_sent(alert.id, route, stamp)
                log.info("safeguarding alert #%d sent (%s)", alert.id, route)
        return bool(down)

    def _rest(self, way: str, now: datetime) -> None:
        """After a failure, leave `way` alone for twice as long as last time (at most
        MAX_WAIT), so a dead mail server is not hammered every few seconds."""
        wait = min(self._waits.get(way, self.every) * 2, MAX_WAIT)
        self._waits[way] = wait
        self._next_try[way] = now + timedelta(seconds=wait)

    def _due(self, delivery: AlertDelivery, raised_before: datetime) -> list[str]:
        settings = self.settings
        routes = []
        if settings.alert_emails and delivery.lead_emailed_at is None:
            routes.append("lead email")
        if settings.alert_webhook_url and delivery.lead_posted_at is None:
            routes.append("lead webhook")
        if datetime.fromisoformat(delivery.alert.created_at) <= raised_before:
            if settings.deputy_emails and delivery.deputy_emailed_at is None:
                routes.append("deputy email")
            if settings.alert_webhook_url and delivery.deputy_posted_at is None:
                routes.append("deputy webhook")
        return routes

    async def _review(self, alert: AlertRow) -> ReviewNamed | None:
        if alert.review_id is None:
            return None
        for row in await self.storage.reviews():
            if row.id == alert.review_id:
                code = self.keys.unseal(row.code, "review-code")
                return ReviewNamed(code, row.due, row.worker.email)
        return None

    async def _send(self, route: str, sent: AlertNotice) -> None:
        settings = self.settings
        if route.endswith("email"):
            to = settings.alert_emails if route.startswith("lead") else settings.deputy_emails
            await asyncio.to_thread(_send_email, settings, to, sent)
            return
        body = json.dumps(sent.payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if settings.alert_webhook_secret is not None:
            secret = settings.alert_webhook_secret.get_secret_value()
            headers[SIGNATURE_HEADER] = signature(secret, body)
        async with httpx.AsyncClient(timeout=SEND_TIMEOUT) as client:
            answer = await client.post(
                settings.alert_webhook_url or "", content=body, headers=headers
            )
        answer.raise_for_status()
