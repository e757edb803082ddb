"""`youthvoice purge`: deletes, now, what the daily purge in `serve` would (bot/retention.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import retention
from bot.cli import _run
from bot.cli_operations import operator
from bot.runtime import open_storage
from bot.settings import Settings


def purge() -> None:
    """Delete what is no longer needed: contact details nothing more is owed to, expired
    conversations, old care reviews, old message ids and logins. Safe while serve runs."""

    async def work(settings: Settings) -> retention.PurgeReport:
        async with open_storage(settings) as storage:
            return await retention.purge(storage, settings, datetime.now(UTC), operator())

    report = _run(work)
    print(f"Purged: {report.summary()}.")
