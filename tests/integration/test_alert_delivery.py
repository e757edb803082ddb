"""Safeguarding alerts that reach a person: raised by a risk phrase through the real
dispatcher, emailed to a real (aiosmtpd) SMTP server on a local port and posted, signed, to
a local webhook; never with what the young person wrote; escalated once to the deputy when
nobody acknowledges in time (time travel), never after acknowledgement; retried until an
SMTP server that was down comes up, then sent exactly once."""

from __future__ import annotations

import asyncio
import email
import hashlib
import hmac
import json
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import reviews, survey_admin
from bot.alert_delivery import SIGNATURE_HEADER, AlertSender
from bot.catalogue import SurveyCatalogue
from bot.dispatcher import Dispatcher
from bot.runtime import open_runtime, open_storage
from bot.serve import Service
from bot.settings import Settings, load_settings
from conversations.messages import Inbound
from conversations.survey_loader import parse_survey
from storage.protocol import Storage
from tests.fakes.telegram_api import LocalServer
from tests.integration.dashboard_world import SLUG, answered, youth_spaces
from tests.integration.helpers import DB_NAME, SETTING_PREFIXES, dashboard_keys
from tests.integration.telegram_world import free_port
from tests.integration.test_reviews import VIEWS

SPACES = youth_spaces(
    """\
    - {id: idea, type: text, text: "One idea for a youth space?"}
    - {id: club, type: yes_no, text: "Do you go to a youth club?"}
    """
)
RISK = "Honestly I want to die some days"
REVIEW_RISK = "sometimes I wish I was dead"
RAISED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEAD = "dsl@council.example"
DEPUTY = "deputy@council.example"
SECRET = "a webhook secret for tests"
KEYS = dashboard_keys()


class Inbox:
    """What a local aiosmtpd server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.messages if address in rcpt]


def smtp_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no ./.env from elsewhere


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    controller, received = smtp_server(smtp_port)
    try:
        yield received
    finally:
        controller.stop()


def settings_for(tmp_path: Path, smtp_port: int | None, **more: str) -> Settings:
    email_settings = {}
    if smtp_port is not None:
        email_settings = {
            "YOUTHVOICE_SMTP_HOST": "127.0.0.1",
            "YOUTHVOICE_SMTP_PORT": str(smtp_port),
            "YOUTHVOICE_SMTP_SECURITY": "none",
            "YOUTHVOICE_ALERT_FROM": "youthvoice@council.example",
            "YOUTHVOICE_ALERT_EMAIL": LEAD,
            "YOUTHVOICE_ALERT_DEPUTY_EMAIL": DEPUTY,
        }
    return load_settings(
        YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME),
        YOUTHVOICE_PUBLIC_URL="https://youthvoice.council.example",
        YOUTHVOICE_ALERT_ESCALATE_MINUTES="60",
        **email_settings,
        **more,
    )


@pytest.fixture
def travel() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(RAISED, tick=False) as traveller:
        yield traveller


@pytest.fixture
async def storage(tmp_path: Path, clean_env: None) -> AsyncIterator[Storage]:
    async with open_storage(load_settings(YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME))) as opened:
        yield opened


async def raise_alert(storage: Storage) -> int:
    """A young person answering youth-spaces by SMS writes a risk phrase: the alert's id."""
    talk = ("SPACES", "yes", "16", "no", "no", RISK, "yes")
    await answered(storage, SPACES, [("sms", "+447700900001", talk)])
    [alert] = await storage.alerts()
    return alert.id


def the_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return f"{message['Subject']}\n{body.get_content()}"


async def test_the_lead_gets_an_email_without_the_young_persons_words(
    tmp_path: Path, storage: Storage, inbox: Inbox, smtp_port: int, travel: Any
) -> None:
    alert_id = await raise_alert(storage)
    sender = AlertSender(settings_for(tmp_path, smtp_port), storage, KEYS)
    assert await sender.tick() is False
    [message] = inbox.to(LEAD)
    [alert] = await storage.alerts()
    assert message["Subject"] == (
        f"youthvoice safeguarding alert #{alert_id}: {SLUG}, {alert.category}"
    )
    text = the_text(message)
    assert RISK not in text and "want to die" not in text.lower()
    assert alert.phrase not in text  # not even the list's phrase that matched
    assert "cannot be identified" in text and "0800 1111" in text and "85258" in text
    assert "999" in text and "sms" in text and SLUG in text
    assert f"https://youthvoice.council.example/alerts/{alert_id}" in text
    assert "Monday 2 March 2026, 10:00 (Europe/London)" in text
    assert message["From"] == "youthvoice@council.example"
    # Sent once: the next rounds send nothing more to anyone (within the hour).
    await sender.tick()
    await sender.tick()
    assert len(inbox.messages) == 1
    [delivery] = await storage.alert_deliveries()
    assert delivery.lead_emailed_at == RAISED.isoformat(timespec="seconds")
    assert delivery.deputy_emailed_at is None and delivery.attempts == 0


async def test_escalation_fires_once_after_the_configured_time(
    tmp_path: Path, storage: Storage, inbox: Inbox, smtp_port: int, travel: Any
) -> None:
    alert_id = await raise_alert(storage)
    sender = AlertSender(settings_for(tmp_path, smtp_port), storage, KEYS)
    await sender.tick()
    travel.shift(timedelta(minutes=59))
    await sender.tick()
    assert inbox.to(DEPUTY) == []
    travel.shift(timedelta(minutes=1))
    await sender.tick()
    [escalated] = inbox.to(DEPUTY)
    assert escalated["Subject"].startswith(f"ESCALATED: youthvoice safeguarding alert #{alert_id}")
    text = the_text(escalated)
    assert "60 minutes" in text and "deputy" in text and RISK not in text
    travel.shift(timedelta(hours=5))
    await sender.tick()
    assert len(inbox.to(DEPUTY)) == 1 and len(inbox.to(LEAD)) == 1
    [delivery] = await storage.alert_deliveries()
    assert delivery.deputy_emailed_at == (RAISED + timedelta(hours=1)).isoformat()


async def test_no_escalation_after_acknowledgement(
    tmp_path: Path, storage: Storage, inbox: Inbox, smtp_port: int, travel: Any
) -> None:
    alert_id = await raise_alert(storage)
    sender = AlertSender(settings_for(tmp_path, smtp_port), storage, KEYS)
    await sender.tick()
    travel.shift(timedelta(minutes=30))
    assert await storage.acknowledge_alert(alert_id, LEAD, None, "2026-03-02T10:30:00+00:00")
    travel.shift(timedelta(hours=2))
    await sender.tick()
    assert inbox.to(DEPUTY) == [] and len(inbox.messages) == 1


async def test_an_alert_acknowledged_before_it_was_sent_is_not_sent(
    tmp_path: Path, storage: Storage, inbox: Inbox, smtp_port: int, travel: Any
) -> None:
    alert_id = await raise_alert(storage)
    assert await storage.acknowledge_alert(alert_id, LEAD, None, "2026-03-02T10:00:00+00:00")
    await AlertSender(settings_for(tmp_path, smtp_port), storage, KEYS).tick()
    assert inbox.messages == []


async def test_smtp_down_at_first_is_retried_and_delivered_once(
    tmp_path: Path, storage: Storage, smtp_port: int, travel: Any
) -> None:
    await raise_alert(storage)
    sender = AlertSender(settings_for(tmp_path, smtp_port), storage, KEYS)
    assert await sender.tick() is True  # nobody listening on the port yet
    assert await sender.tick() is False  # not tried again at once: it waits 10 s
    travel.shift(timedelta(seconds=10))
    assert await sender.tick() is True  # then 20 s
    [delivery] = await storage.alert_deliveries()
    assert delivery.attempts == 2 and delivery.lead_emailed_at is None
    assert delivery.last_error is not None and "lead email" in delivery.last_error
    controller, inbox = smtp_server(smtp_port)
    try:
        travel.shift(timedelta(minutes=2))
        assert await sender.tick() is False
        await sender.tick()
    finally:
        controller.stop()
    assert len(inbox.to(LEAD)) == 1 and len(inbox.messages) == 1
    [delivery] = await storage.alert_deliveries()
    assert delivery.lead_emailed_at is not None and delivery.last_error is None


async def test_an_alert_from_a_review_names_the_review(
    tmp_path: Path, storage: Storage, inbox: Inbox, smtp_port: int, travel: Any
) -> None:
    survey = parse_survey(VIEWS, "views.yaml")
    await survey_admin.add_survey_source(storage, survey, VIEWS)
    await storage.set_survey_status("views", "open", "2026-01-01T00:00:00+00:00")
    worker = "sam@council.example"
    await storage.add_account(worker, "reviewer", "Sam Patel", "2026-01-01T00:00:00+00:00")
    due = date(2026, 3, 20)
    made = await reviews.invite(storage, KEYS, "views", due, worker, RAISED.date())
    dispatcher = Dispatcher(storage, KEYS, SurveyCatalogue(storage))
    await dispatcher.start()
    for text in (made.code, "yes", "15", "yes", "no", REVIEW_RISK):
        await dispatcher.handle("sms", "+447700900002", Inbound(text=text, channel="sms"))
    [alert] = await storage.alerts()
    assert alert.review_id is not None
    await AlertSender(settings_for(tmp_path, smtp_port), storage, KEYS).tick()
    [message] = inbox.to(LEAD)
    text = the_text(message)
    assert made.code in text and "2026-03-20" in text and worker in text
    assert "can be identified" in text and "cannot be identified" not in text
    assert REVIEW_RISK not in text and "dead" not in text


async def test_the_webhook_gets_signed_json_without_text(
    tmp_path: Path, storage: Storage, travel: Any
) -> None:
    received: list[tuple[bytes, str | None]] = []

    async def hook(request: Request) -> Response:
        received.append((await request.body(), request.headers.get(SIGNATURE_HEADER)))
        return Response(status_code=204)

    alert_id = await raise_alert(storage)
    async with LocalServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as server:
        settings = settings_for(
            tmp_path,
            None,
            YOUTHVOICE_ALERT_WEBHOOK_URL=f"{server.url}/hook",
            YOUTHVOICE_ALERT_WEBHOOK_SECRET=SECRET,
        )
        sender = AlertSender(settings, storage, KEYS)
        await sender.tick()
        await sender.tick()
        travel.shift(timedelta(minutes=61))
        await sender.tick()
        await sender.tick()
    assert len(received) == 2
    for body, signed in received:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert signed == f"sha256={expected}"
        assert b"die" not in body
    first, second = (json.loads(body) for body, _ in received)
    [alert] = await storage.alerts()
    assert first == {
        "id": alert_id,
        "raised_at": RAISED.isoformat(),
        "survey": SLUG,
        "channel": "sms",
        "category": alert.category,
        "anonymous": True,
        "review": None,
        "url": f"https://youthvoice.council.example/alerts/{alert_id}",
        "escalated": False,
    }
    assert second == {**first, "escalated": True}


async def test_a_webhook_that_fails_is_retried(
    tmp_path: Path, storage: Storage, travel: Any
) -> None:
    answers = [500, 200]

    async def hook(request: Request) -> Response:
        return Response(status_code=answers.pop(0))

    await raise_alert(storage)
    async with LocalServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as server:
        settings = settings_for(tmp_path, None, YOUTHVOICE_ALERT_WEBHOOK_URL=f"{server.url}/hook")
        sender = AlertSender(settings, storage, KEYS)
        assert await sender.tick() is True
        travel.shift(timedelta(seconds=10))
        assert await sender.tick() is False
        assert await sender.tick() is False
    assert answers == []
    [delivery] = await storage.alert_deliveries()
    assert delivery.lead_posted_at is not None and delivery.attempts == 1


async def test_serve_sends_alerts_as_they_are_raised(
    tmp_path: Path, clean_env: None, inbox: Inbox, smtp_port: int
) -> None:
    settings = settings_for(tmp_path, smtp_port, YOUTHVOICE_PORT=str(free_port()))
    async with open_runtime(settings) as runtime:
        service = Service(runtime)
        await service.start()
        try:
            alert_id = await raise_alert(runtime.storage)
            for _ in range(300):  # the sender looks every 5 s
                if inbox.messages:
                    break
                await asyncio.sleep(0.05)
        finally:
            await service.stop()
    [message] = inbox.to(LEAD)
    assert f"alert #{alert_id}" in message["Subject"] and RISK not in the_text(message)
