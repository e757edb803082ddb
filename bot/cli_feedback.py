"""`youthvoice feedback send|status`: "You Said, We Did" from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import Failure, _run
from bot.feedback import FeedbackError, send_feedback
from bot.keys import KeyRing, load_secret
from bot.runtime import open_storage
from bot.settings import Settings
from bot.survey_admin import load_stored_survey

feedback_app = typer.Typer(help='"You Said, We Did": tell young people what changed.')
STATUSES = ("queued", "sent", "delivered", "failed")


@feedback_app.command("send")
def feedback_send(
    slug: str,
    said: Annotated[str, typer.Option("--said", help="What young people said.")],
    did: Annotated[str, typer.Option("--did", help="What the council did about it.")],
) -> None:
    """Queue the message to everyone who took part in SLUG and asked to hear back."""

    async def work(settings: Settings) -> tuple[int, int]:
        keys = KeyRing(load_secret(settings))
        async with open_storage(settings) as storage:
            try:
                sent = await send_feedback(storage, keys, slug, said, did)
            except FeedbackError as exc:
                raise Failure(str(exc), 2) from None
        return sent.queued, sent.recipients

    queued, recipients = _run(work)
    already = recipients - queued
    note = f" ({already} already had this one)" if already > 0 else ""
    print(f"{queued} queued{note}; youthvoice serve sends them.")


@feedback_app.command("status")
def feedback_status(slug: str) -> None:
    """Queued, sent, delivered and failed counts of SLUG's feedback messages."""

    async def work(settings: Settings) -> dict[str, int]:
        async with open_storage(settings) as storage:
            await load_stored_survey(storage, slug)  # a clear error for an unknown slug
            return await storage.feedback_status(slug)

    counts = _run(work)
    # A message being handed to the provider right now still counts as queued.
    counts["queued"] = counts.get("queued", 0) + counts.pop("sending", 0)
    for status in STATUSES:
        print(f"{status}: {counts.get(status, 0)}")
    cancelled = counts.get("cancelled", 0)
    if cancelled:
        print(f"cancelled (the young person stopped or deleted): {cancelled}")
