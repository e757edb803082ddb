"""The scheduler in `serve`: work that falls due with time, kept in the database so nothing
is forgotten across restarts.

Every minute: a survey whose `closes` date has passed (in YOUTHVOICE_TIMEZONE) is closed, and
anyone part-way through who can be reached is told; for a survey with `remind_after`, one
gentle reminder goes to each young person who started, can be reached, and has not written
for that many days. A child who has not yet sent their views for a care review is reminded
YOUTHVOICE_REVIEW_REMINDER_DAYS before it (7 and 2 by default; the nearest that applies,
so a code first used the day before gets one reminder, not two), and reviews are deleted
YOUTHVOICE_REVIEW_RETENTION_DAYS after their date, with everything else no longer needed, by
the purge that runs at start-up and then once a day (bot/retention.py). Each message has a
dedupe key, so however often this runs (or restarts), nobody gets one twice. The senders
send them, after replies and outside quiet hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, date, datetime, timedelta

from bot import retention
from bot.proactive import BULK_PRIORITY, age_band, proactive_message
from bot.review_codes import worker_words
from bot.runtime import Runtime
from conversations import age_bands
from conversations.phrases import say
from conversations.question_flow import long_date
from conversations.survey import Survey
from conversations.survey_loader import SurveyInvalid, parse_survey
from storage.records import QueuedFeedback

log = logging.getLogger(__name__)
EVERY = 60.0  # seconds
PURGE_EVERY = timedelta(days=1)


class Scheduler:
    def __init__(self, runtime: Runtime, every: float = EVERY):
        self.runtime = runtime
        self.every = every
        self._stop = asyncio.Event()
        self._purged_at: datetime | None = None

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.tick(datetime.now(UTC))
            except Exception:  # try again next time; never stop serve
                log.exception("scheduled work failed; trying again in %s s", self.every)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.every)

    def stop(self) -> None:
        self._stop.set()

    async def tick(self, now: datetime) -> None:
        storage = self.runtime.storage
        today = now.astimezone(self.runtime.settings.zone).date()
        for row in await storage.list_surveys():
            if row.status != "open":
                continue
            try:
                survey = parse_survey(row.source, row.slug)
            except SurveyInvalid:
                continue
            if survey.closes is not None and today > survey.closes:
                await self._close(survey, now)
            elif survey.remind_after is not None:
                await self._remind(survey, now)
        await self._reviews(now)
        if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
            await retention.purge(storage, self.runtime.settings, now, "serve (daily purge)")
            # The purge may have ended conversations this process still holds in memory.
            self.runtime.dispatcher.forget_everyone()
            self._purged_at = now

    async def _reviews(self, now: datetime) -> None:
        settings, storage, keys = self.runtime.settings, self.runtime.storage, self.runtime.keys
        today = now.astimezone(settings.zone).date()
        reminders = []
        for review in await storage.reviews():
            if review.status != "waiting" or review.address is None or review.pseudonym is None:
                continue
            days_left = (date.fromisoformat(review.due) - today).days
            due = [d for d in settings.reminder_days if 0 <= days_left <= d]
            if not due:
                continue
            text = say(
                "review_reminder",
                False,
                date=long_date(date.fromisoformat(review.due)),
                who=worker_words(review.worker),
            )
            key = f"review-reminder:{review.id}:{min(due)}"
            reminders.append(
                proactive_message(
                    keys, key, review.pseudonym, review.channel or "", review.address, text
                )
            )
        if reminders:
            moment = now.isoformat(timespec="seconds")
            await storage.queue_messages(
                "review-reminder:", "review_reminder", reminders, BULK_PRIORITY, moment
            )

    async def _close(self, survey: Survey, now: datetime) -> None:
        # Who was part-way through is read first: closing ends their conversations.
        notices = await self._to_unfinished(survey, "closing", "closed_notice", None)
        moment = now.isoformat(timespec="seconds")
        await self.runtime.storage.set_survey_status(survey.slug, "closed", moment)
        told = await self._queue(survey, "closing", notices, now)
        log.info("closed %s (its closing date passed); %d told", survey.slug, told)

    async def _remind(self, survey: Survey, now: datetime) -> None:
        assert survey.remind_after is not None
        quiet_since = now - timedelta(days=survey.remind_after)
        reminders = await self._to_unfinished(survey, "reminder", "reminder", quiet_since)
        reminded = await self._queue(survey, "reminder", reminders, now)
        if reminded:
            log.info("reminded %d about %s", reminded, survey.slug)

    async def _queue(
        self, survey: Survey, purpose: str, messages: list[QueuedFeedback], now: datetime
    ) -> int:
        if not messages:
            return 0
        prefix = f"{purpose}:{survey.slug}:"
        moment = now.isoformat(timespec="seconds")
        return await self.runtime.storage.queue_messages(
            prefix, purpose, messages, BULK_PRIORITY, moment
        )

    async def _to_unfinished(
        self, survey: Survey, purpose: str, phrase: str, quiet_since: datetime | None
    ) -> list[QueuedFeedback]:
        """A `purpose` message for each unfinished participant who can be reached (and has
        been quiet since `quiet_since`, when given)."""
        keys, storage = self.runtime.keys, self.runtime.storage
        title = survey.local(survey.title, survey.default_language)
        prefix = f"{purpose}:{survey.slug}:"
        messages = []
        for person in await storage.unfinished_with_contact(survey.slug):
            if quiet_since is not None and datetime.fromisoformat(person.last_seen) > quiet_since:
                continue
            simple = age_bands.is_under_13(age_band(keys, person.profile))
            text = say(phrase, simple, title=title)
            key = f"{prefix}{person.pseudonym.hex()}"
            messages.append(
                proactive_message(keys, key, person.pseudonym, person.channel, person.contact, text)
            )
        return messages
