"""The `youthvoice` command."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer

from bot import event_loop, survey_admin
from bot.export import ExportError, export_survey
from bot.feedback import FeedbackError
from bot.keys import KeyFileError
from bot.results import ResultsError, build_results, csv_rows, public_json
from bot.runtime import open_runtime, open_storage, utc_now
from bot.settings import Settings, SettingsError, load_settings
from conversations.survey import Survey
from conversations.survey_loader import SurveyInvalid, load_survey
from storage.protocol import StorageError

T = TypeVar("T")

app = typer.Typer(
    help="youthvoice: hear children and young people, and tell them what changed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
survey_app = typer.Typer(help="Check, store, open and close surveys.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")


class Failure(Exception):
    """An operator error: printed as one line, with an exit code."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise Failure(str(exc), 2) from None


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    settings = _settings()
    try:
        return event_loop.run(work(settings))
    except (
        StorageError,
        KeyFileError,
        survey_admin.SurveyNotFound,
        FeedbackError,
        ResultsError,
        ExportError,
    ) as exc:
        raise Failure(str(exc)) from None
    except SurveyInvalid as exc:  # a stored survey the current rules no longer accept
        more = len(exc.problems) - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        raise Failure(f"stored survey cannot be read: {exc.problems[0]}{extra}") from None


# --- demo ----------------------------------------------------------------------------------
@app.command()
def demo(
    survey: Annotated[
        str | None, typer.Option("--survey", help="A survey slug, or a survey file to try.")
    ] = None,
    name: Annotated[
        str, typer.Option("--as", help="The pretend young person (same name, same conversation).")
    ] = "console",
) -> None:
    """Talk to the bot in the terminal, as a young person would on their phone.

    Reads lines from standard input, so it can be scripted:
    printf 'yes\\n2\\n...' | youthvoice demo --survey better-services
    """
    from bot.channels.console import ConsoleChannel

    async def work(settings: Settings) -> None:
        async with open_storage(settings) as storage:
            slug = await _demo_survey(storage, survey)
        async with open_runtime(settings) as runtime:
            await ConsoleChannel(runtime.dispatcher, name).run(slug)

    _run(work)


async def _demo_survey(storage: Any, survey: str | None) -> str | None:
    """Make sure what the demo will show is stored and open; returns the slug to start."""
    if survey is None:
        if not await storage.list_surveys():
            await survey_admin.ensure_samples_open(storage)
        return None
    if Path(survey).is_file():
        try:
            loaded, _version, _changed = await survey_admin.add_survey_file(storage, survey)
        except SurveyInvalid as exc:  # as `survey validate` shows them: FILE:LINE: ...
            print(str(exc), file=sys.stderr)
            raise typer.Exit(1) from None
        await survey_admin.set_status(storage, loaded.slug, "open")
        return loaded.slug
    slug = survey.strip().lower()
    await survey_admin.ensure_samples_open(storage, only=slug)
    row = await storage.get_survey(slug)
    if row is None:
        raise Failure(f"no survey called '{survey}' (see: youthvoice survey list)")
    if row.status != "open":
        raise Failure(
            f"survey '{slug}' is {row.status}; open it with: youthvoice survey open {slug}"
        )
    if not (await survey_admin.load_stored_survey(storage, slug)).anonymous:
        raise Failure(
            f"'{slug}' is a review, which a child begins with their own code: make one with "
            f"youthvoice review invite {slug} --due DATE --worker EMAIL, then run "
            "youthvoice demo and type it"
        )
    return slug


@app.command()
def serve() -> None:
    """Run every configured channel, the HTTP server and the senders until SIGTERM/SIGINT."""
    from bot.serve import ServeError
    from bot.serve import serve as run_service

    try:
        _run(run_service)
    except ServeError as exc:
        raise Failure(str(exc), exc.code) from None


# --- surveys -------------------------------------------------------------------------------
@survey_app.command("validate")
def survey_validate(
    files: Annotated[list[Path], typer.Argument(help="Survey files to check.")],
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="sms: also list what each question costs by SMS."),
    ] = None,
) -> None:
    """Check survey files; prints FILE:LINE: field.path: message for each problem.

    A question that costs more than 2 SMS segments, and wording under-13s read that seems to
    need a reading age above about 9 or runs long, get a warning on stderr, which does not
    change the exit code.
    """
    if channel is not None and channel.lower() != "sms":
        raise Failure(f"--channel can only be sms, not '{channel}'", 2)
    problems = 0
    for file in files:
        try:
            survey = load_survey(file)
        except SurveyInvalid as exc:
            for problem in exc.problems:
                print(problem)
            problems += len(exc.problems)
            continue
        _report_sms_cost(file, survey, listed=channel is not None)
        _report_wording(file, survey)
    if problems:
        raise typer.Exit(1)
    print(f"{len(files)} survey file{'s' if len(files) != 1 else ''} OK")


def _report_sms_cost(file: Path, survey: Survey, *, listed: bool) -> None:
    """Warn about questions that cost too much by SMS; with `listed`, list every one."""
    from bot import sms_cost

    try:
        lines = sms_cost.text_lines(file.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        lines = {}
    for cost in sms_cost.question_costs(survey):
        if listed:
            print(sms_cost.report_line(str(file), cost))
        if cost.count.segments > sms_cost.MAX_SEGMENTS:
            line = lines.get(cost.index, 1)
            print(sms_cost.warning_line(str(file), line, cost), file=sys.stderr)


def _report_wording(file: Path, survey: Survey) -> None:
    """Warn about under-13 wording that reads above a reading age of about 9, or runs long."""
    from conversations.survey_loader import wording_warnings

    try:
        text = file.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return
    for warning in wording_warnings(text, survey, str(file)):
        print(warning, file=sys.stderr)


@survey_app.command("add")
def survey_add(file: Annotated[Path, typer.Argument(help="The survey file.")]) -> None:
    """Store a survey (a changed file becomes a new version); prints the slug."""

    async def work(settings: Settings) -> None:
        async with open_storage(settings) as storage:
            try:
                survey, version, changed = await survey_admin.add_survey_file(storage, file)
            except SurveyInvalid as exc:
                print(str(exc), file=sys.stderr)
                raise typer.Exit(1) from None
        note = f"version {version}" if changed else f"unchanged, version {version}"
        print(survey.slug)
        print(f"({note})", file=sys.stderr)

    _run(work)


@survey_app.command("list")
def survey_list() -> None:
    """Slug, title, status (draft/open/closed) and responses of every survey."""
    from rich.console import Console
    from rich.table import Table

    from conversations.survey_loader import parse_survey

    async def work(settings: Settings) -> None:
        async with open_storage(settings) as storage:
            rows = await storage.list_surveys()
        table = Table("slug", "title", "status", "responses", box=None)
        for row in rows:
            try:
                survey = parse_survey(row.source, row.slug)
                title = survey.local(survey.title, survey.default_language)
            except SurveyInvalid:
                title = "(cannot be read: check it with youthvoice survey validate)"
            table.add_row(row.slug, title, row.status, str(row.responses))
        if not rows:
            print("No surveys yet. Add one with: youthvoice survey add FILE")
        else:
            Console(width=200).print(table)

    _run(work)


def _status_command(status: str, slug: str) -> None:
    async def work(settings: Settings) -> None:
        async with open_storage(settings) as storage:
            await survey_admin.set_status(storage, slug, status)
        print(f"{slug} is now {status}")

    _run(work)


@survey_app.command("open")
def survey_open(
    slug: str,
    invite: Annotated[
        bool, typer.Option("--invite", help="Invite those who asked to hear about new surveys.")
    ] = False,
) -> None:
    """Make a survey live; with --invite, queue invitations (within the fatigue limit)."""
    _status_command("open", slug)
    if invite:
        from bot.invitations import invite as queue_invitations
        from bot.keys import KeyRing, load_secret

        async def work(settings: Settings) -> tuple[int, int, int]:
            keys = KeyRing(load_secret(settings))
            async with open_storage(settings) as storage:
                done = await queue_invitations(storage, keys, slug, settings.invites_per_30_days)
            return done.queued, done.held_back, done.not_for_them

        queued, held_back, other = _run(work)
        limit = _settings().invites_per_30_days
        print(
            f"{queued} invited; {held_back} held back (no more than {limit} invitations"
            f" in 30 days); {other} not invited (outside the ages, or already taken part"
            " or invited)"
        )


@survey_app.command("close")
def survey_close(slug: str) -> None:
    """Stop new answers; unfinished conversations are told politely when they next write."""
    _status_command("closed", slug)


# --- results and export ---------------------------------------------------------------------
@app.command()
def results(
    slug: str,
    by: Annotated[
        str | None, typer.Option("--by", help="Break down by this choice question.")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, csv or json.", case_sensitive=False)
    ] = "table",
    min_count: Annotated[
        int,
        typer.Option("--min-count", help="Hide counts below this (and what would reveal them)."),
    ] = 5,
) -> None:
    """Counts per answer, with small numbers suppressed."""
    output_format = output_format.lower()
    if output_format not in ("table", "csv", "json"):
        raise Failure("--format must be table, csv or json", 2)

    async def work(settings: Settings) -> dict[str, Any]:
        async with open_storage(settings) as storage:
            survey = await survey_admin.load_stored_survey(storage, slug)
            older = await survey_admin.load_older_versions(storage, slug)
            result = await build_results(storage, survey, min_count=min_count, by=by, older=older)
            result["title"] = survey.local(survey.title, survey.default_language)
            await storage.audit(_operator(), "results read", slug, utc_now())
            return result

    result = _run(work)
    if output_format == "json":
        print(json.dumps(public_json(result), ensure_ascii=False))
    elif output_format == "csv":
        csv.writer(sys.stdout).writerows(csv_rows(result))
    else:
        from bot.results_table import print_table

        print_table(result, min_count)


@app.command()
def export(
    slug: str,
    output: Annotated[Path, typer.Option("--output", help="FILE.csv, FILE.xlsx or FILE.json")],
) -> None:
    """One row per response (free text included, no identifiers)."""

    async def work(settings: Settings) -> int:
        async with open_storage(settings) as storage:
            survey = await survey_admin.load_stored_survey(storage, slug)
            count = await export_survey(storage, survey, output)
            await storage.audit(_operator(), "export written", f"{slug} to {output}", utc_now())
            return count

    count = _run(work)
    print(f"{count} response{'s' if count != 1 else ''} written to {output}")


def _operator() -> str:
    from bot.cli_operations import operator

    return operator()


# typer >= 0.20 carries its own copy of click, whose exceptions are not `click`'s.
_CLI_ERRORS: tuple[type[Exception], ...] = (
    click.ClickException,
    *((typer.TyperException,) if hasattr(typer, "TyperException") else ()),
)
_EXITS: tuple[type[BaseException], ...] = (click.exceptions.Exit, typer.Exit)
_ABORTS: tuple[type[BaseException], ...] = (click.exceptions.Abort, typer.Abort)


def _usage_error(exc: Exception) -> int:
    """A mistyped command line: one line naming the problem and where to find help."""
    code = int(getattr(exc, "exit_code", 2))
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: show what it offers
        print(str(getattr(exc, "message", exc)).rstrip(), file=sys.stderr)
        return code
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    ctx = getattr(exc, "ctx", None)
    hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    print(f"youthvoice: {message}{hint}", file=sys.stderr)
    return code


def _add_more_commands() -> None:
    from bot.cli_alerts import alerts_app
    from bot.cli_feedback import feedback_app
    from bot.cli_operations import audit_app, backup, restore
    from bot.cli_retention import purge
    from bot.cli_review import review_app, user_app

    app.add_typer(alerts_app, name="alerts")
    app.add_typer(feedback_app, name="feedback")
    app.add_typer(review_app, name="review")
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
    app.command()(backup)
    app.command()(restore)
    app.command()(purge)


_add_more_commands()


def main() -> None:
    try:
        # Not standalone, so our own Failure reaches us; click's Exit comes back as a code.
        code = app(standalone_mode=False)
    except Failure as exc:
        print(f"youthvoice: {exc}", file=sys.stderr)
        sys.exit(exc.code)
    except _EXITS as exc:
        sys.exit(getattr(exc, "exit_code", 0))
    except _ABORTS:
        print("youthvoice: stopped", file=sys.stderr)
        sys.exit(130)
    except _CLI_ERRORS as exc:
        sys.exit(_usage_error(exc))
    except KeyboardInterrupt:
        sys.exit(130)
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        sys.exit(code)


if __name__ == "__main__":
    main()
