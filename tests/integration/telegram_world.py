"""A youthvoice `serve` (the same Service object) talking to the fake Telegram over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from textwrap import dedent

from bot import survey_admin
from bot.runtime import Runtime, open_runtime, open_storage
from bot.serve import Service
from bot.settings import load_settings
from conversations.messages import Inbound
from conversations.state import ParticipantState, session_to_json
from conversations.survey_loader import parse_survey
from storage.records import QueuedMessage, StepRecord
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.fakes.twilio_api import BOT_NUMBER, FakeTwilio, InboundResult
from tests.integration.helpers import DB_NAME, SETTING_PREFIXES, clean_env, command

SURVEY = dedent(
    """\
    spec_version: 1
    slug: buses
    title: Getting around
    keyword: BUSES
    ages: {min: 11, max: 25}
    purpose: We want to know how you get around, so the council can plan bus routes.
    audience: The council's transport team will read what you say.
    feedback_by: 2027-06-30
    questions:
      - id: how
        type: choice
        text: How do you usually get to school or college?
        options:
          - {id: bus, label: Bus}
          - {id: walk, label: Walk}
          - {id: lift, label: Someone gives me a lift}
      - id: problems
        type: multi
        text: What makes getting around hard?
        options:
          - {id: cost, label: It costs too much}
          - {id: late, label: Buses are late}
          - {id: unsafe, label: I don't feel safe}
      - id: safe
        type: scale
        text: How safe do you feel on the bus?
        min_label: Not safe
        max_label: Very safe
      - id: why
        type: text
        text: What would make you feel safer?
        show_if: {question: safe, in: [1, 2]}
      - id: night
        type: yes_no
        text: Do you travel after dark?
      - id: idea
        type: text
        text: What one thing would you change?
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serving(
    fake: FakeTelegram | None,
    tmp_path: Path,
    *,
    webhook: bool = False,
    rate: float = 30.0,
    per_chat_rate: float = 20.0,
    twilio: FakeTwilio | None = None,
    sms_rate: float = 10.0,
    quiet_hours: str = "00:00-00:00",
) -> AsyncIterator[tuple[Service, Runtime]]:
    """Telegram through `fake` and SMS through `twilio`, each when given.

    `per_chat_rate` is raised from the real 1/s so conversations in tests run quickly; the
    burst test keeps the real pace. No quiet hours unless asked for, so that what is sent
    does not depend on when the tests run."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            del os.environ[name]
    port = free_port()
    values = {
        "YOUTHVOICE_DATABASE": str(tmp_path / DB_NAME),
        "YOUTHVOICE_PORT": str(port),
        "YOUTHVOICE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "YOUTHVOICE_QUIET_HOURS": quiet_hours,
    }
    if fake is not None:
        values["TELEGRAM_BOT_TOKEN"] = fake.token
        values["TELEGRAM_API_BASE_URL"] = fake.url
        values["TELEGRAM_RATE_LIMIT"] = str(rate)
    if webhook:
        values["TELEGRAM_WEBHOOK_SECRET"] = "s3cret-token_for-tests"
    if twilio is not None:
        values["TWILIO_ACCOUNT_SID"] = twilio.account_sid
        values["TWILIO_AUTH_TOKEN"] = twilio.auth_token
        values["TWILIO_FROM_NUMBER"] = BOT_NUMBER
        values["TWILIO_API_BASE_URL"] = twilio.url
        values["SMS_RATE_LIMIT"] = str(sms_rate)
    settings = load_settings(**values)
    async with open_storage(settings) as storage:
        survey = parse_survey(SURVEY, "buses.yaml")
        await survey_admin.add_survey_source(storage, survey, SURVEY)
        await storage.set_survey_status("buses", "open", "2026-01-01T00:00:00+00:00")
    async with open_runtime(settings) as runtime:
        service = Service(runtime, telegram_per_chat_rate=per_chat_rate)
        await service.start()
        try:
            yield service, runtime
        finally:
            await service.stop()


def queued_step(
    runtime: Runtime,
    channel: str,
    address: str,
    body: str,
    key: str,
    *,
    purpose: str = "reply",
    priority: int = 0,
) -> StepRecord:
    """A step that only queues one message, as another process (or, later, invitations and
    follow-ups) would, without waking the running sender."""
    state = ParticipantState(last_seen=1.0, hear_about_new=True)
    sealed = runtime.keys.seal(address, "address")
    return StepRecord(
        pseudonym=runtime.keys.pseudonym(channel, address),
        channel=channel,
        message_id=f"queued-{key}",
        state=state,
        events=(),
        previous_response_id=None,
        response_id=None,
        session_json=session_to_json(state),
        now="2026-11-23T10:00:00+00:00",
        queued=(
            QueuedMessage(
                f"{purpose}:{key}", runtime.keys.seal(body, "outbox"), sealed, purpose, priority
            ),
        ),
    )


async def takes_part(
    runtime: Runtime, channel: str, address: str, *, age: str, hear_back: str, then: str = ""
) -> None:
    """A young person starts a survey by its keyword and answers the opening questions."""
    for text in (then.split("|")[0] or "buses", "yes", age, hear_back, "no", "1"):
        await runtime.dispatcher.handle(channel, address, Inbound(text=text, channel=channel))
    for text in then.split("|")[1:]:
        await runtime.dispatcher.handle(channel, address, Inbound(text=text, channel=channel))


def provider_settings(telegram: FakeTelegram | None, twilio: FakeTwilio | None) -> dict[str, str]:
    """The settings that point serve at the fakes given."""
    settings = {}
    if telegram is not None:
        settings |= {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.url}
    if twilio is not None:
        settings |= {
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": BOT_NUMBER,
            "TWILIO_API_BASE_URL": twilio.url,
        }
    return settings


def start_serve(
    folder: Path, fake: FakeTelegram | None, twilio: FakeTwilio | None = None, **more: str
) -> subprocess.Popen[str]:
    """`youthvoice serve` as its own process, on `folder`'s database, with its shipped limits
    (unless `more` settings change them), talking to Telegram through `fake` and to Twilio
    through `twilio` when given."""
    port = free_port()
    settings = {"YOUTHVOICE_PORT": str(port), "PTB_TIMEDELTA": "1", **more}
    settings |= provider_settings(fake, twilio)
    if twilio is not None:  # Twilio signs for the URL it was given
        settings["YOUTHVOICE_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env = clean_env(folder / DB_NAME, **settings)
    return subprocess.Popen(
        [*command(), "serve"],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Chatter:
    """One young person's Telegram chat with the bot, through the fake."""

    def __init__(self, fake: FakeTelegram, chat_id: int):
        self.fake = fake
        self.chat_id = chat_id
        self.seen = 0

    def says(self, text: str) -> int:
        return self.fake.user_says(self.chat_id, text, first_name="Zebedee", username="zeb_q")

    async def replies(self, count: int = 1, timeout: float = 10) -> list[SentMessage]:
        """Wait for the next `count` messages from the bot."""
        messages = await self.fake.wait_for_messages(self.chat_id, self.seen + count, timeout)
        new = messages[self.seen : self.seen + count]
        self.seen += count
        return new

    async def say(self, text: str, count: int = 1) -> SentMessage:
        self.says(text)
        return (await self.replies(count))[-1]

    async def tap(self, message: SentMessage, data: str, count: int = 1) -> SentMessage | None:
        self.fake.user_taps(self.chat_id, message.message_id, data)
        if count == 0:
            return None
        return (await self.replies(count))[-1]


PHONE = "+447700900123"


class Texter:
    """One young person's phone, texting the bot through the fake Twilio."""

    def __init__(self, fake: FakeTwilio, url: str, number: str = PHONE):
        self.fake = fake
        self.url = url
        self.number = number

    async def send(self, body: str, **options: str) -> InboundResult:
        result = await self.fake.text_in(self.url, self.number, body, **options)
        assert result.status_code == 200, result.twiml_text
        return result

    async def say(self, body: str) -> str:
        """The bot's answer, all its messages together."""
        return "\n\n".join((await self.send(body)).replies)


def inbound_url(runtime: Runtime) -> str:
    return f"{runtime.settings.public_url}/sms/inbound"


def raw_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob(f"{DB_NAME}*"))
