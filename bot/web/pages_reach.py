"""Participation reach in the dashboard, for coordinators: how many responses came from each
age band, channel and month (and each answer to one chosen choice question, such as where
people live), for one survey or all, so the council can see whose voices are missing.

Counts only (GROUP BY in SQL, no personal data), with small-number suppression: a count from
1 to 4 is shown as "fewer than 5", and further counts are hidden where a hidden one could
otherwise be worked out from the total (bot/suppression.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.suppression import DEFAULT_MIN_COUNT, suppress_question
from conversations import age_bands
from conversations.survey import Survey
from conversations.survey_loader import parse_survey
from storage.records import SurveyRow, WebSession

if TYPE_CHECKING:
    from bot.web.dashboard import Dashboard


@dataclass(frozen=True)
class ReachTable:
    caption: str
    heading: str
    rows: tuple[tuple[str, str], ...]  # (label, count as shown)
    total: str


def shown(value: int | None) -> str:
    return f"fewer than {DEFAULT_MIN_COUNT}" if value is None else str(value)


def reach_table(
    caption: str, heading: str, counts: dict[str, int], labels: dict[str, str] | None = None
) -> ReachTable:
    """One breakdown, suppressed: every response is counted once, so the counts add up to
    the total and secondary suppression keeps hidden counts from being worked out."""
    total = sum(counts.values())
    published = suppress_question(counts, total)
    rows = tuple(
        ((labels or {}).get(key, key), shown(value)) for key, value in published.counts.items()
    )
    return ReachTable(caption, heading, rows, shown(published.answered))


def _parsed(row: SurveyRow | None) -> Survey | None:
    if row is None:
        return None
    try:
        return parse_survey(row.source, f"{row.slug} v{row.version}")
    except Exception:  # an unreadable old version: show ids instead of labels
        return None


CHANNELS = {"telegram": "Telegram", "sms": "SMS"}


class ReachPages:
    def __init__(self, dashboard: Dashboard):
        self.dashboard = dashboard

    def routes(self) -> list[Route]:
        reach = self.dashboard.signed_in(self.reach, "coordinator")
        return [Route("/reach", reach, methods=["GET"])]

    async def reach(self, request: Request, session: WebSession) -> Response:
        storage = self.dashboard.storage
        surveys = await storage.list_surveys()
        slugs = sorted({row.slug for row in surveys})
        slug = request.query_params.get("survey") or None
        if slug is not None and slug not in slugs:
            slug = None
        survey = _parsed(await storage.get_survey(slug)) if slug is not None else None
        choices: dict[str, str] = {}
        if survey is not None:
            language = survey.default_language
            for question in survey.questions:
                if question.type == "choice":
                    choices[question.id] = survey.local(question.text, language)
        by = request.query_params.get("by") or None
        if by is not None and by not in choices:
            by = None
        counts = await storage.reach_counts(slug, by)
        # Every age band and channel is listed, so a group nobody has heard from shows as 0.
        by_band = {band: 0 for band in age_bands.BANDS} | counts.by_age_band
        by_channel = {channel: 0 for channel in CHANNELS} | counts.by_channel
        tables = [
            reach_table("Responses by age band", "Age band", by_band, age_bands.LABELS),
            reach_table("Responses by channel", "Channel", by_channel, CHANNELS),
            reach_table("Responses by month", "Month", counts.by_month),
        ]
        if by is not None and survey is not None:
            question = survey.question(by)
            labels = {
                o.id: survey.local(o.label, survey.default_language) for o in question.options
            }
            tables.append(
                reach_table(
                    f"Responses by answer to: {choices[by]}", "Answer", counts.by_answer, labels
                )
            )
        return self.dashboard.page(
            "reach.html",
            title="Participation reach",
            session=session,
            slugs=slugs,
            slug=slug,
            choices=choices,
            by=by,
            total=shown(suppress_question({"all": counts.total}, counts.total).answered),
            tables=tables,
            min_count=DEFAULT_MIN_COUNT,
        )
