"""Results pages of the dashboard, for coordinators: the same suppressed numbers as
`youthvoice results` (drawn from `build_results`), as tables with server-made SVG bar charts,
an optional breakdown, free-text answers with a search box, live response counts, and the
downloads of `youthvoice export`. Every view and download is written to the audit log.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import survey_admin
from bot.export import export_survey
from bot.results import BREAKDOWN_TYPES, ResultsError, build_results
from bot.runtime import utc_now
from bot.suppression import DEFAULT_MIN_COUNT
from bot.web.dashboard import HEADERS
from conversations.survey import Survey
from storage.records import WebSession

if TYPE_CHECKING:
    from bot.web.dashboard import Dashboard

ROLE = "coordinator"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The chart's geometry, in SVG user units.
LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT, BAR_HEIGHT = 190, 320, 30, 20
LIVE_SCRIPT = (Path(__file__).parent / "static" / "live.js").read_text("utf-8")


@dataclass(frozen=True)
class Bar:
    label: str
    count: int | None  # None: hidden
    y: int
    width: int


def _short(label: str, most: int = 26) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def bars(entry: dict[str, Any]) -> list[Bar]:
    """One bar per answer, scaled to the largest count shown (a hidden bar gets no length:
    the chart draws it hatched, with the word "hidden")."""
    shown = [c for c in entry["counts"].values() if c is not None]
    largest = max(shown, default=0) or 1
    return [
        Bar(
            label=_short(entry["labels"].get(value, value)),
            count=count,
            y=row * ROW_HEIGHT,
            width=0 if count is None else round(BAR_WIDTH * count / largest),
        )
        for row, (value, count) in enumerate(entry["counts"].items())
    ]


@dataclass(frozen=True)
class Group:
    """One answer of a breakdown chart: a bar for each answer of the "by" question."""

    label: str
    y: int
    bars: list[tuple[Bar, str]]  # each with its colour


# Each at least 4.5:1 on white, so the bars and their outlines stand out; the labels beside
# the bars say which is which, so colour is never the only cue.
COLOURS = ("#1d3557", "#00703c", "#912b88", "#a3400b", "#0b4f8a", "#505a5f")


def grouped_bars(entry: dict[str, Any], by_labels: dict[str, str]) -> list[Group]:
    """The breakdown as grouped bars, scaled to its largest count shown."""
    cells = entry["breakdown"]["counts"]
    shown = [c for row in cells.values() for c in row.values() if c is not None]
    largest = max(shown, default=0) or 1
    groups, y = [], 0
    for value, row in cells.items():
        group = Group(label=_short(entry["labels"].get(value, value)), y=y, bars=[])
        y += ROW_HEIGHT
        for index, (col, count) in enumerate(row.items()):
            width = 0 if count is None else round(BAR_WIDTH * count / largest)
            bar = Bar(label=_short(by_labels.get(col, col), 18), count=count, y=y, width=width)
            group.bars.append((bar, COLOURS[index % len(COLOURS)]))
            y += ROW_HEIGHT
        groups.append(group)
        y += ROW_HEIGHT // 2
    return groups


def _min_count(raw: str | None) -> int:
    if raw is None or raw.strip() == "":
        return DEFAULT_MIN_COUNT
    value = int(raw)  # ValueError for words: the caller says what is wrong
    if value < 1:
        raise ValueError(raw)
    return value


class ResultsPages:
    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.storage = dashboard.storage

    def routes(self) -> list[Route]:
        signed_in = self.dashboard.signed_in
        return [
            # Before /results/{slug}, which would otherwise take it for a slug.
            Route("/live.js", signed_in(self.script, ROLE), methods=["GET"]),
            Route("/results/{slug}", signed_in(self.results, ROLE), methods=["GET"]),
            Route("/results/{slug}/counts.json", signed_in(self.counts, ROLE), methods=["GET"]),
            Route(
                "/results/{slug}/download.csv", signed_in(self.download_csv, ROLE), methods=["GET"]
            ),
            Route(
                "/results/{slug}/download.xlsx",
                signed_in(self.download_xlsx, ROLE),
                methods=["GET"],
            ),
        ]

    async def _survey(self, request: Request) -> Survey | None:
        try:
            return await survey_admin.load_stored_survey(self.storage, request.path_params["slug"])
        except survey_admin.SurveyNotFound:
            return None

    def _not_found(self, session: WebSession) -> Response:
        return self.dashboard.page(
            "home.html", 404, title="No such survey", session=session, error="No such survey."
        )

    # --- the results page ----------------------------------------------------------------
    async def results(self, request: Request, session: WebSession) -> Response:
        survey = await self._survey(request)
        if survey is None:
            return self._not_found(session)
        params = request.query_params
        by = params.get("by") or None
        query = params.get("q", "").strip()
        error = None
        try:
            min_count = _min_count(params.get("min_count"))
        except ValueError:
            error = "The minimum count must be a whole number, 1 or more."
            min_count = DEFAULT_MIN_COUNT
        older = await survey_admin.load_older_versions(self.storage, survey.slug)
        try:
            result = await build_results(
                self.storage, survey, min_count=min_count, by=by, older=older
            )
        except ResultsError as exc:
            error, by = str(exc), None
            result = await build_results(self.storage, survey, min_count=min_count, older=older)
        await self.storage.audit(session.account.email, "results read", survey.slug, utc_now())
        language = survey.default_language
        texts = {q.id: survey.local(q.text, language) for q in survey.questions}
        return self.dashboard.page(
            "results.html",
            200 if error is None else 400,
            title=f"Results: {survey.local(survey.title, language)}",
            session=session,
            error=error,
            slug=survey.slug,
            result=result,
            texts=texts,
            bars={e["id"]: bars(e) for e in result["questions"] if e["type"] != "text"},
            groups={
                e["id"]: grouped_bars(e, result["by_labels"])
                for e in result["questions"]
                if e.get("breakdown")
            },
            free_text=await self._free_text(survey, result, min_count, query),
            by=by,
            by_choices=[(q.id, texts[q.id]) for q in survey.questions if q.type in BREAKDOWN_TYPES],
            min_count=min_count,
            query=query,
            geometry={
                "label": LABEL_WIDTH,
                "bar": BAR_WIDTH,
                "row": ROW_HEIGHT,
                "height": BAR_HEIGHT,
            },
        )

    async def _free_text(
        self, survey: Survey, result: dict[str, Any], min_count: int, query: str
    ) -> dict[str, dict[str, Any]]:
        """Each text question's answers, matching `query` (any case) when one is given; none
        at all when its number of answers is hidden or there are too few responses."""
        enough = result["responses"] >= min_count
        wanted = {
            e["id"]
            for e in result["questions"]
            if e["type"] == "text" and enough and e["answered"]  # None (hidden) or 0: none
        }
        answers: dict[str, list[str]] = {e["id"]: [] for e in result["questions"]}
        if wanted:
            for response in await self.storage.export_responses(survey.slug):
                for question_id in wanted:
                    answers[question_id] += response.answers.get(question_id, [])
        needle = query.casefold()
        return {
            e["id"]: {
                "shown": e["id"] in wanted,
                "total": len(answers[e["id"]]),
                "answers": sorted(
                    (a for a in answers[e["id"]] if needle in a.casefold()), key=str.casefold
                ),
            }
            for e in result["questions"]
            if e["type"] == "text"
        }

    # --- live counts ---------------------------------------------------------------------
    async def counts(self, request: Request, session: WebSession) -> Response:
        survey = await self._survey(request)
        if survey is None:
            return JSONResponse({"error": "no such survey"}, status_code=404, headers=HEADERS)
        # Not audited: the page polls it every 10 s, and it holds no answers.
        totals = await self.storage.response_totals(survey.slug)
        body = {"responses": totals.responses, "completed": totals.completed}
        return JSONResponse(body, headers=HEADERS)

    async def script(self, request: Request, session: WebSession) -> Response:
        return Response(LIVE_SCRIPT, media_type="text/javascript", headers=HEADERS)

    # --- downloads -----------------------------------------------------------------------
    async def download_csv(self, request: Request, session: WebSession) -> Response:
        return await self._download(request, session, "csv")

    async def download_xlsx(self, request: Request, session: WebSession) -> Response:
        return await self._download(request, session, "xlsx")

    async def _download(self, request: Request, session: WebSession, kind: str) -> Response:
        """Exactly what `youthvoice export` writes: one row per response, no identifiers."""
        survey = await self._survey(request)
        if survey is None:
            return self._not_found(session)
        with tempfile.TemporaryDirectory(prefix="youthvoice-export-") as folder:
            path = Path(folder) / f"{survey.slug}.{kind}"
            await export_survey(self.storage, survey, path)
            content = path.read_bytes()
        await self.storage.audit(
            session.account.email, "results downloaded", survey.slug, utc_now()
        )
        headers = dict(HEADERS)
        headers["Content-Disposition"] = f'attachment; filename="{survey.slug}.{kind}"'
        return Response(content, media_type=CONTENT_TYPES[kind], headers=headers)
