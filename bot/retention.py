"""Retention: deleting what is no longer needed, daily in `serve` and by hand with
`youthvoice purge`. Each run is written to the audit log with what it deleted.

- Contact details go when nothing more is owed to that young person: for each survey they
  asked to hear back from, once it has closed, its `feedback_by` date (if any) has passed and
  a You Said, We Did has reached them; or YOUTHVOICE_CONTACT_RETENTION_DAYS after it closed.
  Someone who asked to hear about new surveys keeps theirs until STOP or DELETE.
- An unfinished conversation untouched for YOUTHVOICE_SESSION_EXPIRY_DAYS ends: answers to a
  consultation are kept, no longer linked to anyone; unsent care-review answers are deleted.
- Care reviews go YOUTHVOICE_REVIEW_RETENTION_DAYS after their date.
- Housekeeping: message ids kept to spot duplicates (after SEEN_KEPT), dashboard sessions
  past their idle timeout, used or expired password links, old failed logins and codes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.settings import Settings
from bot.web.auth import FAILURE_WINDOW, IDLE_TIMEOUT
from conversations.survey_loader import SurveyInvalid, parse_survey
from storage.protocol import Storage
from storage.records import PurgePlan

log = logging.getLogger(__name__)
SEEN_KEPT = timedelta(days=30)  # providers retry within hours; a month is plenty
ATTEMPTS_KEPT = 2 * FAILURE_WINDOW


@dataclass(frozen=True, slots=True)
class PurgeReport:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        done = [f"{kind}: {count}" for kind, count in self.counts.items() if count]
        return "; ".join(done) or "nothing was due"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


async def plan(storage: Storage, settings: Settings, now: datetime) -> PurgePlan:
    today = now.astimezone(settings.zone).date()
    expired, kept = [], []
    for closed in await storage.closed_surveys():
        closed_at = datetime.fromisoformat(closed.closed_at)
        if now - closed_at > timedelta(days=settings.contact_retention_days):
            expired.append(closed.slug)
            continue
        try:
            feedback_by: date | None = parse_survey(closed.source, closed.slug).feedback_by
        except SurveyInvalid:
            feedback_by = None
        if feedback_by is None or feedback_by < today:
            kept.append(closed.slug)
    review_slugs = []
    for row in await storage.list_surveys():
        try:
            if not parse_survey(row.source, row.slug).anonymous:
                review_slugs.append(row.slug)
        except SurveyInvalid:
            continue
    return PurgePlan(
        hear_back_expired=tuple(expired),
        hear_back_kept=tuple(kept),
        sessions_before=_iso(now - timedelta(days=settings.session_expiry_days)),
        review_slugs=tuple(review_slugs),
        seen_before=(today - SEEN_KEPT).isoformat(),
        web_sessions_before=_iso(now - IDLE_TIMEOUT),
        links_before=_iso(now),
        attempts_before=_iso(now - ATTEMPTS_KEPT),
    )


async def purge(storage: Storage, settings: Settings, now: datetime, actor: str) -> PurgeReport:
    """Delete everything that is due; logged, and written to the audit log as done by
    `actor`."""
    counts = await storage.purge(await plan(storage, settings, now))
    today = now.astimezone(settings.zone).date()
    review_before = (today - timedelta(days=settings.review_retention_days)).isoformat()
    counts["care reviews"] = await storage.purge_reviews(review_before)
    report = PurgeReport(counts)
    await storage.audit(actor, "purge", report.summary(), _iso(now))
    log.info("purge by %s: %s", actor, report.summary())
    return report
