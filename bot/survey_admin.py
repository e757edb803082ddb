"""Adding, opening and closing surveys: what `youthvoice survey ...` does, without the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.runtime import utc_now
from conversations.survey import Survey
from conversations.survey_loader import load_survey, parse_survey, sample_survey_paths
from storage.protocol import Storage


class SurveyNotFound(LookupError):
    pass


async def add_survey_file(storage: Storage, path: str | Path) -> tuple[Survey, int, bool]:
    """Validate and store a survey file (raises SurveyInvalid); a changed file is a new version."""
    survey = load_survey(path)
    source = Path(path).read_text("utf-8")
    return survey, *await add_survey_source(storage, survey, source)


async def add_survey_source(storage: Storage, survey: Survey, source: str) -> tuple[int, bool]:
    sha = hashlib.sha256(source.encode()).hexdigest()
    return await storage.add_survey(survey.slug, source, sha, utc_now())


async def set_status(storage: Storage, slug: str, status: str) -> None:
    row = await storage.get_survey(slug)
    if row is None:
        raise SurveyNotFound(f"no survey called '{slug}' (see: youthvoice survey list)")
    await storage.set_survey_status(slug, status, utc_now())


async def load_stored_survey(storage: Storage, slug: str) -> Survey:
    row = await storage.get_survey(slug)
    if row is None:
        raise SurveyNotFound(f"no survey called '{slug}' (see: youthvoice survey list)")
    return parse_survey(row.source, f"{slug} v{row.version}")


async def load_older_versions(storage: Storage, slug: str) -> list[Survey]:
    """The versions of a survey before the current one, newest first."""
    row = await storage.get_survey(slug)
    if row is None:
        raise SurveyNotFound(f"no survey called '{slug}' (see: youthvoice survey list)")
    older = []
    for version in range(row.version - 1, 0, -1):
        old = await storage.get_survey(slug, version)
        if old is not None:
            older.append(parse_survey(old.source, f"{slug} v{version}"))
    return older


async def ensure_samples_open(storage: Storage, only: str | None = None) -> list[str]:
    """For the demo: add and open the shipped sample surveys that are not there yet."""
    added = []
    for path in sample_survey_paths():
        survey = load_survey(path)
        if only is not None and survey.slug != only:
            continue
        if await storage.get_survey(survey.slug) is not None:
            continue
        await add_survey_source(storage, survey, path.read_text("utf-8"))
        await storage.set_survey_status(survey.slug, "open", utc_now())
        added.append(survey.slug)
    return added
