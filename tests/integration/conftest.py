"""Fixtures for in-process integration tests: the real runtime on a database in tmp_path."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot import survey_admin
from bot.runtime import Runtime, open_runtime, open_storage
from bot.settings import Settings, load_settings
from bot.web.app import build_app
from conversations.messages import Inbound
from storage.protocol import Storage
from tests.integration.helpers import DB_NAME, SETTING_PREFIXES, dashboard_keys


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as `open_runtime` gets them, with nothing from this machine's environment."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no ./.env from elsewhere
    return load_settings(YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME))


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The dispatcher as `youthvoice demo` and `serve` build it, with the samples open."""
    async with open_storage(settings) as storage:
        await survey_admin.ensure_samples_open(storage)
    async with open_runtime(settings) as opened:
        yield opened


class Person:
    """One young person writing in on one channel, through the real dispatcher."""

    def __init__(self, runtime: Runtime, channel: str, address: str):
        self.runtime = runtime
        self.channel = channel
        self.address = address

    @property
    def pseudonym(self) -> bytes:
        return self.runtime.keys.pseudonym(self.channel, self.address)

    async def say(
        self,
        text: str | None = None,
        *,
        start: str | None = None,
        opened: bool = False,
        message_id: str | None = None,
    ) -> str:
        inbound = Inbound(text=text, start=start, channel=self.channel, opened=opened)
        replies = await self.runtime.dispatcher.handle(
            self.channel, self.address, inbound, message_id
        )
        return "\n\n".join(reply.text for reply in replies)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    """A storage on a new database in tmp_path, for the dashboard's tests."""
    settings = load_settings(YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME))
    async with open_storage(settings) as opened:
        yield opened


@pytest.fixture
async def client(storage: Storage) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP application `serve` runs, on `storage`, through httpx (not logged in)."""
    transport = httpx.ASGITransport(app=build_app(storage, keys=dashboard_keys()))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
