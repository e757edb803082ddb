"""What the dashboard's tests share: a survey answered by young people through the real
dispatcher, and a client logged in with an account of a given role."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import AsyncIterator, Iterable

import httpx

from bot import survey_admin
from bot.catalogue import SurveyCatalogue
from bot.dispatcher import Dispatcher
from bot.web.app import build_app
from conversations.messages import Inbound
from conversations.survey_loader import parse_survey
from storage.protocol import Storage
from tests.integration.helpers import dashboard_keys
from tests.integration.test_dashboard_auth import logged_in_as

SLUG = "youth-spaces"


def youth_spaces(questions: str) -> str:
    """The youth-spaces survey (keyword SPACES) with these questions (YAML list items)."""
    head = (
        "spec_version: 1\nslug: youth-spaces\ntitle: Youth spaces\nkeyword: SPACES\n"
        "purpose: To plan new youth spaces.\naudience: The youth service.\nquestions:\n"
    )
    return head + textwrap.indent(textwrap.dedent(questions), "  ")


async def answered(
    storage: Storage, source: str, talks: Iterable[tuple[str, str, Iterable[str]]]
) -> None:
    """Store and open the survey `source`, then have each (channel, address, messages) say
    its messages in turn."""
    survey = parse_survey(source, "survey.yaml")
    await survey_admin.add_survey_source(storage, survey, source)
    await storage.set_survey_status(survey.slug, "open", "2026-01-01T00:00:00+00:00")
    dispatcher = Dispatcher(storage, dashboard_keys(), SurveyCatalogue(storage))
    await dispatcher.start()
    for channel, address, messages in talks:
        for text in messages:
            await dispatcher.handle(channel, address, Inbound(text=text, channel=channel))


@contextlib.asynccontextmanager
async def signed_in(storage: Storage, role: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in with a new account of `role` (role@council.example)."""
    transport = httpx.ASGITransport(app=build_app(storage, keys=dashboard_keys()))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await logged_in_as(storage, client, role, email=f"{role}@council.example")
        yield client
