"""The dashboard's survey pages, for coordinators: the list, adding and editing a survey file
(every problem shown beside its line), opening and closing, invitations (counted first,
queued on confirmation) and a preview of the conversation on each channel.

They do what `youthvoice survey add/list/open --invite/close` do, with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot import survey_admin
from bot.invitations import invite
from bot.runtime import utc_now
from bot.web.page_group import PageGroup
from bot.web.survey_preview import CHANNELS, preview
from conversations import age_bands
from conversations.prompts import language_name
from conversations.survey import Survey
from conversations.survey_loader import (
    SurveyInvalid,
    SurveyProblem,
    parse_survey,
    wording_warnings,
)
from storage.records import SurveyRow, WebSession

if TYPE_CHECKING:
    pass

MAX_FILE = 200_000  # bytes; the largest sample survey is under 10 kB
PASTED = "survey.yaml"
STATUS_ACTIONS = {"open": "opened", "closed": "closed"}


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    problems: tuple[SurveyProblem, ...]


class SurveyPages(PageGroup):
    def routes(self) -> list[Route]:
        coordinator = self.route
        # /surveys/new comes before /surveys/{slug}, which would otherwise match it.
        return [
            coordinator(self.list_page, "GET", "/surveys"),
            coordinator(self.new_page, "GET", "/surveys/new"),
            coordinator(self.add, "POST", "/surveys/new"),
            coordinator(self.survey_page, "GET", "/surveys/{slug}"),
            coordinator(self.set_status, "POST", "/surveys/{slug}"),
            coordinator(self.edit_page, "GET", "/surveys/{slug}/edit"),
            coordinator(self.edit, "POST", "/surveys/{slug}/edit"),
            coordinator(self.invite_page, "GET", "/surveys/{slug}/invite"),
            coordinator(self.invite, "POST", "/surveys/{slug}/invite"),
            coordinator(self.preview_page, "GET", "/surveys/{slug}/preview"),
        ]

    # --- helpers -----------------------------------------------------------------------
    def _redirect(self, to: str) -> Response:
        from bot.web.dashboard import HEADERS

        return RedirectResponse(to, status_code=303, headers=HEADERS)

    async def _row(self, slug: str) -> SurveyRow | None:
        """The survey's current version with its responses, or None."""
        return next((r for r in await self.storage.list_surveys() if r.slug == slug), None)

    def _missing(self, session: WebSession, slug: str) -> Response:
        return self.dashboard.page(
            "surveys_missing.html", 404, title="No such survey", session=session, slug=slug
        )

    # --- the list ------------------------------------------------------------------------
    async def list_page(self, request: Request, session: WebSession) -> Response:
        surveys = [(row, _title(row)) for row in await self.storage.list_surveys()]
        return self.dashboard.page(
            "surveys.html", title="Surveys", session=session, surveys=surveys
        )

    # --- adding and editing --------------------------------------------------------------
    async def new_page(self, request: Request, session: WebSession) -> Response:
        return self._form(session, "Add a survey", "/surveys/new", "", ())

    async def add(self, request: Request, session: WebSession) -> Response:
        return await self._store(request, session, None)

    async def edit_page(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        row = await self._row(slug)
        if row is None:
            return self._missing(session, slug)
        return self._form(session, f"Edit {slug}", f"/surveys/{slug}/edit", row.source, ())

    async def edit(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        if await self._row(slug) is None:
            return self._missing(session, slug)
        return await self._store(request, session, slug)

    async def _store(self, request: Request, session: WebSession, slug: str | None) -> Response:
        """Validate what was sent (a file, else the text box) and store it, or show it again
        with its problems beside their lines (400, nothing stored)."""
        text, problems = await _submitted(request)
        survey: Survey | None = None
        if not problems:
            survey, problems = _check(text, slug)
        if survey is None or problems:
            title = "Add a survey" if slug is None else f"Edit {slug}"
            action = "/surveys/new" if slug is None else f"/surveys/{slug}/edit"
            return self._form(session, title, action, text, problems)
        version, changed = await survey_admin.add_survey_source(self.storage, survey, text)
        if changed:
            await self.storage.audit(
                session.account.email, "survey added", f"{survey.slug} v{version}", utc_now()
            )
        done = "stored" if changed else "unchanged"
        return self._redirect(f"/surveys/{survey.slug}?done={done}&version={version}")

    def _form(
        self,
        session: WebSession,
        title: str,
        action: str,
        text: str,
        problems: tuple[SurveyProblem, ...],
    ) -> Response:
        return self.dashboard.page(
            "surveys_form.html",
            400 if problems else 200,
            title=title,
            session=session,
            action=action,
            source=text,
            problems=problems,
            listing=_listing(text, problems) if problems else (),
            error=_count(problems) if problems else None,
        )

    # --- one survey ----------------------------------------------------------------------
    async def survey_page(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        row = await self._row(slug)
        if row is None:
            return self._missing(session, slug)
        survey, problems = _parsed(row)
        return self.dashboard.page(
            "surveys_page.html",
            title=_title(row),
            session=session,
            row=row,
            survey=survey,
            problems=problems,
            warnings=wording_warnings(row.source, survey, row.slug) if survey else (),
            questions=_questions(survey) if survey else (),
            languages=[language_name(code) for code in survey.languages] if survey else [],
            local=(lambda text: survey.local(text, survey.default_language)) if survey else str,
            notice=_notice(request),
        )

    async def set_status(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        if await self._row(slug) is None:
            return self._missing(session, slug)
        status = str((await request.form()).get("status", ""))
        if status not in STATUS_ACTIONS:
            return self._redirect(f"/surveys/{slug}")
        await survey_admin.set_status(self.storage, slug, status)
        action = f"survey {STATUS_ACTIONS[status]}"
        await self.storage.audit(session.account.email, action, slug, utc_now())
        return self._redirect(f"/surveys/{slug}?done={STATUS_ACTIONS[status]}")

    # --- invitations ---------------------------------------------------------------------
    async def invite_page(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        row = await self._row(slug)
        if row is None:
            return self._missing(session, slug)
        survey, problems = _parsed(row)
        counts = None
        if survey is not None:
            counts = await invite(
                self.storage, self.dashboard.keys, slug, self._limit(), dry_run=True
            )
        return self.dashboard.page(
            "surveys_invite.html",
            title=f"Open {slug} and invite",
            session=session,
            row=row,
            counts=counts,
            limit=self._limit(),
            error="This survey cannot be read; edit it first." if problems else None,
        )

    async def invite(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        row = await self._row(slug)
        if row is None:
            return self._missing(session, slug)
        if _parsed(row)[0] is None:
            return self._redirect(f"/surveys/{slug}/invite")
        # As `survey open --invite`: live first, then the invitations.
        if row.status != "open":
            await survey_admin.set_status(self.storage, slug, "open")
            await self.storage.audit(session.account.email, "survey opened", slug, utc_now())
        done = await invite(self.storage, self.dashboard.keys, slug, self._limit())
        await self.storage.audit(
            session.account.email,
            "invitations queued",
            f"{slug}: {done.queued} queued, {done.held_back} held back",
            utc_now(),
        )
        return self._redirect(
            f"/surveys/{slug}?done=invited&queued={done.queued}&held={done.held_back}"
        )

    def _limit(self) -> int:
        return self.dashboard.invites_per_30_days

    # --- preview -------------------------------------------------------------------------
    async def preview_page(self, request: Request, session: WebSession) -> Response:
        slug = request.path_params["slug"]
        row = await self._row(slug)
        if row is None:
            return self._missing(session, slug)
        survey = _parsed(row)[0]
        if survey is None:
            return self._redirect(f"/surveys/{slug}")
        query = request.query_params
        band = query.get("band", "13_15")
        band = band if band in age_bands.BANDS else "13_15"
        language = query.get("language", survey.default_language)
        language = language if language in survey.languages else survey.default_language
        channel = query.get("channel", "telegram")
        channel = channel if channel in CHANNELS else "telegram"
        return self.dashboard.page(
            "surveys_preview.html",
            title=f"Preview of {slug}",
            session=session,
            row=row,
            preview=preview(survey, row.version, band, language, channel),
            band=band,
            bands=age_bands.LABELS,
            language=language,
            languages=[(code, language_name(code)) for code in survey.languages],
            channel=channel,
            channels={"telegram": "Telegram", "sms": "SMS"},
        )


# --- pure helpers ----------------------------------------------------------------------------
async def _submitted(request: Request) -> tuple[str, tuple[SurveyProblem, ...]]:
    """The survey text sent: an uploaded file when one was chosen, else the text box."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            raw = await upload.read(MAX_FILE + 1)
        finally:
            await upload.close()
        name = upload.filename
        if len(raw) > MAX_FILE:
            message = f"the file is bigger than {MAX_FILE // 1000} kB; is it a survey file?"
            return "", (SurveyProblem(name, 1, "(file)", message),)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            bad_line = raw[: error.start].count(b"\n") + 1
            message = f"the file is not UTF-8 text (see line {bad_line}); save it as UTF-8"
            return "", (SurveyProblem(name, 1, "(file)", message),)
    else:
        text = str(form.get("source", ""))
    # Browsers send a text box's lines ending in CRLF; a stored file uses LF.
    return text.replace("\r\n", "\n"), ()


def _check(text: str, slug: str | None) -> tuple[Survey | None, tuple[SurveyProblem, ...]]:
    try:
        survey = parse_survey(text, PASTED)
    except SurveyInvalid as exc:
        return None, exc.problems
    if slug is not None and survey.slug != slug:
        line = next(
            (n for n, t in enumerate(text.split("\n"), 1) if t.startswith("slug:")),
            1,
        )
        message = f"must stay {slug} here; to add another survey, use Add a survey"
        return None, (SurveyProblem(PASTED, line, "slug", message),)
    return survey, ()


def _parsed(row: SurveyRow) -> tuple[Survey | None, tuple[SurveyProblem, ...]]:
    try:
        return parse_survey(row.source, f"{row.slug} v{row.version}"), ()
    except SurveyInvalid as exc:  # stored under older rules
        return None, exc.problems


def _title(row: SurveyRow) -> str:
    survey, _problems = _parsed(row)
    if survey is None:
        return f"{row.slug} (cannot be read: edit it to see why)"
    return survey.local(survey.title, survey.default_language)


def _listing(text: str, problems: tuple[SurveyProblem, ...]) -> list[Line]:
    """The text line by line, each with the problems found on it."""
    lines = text.split("\n")
    last = max(1, len(lines))
    found: dict[int, list[SurveyProblem]] = {}
    for problem in problems:
        found.setdefault(min(max(problem.line, 1), last), []).append(problem)
    return [Line(n, line, tuple(found.get(n, ()))) for n, line in enumerate(lines, 1)]


def _count(problems: tuple[SurveyProblem, ...]) -> str:
    many = len(problems) != 1
    return (
        f"This survey has {len(problems)} problem{'s' if many else ''}, listed below and "
        "beside {their} lines. Nothing was stored.".format(their="their" if many else "its")
    )


def _questions(survey: Survey) -> list[tuple[str, str, str, list[str]]]:
    """Each question as (id, type, text, its options or scale in words)."""
    language = survey.default_language
    shown: list[tuple[str, str, str, list[str]]] = []
    for question in survey.questions:
        answers = [survey.local(option.label, language) for option in question.options]
        if question.type == "scale":
            low = f" ({survey.local(question.min_label, language)})" if question.min_label else ""
            high = f" ({survey.local(question.max_label, language)})" if question.max_label else ""
            answers = [f"{question.min}{low} to {question.max}{high}"]
        text = survey.local(question.text, language)
        shown.append((question.id, question.type, text, answers))
    return shown


def _notice(request: Request) -> str | None:
    """The message after an action, from fixed wordings (never text from the address)."""
    query = request.query_params
    done = query.get("done")

    def number(name: str) -> int:
        value = query.get(name, "0")
        return int(value) if value.isdigit() else 0

    if done == "stored":
        return f"Stored as version {number('version')}."
    if done == "unchanged":
        return f"That is the same as the stored version {number('version')}; nothing changed."
    if done in ("opened", "closed"):
        return f"The survey is now {'open' if done == 'opened' else 'closed'}."
    if done == "invited":
        return (
            f"The survey is open. {number('queued')} invitations queued; "
            f"{number('held')} held back by the limit."
        )
    return None
