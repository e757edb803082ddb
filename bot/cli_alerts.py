"""`youthvoice alerts list|ack`: safeguarding alerts from the command line, without their
text (that is read on the dashboard, where each reading is audited). Listing is audited as
"alerts listed"; acknowledging as "alert acknowledged", by whoever `--by` names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli import Failure, _run
from bot.keys import KeyRing, load_secret
from bot.runtime import open_storage
from bot.settings import Settings
from bot.web.pages_alerts import MAX_NOTE, NOTE_PURPOSE
from storage.records import AlertDelivery

alerts_app = typer.Typer(
    help="Safeguarding alerts: list them, acknowledge them.", no_args_is_help=True
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _local(stamp: str, settings: Settings) -> str:
    return f"{datetime.fromisoformat(stamp).astimezone(settings.zone):%Y-%m-%d %H:%M}"


def _state(delivery: AlertDelivery, settings: Settings) -> str:
    alert = delivery.alert
    if alert.acknowledged_at is None:
        parts = ["open"]
    else:
        when = _local(alert.acknowledged_at, settings)
        parts = [f"acknowledged by {alert.acknowledged_by or 'someone'} at {when}"]
    if delivery.lead_emailed_at or delivery.lead_posted_at:
        parts.append("sent to lead")
    elif delivery.attempts:
        parts.append(f"not sent yet ({delivery.attempts} failed tries)")
    elif alert.acknowledged_at is None:
        parts.append("not sent yet" if settings.alerts_delivered else "not sent (none set up)")
    if delivery.deputy_emailed_at or delivery.deputy_posted_at:
        parts.append("escalated")
    return "; ".join(parts)


@alerts_app.command("list")
def alerts_list() -> None:
    """Every alert (oldest first): when, survey, channel, category, and where it stands."""

    async def work(settings: Settings) -> tuple[Settings, list[AlertDelivery]]:
        async with open_storage(settings) as storage:
            found = await storage.alert_deliveries()
            await storage.audit("operator", "alerts listed", f"{len(found)} alert(s)", _now())
            return settings, found

    settings, rows = _run(work)
    if not rows:
        print("No safeguarding alerts.")
    for delivery in rows:
        alert = delivery.alert
        print(
            f"#{alert.id}  {_local(alert.created_at, settings)}  {alert.slug or 'no survey'}"
            f"  {alert.channel}  {alert.category}  {_state(delivery, settings)}"
        )


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert's number.")],
    note: Annotated[
        str | None, typer.Option("--note", help="What was done (kept encrypted).")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who acknowledges it.")] = "operator",
) -> None:
    """Acknowledge alert ID: someone has it in hand, so it is not escalated."""
    by = by.strip()
    if not by:
        raise Failure("--by must not be empty", 2)
    if note is not None and not note.strip():
        raise Failure("--note must not be empty", 2)
    if note is not None and len(note) > MAX_NOTE:
        raise Failure(f"--note must be at most {MAX_NOTE} characters", 2)

    async def work(settings: Settings) -> None:
        async with open_storage(settings) as storage:
            found = await storage.alert(alert_id)
            if found is None:
                raise Failure(f"no alert #{alert_id}")
            if found.acknowledged_at is not None:
                raise Failure(
                    f"alert #{alert_id} was acknowledged already, by"
                    f" {found.acknowledged_by or 'someone'} at"
                    f" {_local(found.acknowledged_at, settings)}"
                )
            sealed = None
            if note is not None:
                sealed = KeyRing(load_secret(settings)).seal(note.strip(), NOTE_PURPOSE)
            # Audited (as "alert acknowledged", by `by`) in the same transaction.
            if not await storage.acknowledge_alert(alert_id, by, sealed, _now()):
                raise Failure(f"alert #{alert_id} was acknowledged already")

    _run(work)
    print(f"Alert #{alert_id} acknowledged by {by}; it will not be escalated.")
