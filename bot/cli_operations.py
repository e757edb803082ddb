"""`youthvoice audit verify|list`, `youthvoice backup FILE` and `youthvoice restore FILE`:
keeping the database safe and showing that nobody has rewritten its history."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import Failure, _run, _settings
from bot.runtime import open_storage, utc_now
from bot.settings import Settings
from storage import backup as backups
from storage.audit_chain import AuditEntry
from storage.protocol import StorageError

audit_app = typer.Typer(help="The audit log: who read or changed what.", no_args_is_help=True)


def operator() -> str:
    """Who is at the command line, as the audit log names them."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"operator ({user})"


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain: no entry changed, removed, added or reordered."""

    async def work(settings: Settings) -> tuple[int, list[str]]:
        async with open_storage(settings) as storage:
            return await storage.verify_audit()

    count, problems = _run(work)
    if problems:
        for problem in problems:
            print(f"youthvoice: {problem}", file=sys.stderr)
        raise typer.Exit(1)
    print(f"audit log intact: {count} entr{'y' if count == 1 else 'ies'}")


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many of the newest.")] = 50,
) -> None:
    """The newest entries of the audit log, oldest first."""

    async def work(settings: Settings) -> list[AuditEntry]:
        async with open_storage(settings) as storage:
            return await storage.audit_log(limit)

    entries = _run(work)
    if not entries:
        print("The audit log is empty.")
    for entry in entries:
        print(f"{entry.id}  {entry.at}  {entry.actor}  {entry.action}  {entry.subject}")


def _audit(settings: Settings, action: str, subject: str) -> None:
    async def work(settings: Settings) -> None:
        async with open_storage(settings) as storage:
            await storage.audit(operator(), action, subject, utc_now())

    _run(work)


def _key_reminder(settings: Settings) -> str:
    where = (
        "YOUTHVOICE_SECRET_KEY in your settings"
        if settings.secret_key is not None
        else f"the key file {settings.key_file}"
    )
    return (
        f"Remember: this backup cannot be read without {where}. Back it up separately"
        " (not beside this file) and keep it safe."
    )


def _print_report(report: backups.DatabaseReport) -> None:
    print(f"integrity check: ok; {report.size:,} bytes")
    width = max((len(name) for name in report.rows), default=0)
    for name, count in report.rows.items():
        print(f"  {name:<{width}}  {count}")


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """A consistent copy of the database, safe while serve runs; checked, then renamed into
    place."""
    settings = _settings()
    try:
        report = backups.backup(settings.database, file, force=force)
    except StorageError as exc:
        raise Failure(str(exc)) from None
    _audit(settings, "backup written", str(file))
    print(f"backup written to {file}")
    _print_report(report)
    print(_key_reminder(settings))


def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by youthvoice backup.")],
) -> None:
    """Replace the database by a backup (serve must be stopped); the current one is kept."""
    settings = _settings()
    try:
        done = backups.restore(file, settings.database)
    except StorageError as exc:
        raise Failure(str(exc)) from None
    _audit(settings, "database restored", f"from {file}")
    print(f"restored {file} to {settings.database}")
    if done.kept is not None:
        print(f"the database it replaced is kept as {done.kept}")
    _print_report(done.report)
    print(
        "It can only be read with the secret key it was made with"
        f" ({'YOUTHVOICE_SECRET_KEY' if settings.secret_key else settings.key_file})."
    )
