"""Invitations to a newly opened survey, without consultation fatigue.

Only young people who asked to hear about new surveys, have not stopped, can be reached, are
in (or may be in) the survey's age range and have not already taken part or been invited to
it; and never more than YOUTHVOICE_INVITES_PER_30_DAYS invitations to anyone in 30 days: the
rest are held back and counted. Queued in the outbox in one transaction, sent by `serve`
after any replies and outside quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.keys import KeyRing
from bot.proactive import BULK_PRIORITY, age_band, proactive_message
from bot.survey_admin import load_stored_survey
from conversations import age_bands
from conversations.phrases import say
from conversations.survey import Survey
from storage.protocol import Storage
from storage.records import InvitationCandidate, QueuedFeedback
from storage.sqlite_feedback import invite_key_prefix

WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Invited:
    queued: int
    held_back: int  # by the limit per 30 days
    not_for_them: int  # outside the survey's ages, or already took part or were invited


async def invite(
    storage: Storage, keys: KeyRing, slug: str, limit: int, *, dry_run: bool = False
) -> Invited:
    """Queue invitations to `slug`; with `dry_run`, only count who would be invited and who
    the limit holds back, queueing nothing."""
    survey = await load_stored_survey(storage, slug)
    now = datetime.now(UTC)
    since = (now - WINDOW).isoformat(timespec="seconds")
    candidates = await storage.invitation_candidates(slug, since)
    messages, held_back, not_for_them = [], 0, 0
    for candidate in candidates:
        band = age_band(keys, candidate.profile)
        if candidate.took_part or candidate.already_invited or not _in_range(survey, band):
            not_for_them += 1
        elif candidate.recent_invitations >= limit:
            held_back += 1
        else:
            messages.append(_message(keys, survey, candidate, band))
    if dry_run:
        return Invited(len(messages), held_back, not_for_them)
    queued = await storage.queue_invitations(
        slug, messages, BULK_PRIORITY, now.isoformat(timespec="seconds")
    )
    return Invited(queued, held_back, not_for_them + len(messages) - queued)


def _in_range(survey: Survey, band: str | None) -> bool:
    if band is None:
        return True  # never said: the conversation asks before anything else
    return age_bands.eligibility(band, survey.ages.min, survey.ages.max) != "no"


def _message(
    keys: KeyRing, survey: Survey, candidate: InvitationCandidate, band: str | None
) -> QueuedFeedback:
    simple = age_bands.is_under_13(band)
    language = survey.default_language
    if candidate.channel == "telegram":
        how = say("invite_how_telegram", simple, slug=survey.slug)
    elif survey.keyword:
        how = say("invite_how_keyword", simple, keyword=survey.keyword.upper())
    else:
        how = say("invite_how_reply", simple)
    text = say(
        "invite",
        simple,
        title=survey.local(survey.title, language),
        purpose=survey.local(survey.purpose, language),
        how=how,
    )
    return proactive_message(
        keys,
        f"{invite_key_prefix(survey.slug)}{candidate.pseudonym.hex()}",
        candidate.pseudonym,
        candidate.channel,
        candidate.contact,
        text,
    )
