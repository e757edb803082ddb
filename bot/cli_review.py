"""`youthvoice review invite|inbox|reply` and `youthvoice user add`: care reviews and the
accounts of the staff who read them, from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from bot import review_codes, reviews
from bot.cli import Failure, _run
from bot.cli_operations import operator
from bot.keys import KeyRing, load_secret
from bot.runtime import open_storage, utc_now
from bot.settings import Settings
from bot.web.auth import ROLES, make_password_link

review_app = typer.Typer(
    help="Children in care: private views ahead of their review.", no_args_is_help=True
)
user_app = typer.Typer(help="Accounts of council staff.", no_args_is_help=True)
_EMAIL_SHAPE = "@"


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Failure(f"{option} must be a date as YYYY-MM-DD, not {text!r}", 2) from None


def _today(settings: Settings) -> date:
    return datetime.now(UTC).astimezone(settings.zone).date()


async def _bot_username(settings: Settings) -> str | None:
    """The Telegram bot's @username, asked of Telegram (None when Telegram is off or
    cannot be reached)."""
    if settings.telegram_bot_token is None:
        return None
    import aiohttp  # here: it takes a tenth of a second to import, which every command paid

    token = settings.telegram_bot_token.get_secret_value()
    url = f"{settings.telegram_api_base_url}/bot{token}/getMe"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.get(url) as answer,
        ):
            found = await answer.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    username = found.get("result", {}).get("username") if found.get("ok") else None
    return str(username) if username else None


@review_app.command("invite")
def review_invite(
    slug: str,
    due: Annotated[str, typer.Option("--due", help="The review's date, YYYY-MM-DD.")],
    worker: Annotated[str, typer.Option("--worker", help="The reviewing officer's account email.")],
) -> None:
    """A one-time code for one child's views ahead of their review on DUE."""
    due_date = _date(due, "--due")

    async def work(settings: Settings) -> tuple[reviews.Invitation, str | None, Settings]:
        keys = KeyRing(load_secret(settings))
        async with open_storage(settings) as storage:
            try:
                made = await reviews.invite(storage, keys, slug, due_date, worker, _today(settings))
            except reviews.ReviewError as exc:
                raise Failure(str(exc), 2) from None
        return made, await _bot_username(settings), settings

    made, username, settings = _run(work)
    print(f"Code: {made.code}")
    if username:
        print(f"Telegram link: {review_codes.deep_link(username, made.code)}")
    elif settings.telegram_bot_token is not None:
        print("Telegram link: (Telegram could not be reached to name the bot)")
    if settings.twilio_from_number:
        print(f"By text: send {made.code} to {settings.twilio_from_number}")
    elif settings.sms_enabled:
        print(f"By text: send {made.code} to the council's youthvoice number")
    print(
        f"For one child only; it works until {made.due.isoformat()}. "
        f"{review_codes.worker_words(made.worker)} will see what they choose to send."
    )


@review_app.command("inbox")
def review_inbox(
    worker: Annotated[
        str | None, typer.Option("--worker", help="Only this reviewing officer's children.")
    ] = None,
) -> None:
    """What each child chose to send, and who has not sent anything yet."""

    async def work(settings: Settings) -> list[reviews.InboxEntry]:
        keys = KeyRing(load_secret(settings))
        async with open_storage(settings) as storage:
            try:
                found = await reviews.inbox(storage, keys, worker, reader=operator())
            except reviews.ReviewError as exc:
                raise Failure(str(exc), 2) from None
            subject = worker or "every worker"
            await storage.audit(operator(), "review inbox read", subject, utc_now())
            return found

    entries = _run(work)
    if not entries:
        print("No reviews yet.")
    for entry in entries:
        reply = "; replied" if entry.replied else ""
        when = f" on {entry.decided_at[:10]}" if entry.decided_at else ""
        print(f"{entry.code}  {entry.slug}  review {entry.due}  {entry.worker.email}")
        print(f"  {entry.state}{when}{reply}")
        for answer in entry.answers:
            print(f"  - {answer.question}")
            print(f"    {answer.answer}")


@review_app.command("reply")
def review_reply(
    code: str,
    text: Annotated[str, typer.Option("--text", help="What happened because of what they said.")],
) -> None:
    """Send the worker's answer to the child with CODE, once, after the review."""

    async def work(settings: Settings) -> None:
        keys = KeyRing(load_secret(settings))
        async with open_storage(settings) as storage:
            try:
                await reviews.reply(storage, keys, code, text)
            except reviews.ReviewError as exc:
                raise Failure(str(exc), 2) from None

    _run(work)
    print("Queued; youthvoice serve sends it (outside quiet hours).")


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Shown to children, e.g. 'Sam Patel'.")
    ] = None,
) -> None:
    """Add an account for a member of staff."""
    email = email.strip()
    if _EMAIL_SHAPE not in email.strip("@") or " " in email:
        raise Failure(f"{email!r} is not an email address", 2)
    if role not in ROLES:
        raise Failure(f"--role must be one of {', '.join(ROLES)}, not {role!r}", 2)
    if name is not None and not name.strip():
        raise Failure("--name must not be empty", 2)

    async def work(settings: Settings) -> str | None:
        async with open_storage(settings) as storage:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            added = await storage.add_account(email, role, name and name.strip(), now)
            if added is None:
                return None
            return await make_password_link(storage, added, settings.public_url)

    link = _run(work)
    if link is None:
        raise Failure(f"{email} already has an account", 1)
    print(f"Added {email} as {role}.")
    print(f"To set their password, they open this link once, within 72 hours: {link}")
