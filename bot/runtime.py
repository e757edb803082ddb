"""Opening everything a command needs: settings, the key, storage, surveys, the dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.catalogue import SurveyCatalogue
from bot.dispatcher import Dispatcher
from bot.keys import KeyRing, load_secret
from bot.settings import Settings
from storage.sqlite import SqliteStorage


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Runtime:
    settings: Settings
    storage: SqliteStorage
    keys: KeyRing
    catalogue: SurveyCatalogue
    dispatcher: Dispatcher


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[SqliteStorage]:
    storage = await SqliteStorage.open(settings.database, utc_now())
    try:
        yield storage
    finally:
        await storage.close()


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    keys = KeyRing(load_secret(settings))
    async with open_storage(settings) as storage:
        catalogue = SurveyCatalogue(storage)
        dispatcher = Dispatcher(storage, keys, catalogue, zone=settings.zone)
        await dispatcher.start()
        yield Runtime(settings, storage, keys, catalogue, dispatcher)
