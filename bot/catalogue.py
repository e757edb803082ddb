"""The surveys the engine can offer: the open ones, and any version still in conversation.

Parsed survey files are cached by (slug, version), which never change once stored. The
list of open surveys is re-read when the database changes.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from conversations.context import YouSaidWeDid
from conversations.engine import EngineContext, OpenSurvey
from conversations.safeguarding import RiskPhrases
from conversations.survey_loader import SurveyInvalid, parse_survey
from storage.protocol import Storage

log = logging.getLogger(__name__)


class SurveyCatalogue:
    def __init__(self, storage: Storage, risk_phrases: RiskPhrases | None = None):
        self._storage = storage
        self._parsed: dict[tuple[str, int], OpenSurvey] = {}
        self._context = EngineContext(risk_phrases=risk_phrases)

    async def refresh(self) -> None:
        open_surveys: dict[str, OpenSurvey] = {}
        keywords: dict[str, str] = {}
        updates: dict[str, tuple[YouSaidWeDid, ...]] = {}
        for row in await self._storage.list_surveys():
            if row.status not in ("open", "closed"):
                continue
            try:
                found = self._remember(row.slug, row.version, row.source)
            except SurveyInvalid as exc:
                # Stored under older rules: one unreadable survey must not stop the others.
                log.warning("survey %s v%s cannot be read: %s", row.slug, row.version, exc)
                continue
            survey = found.survey
            title = survey.local(survey.title, survey.default_language)
            posts = await self._storage.feedback_log(row.slug)
            if posts:
                updates[row.slug] = tuple(YouSaidWeDid(title, p.said, p.did) for p in posts)
            if row.status != "open":
                continue
            open_surveys[row.slug] = found
            if survey.keyword:
                keywords[survey.keyword.upper()] = row.slug
        self._context = replace(
            self._context, open_surveys=open_surveys, keywords=keywords, updates=updates
        )

    def _remember(self, slug: str, version: int, source: str) -> OpenSurvey:
        key = (slug, version)
        if key not in self._parsed:
            self._parsed[key] = OpenSurvey(parse_survey(source, f"{slug} v{version}"), version)
        return self._parsed[key]

    async def survey_at(self, slug: str, version: int) -> OpenSurvey | None:
        found = self._parsed.get((slug, version))
        if found is not None:
            return found
        row = await self._storage.get_survey(slug, version)
        if row is None:
            return None
        try:
            return self._remember(slug, version, row.source)
        except SurveyInvalid:
            return None  # the engine then treats it as closed

    async def title(self, slug: str) -> str:
        """A survey's title in its first language (its slug when it cannot be read)."""
        row = await self._storage.get_survey(slug)
        if row is None:
            return slug
        found = await self.survey_at(slug, row.version)
        if found is None:
            return slug
        return found.survey.local(found.survey.title, found.survey.default_language)

    @property
    def open_surveys(self) -> dict[str, OpenSurvey]:
        return dict(self._context.open_surveys)

    def context(self, now: float, current: OpenSurvey | None) -> EngineContext:
        return replace(self._context, now=now, current=current)
