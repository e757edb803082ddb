"""Golden transcripts (tests/transcripts/*.yaml), each run over every channel: the console,
Telegram (through the fake Bot API) and SMS (signed webhooks through the fake Twilio).

A transcript says what a young person sends and words the bot's answer must (or must not)
contain, so it holds whatever each channel does with buttons, numbering and line breaks;
then what was stored.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels import console
from bot.channels.sms_text import to_gsm
from bot.runtime import Runtime
from conversations.messages import Inbound
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, rows
from tests.integration.telegram_world import serving

TRANSCRIPTS = sorted((Path(__file__).parents[1] / "transcripts").glob("*.yaml"))
CHANNELS = ["console", "telegram", "sms"]
CHAT = 7_700_900_123
PHONE = "+447700900123"
QUIET = 0.3  # seconds with no new Telegram message: the bot has finished answering

Say = Callable[[str], Awaitable[str]]


def plain(text: str) -> str:
    """Lower case, plain characters, single spaces: what a transcript's words are held to."""
    text = to_gsm(unicodedata.normalize("NFKC", text)).casefold()
    return re.sub(r"\s+", " ", text).strip()


@asynccontextmanager
async def talking(channel: str, tmp_path: Path) -> AsyncIterator[tuple[Say, Runtime]]:
    if channel == "telegram":
        async with FakeTelegram() as fake, serving(fake, tmp_path) as (_s, runtime):
            seen = 0

            async def say_telegram(text: str) -> str:
                nonlocal seen
                fake.user_says(CHAT, text)
                await asyncio.sleep(QUIET)
                while True:  # until the bot has been quiet for a moment
                    count = len(fake.messages_to(CHAT))
                    await asyncio.sleep(QUIET)
                    if len(fake.messages_to(CHAT)) == count:
                        break
                new = fake.messages_to(CHAT)[seen:]
                seen += len(new)
                # The buttons are part of what the young person sees.
                return "\n\n".join(
                    "\n".join([message.text, *(text for text, _data in message.buttons)])
                    for message in new
                )

            yield say_telegram, runtime
    elif channel == "sms":
        async with FakeTwilio() as twilio, serving(None, tmp_path, twilio=twilio) as (_s, rt):
            url = f"{rt.settings.public_url}/sms/inbound"

            async def say_sms(text: str) -> str:
                result = await twilio.text_in(url, PHONE, text)
                assert result.status_code == 200
                return "\n\n".join(result.replies)

            yield say_sms, rt
    else:
        async with serving(None, tmp_path) as (_s, runtime):

            async def say_console(text: str) -> str:
                inbound = Inbound(text=text, channel="console")
                replies = await runtime.dispatcher.handle("console", "kim", inbound)
                return "\n\n".join(console.render(reply) for reply in replies)

            yield say_console, runtime


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda path: path.stem)
async def test_transcript(tmp_path: Path, path: Path, channel: str) -> None:
    script: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    async with talking(channel, tmp_path) as (say, runtime):
        for number, step in enumerate(script["steps"], start=1):
            answer = plain(await say(str(step["send"])))
            where = f"{path.name} step {number} ({step['send']!r}) on {channel}: {answer!r}"
            if step.get("silent"):
                assert answer == "", where
            for words in step.get("expect", []):
                assert plain(words) in answer, where
            for words in step.get("absent", []):
                assert plain(words) not in answer, where
        counts = await runtime.storage.answer_counts("buses")
        for question, expected in script.get("answers", {}).items():
            assert counts[question] == {str(k): v for k, v in expected.items()}, question
    if "alerts" in script:
        assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM alerts") == [(script["alerts"],)]
