"""The dispatcher: every channel's messages go through here to the engine and storage.

For each inbound message: work out the pseudonym, take that participant's lock, load their
state (from a small cache, else storage), run one engine step, save the whole step in one
transaction (group-committed with other participants' steps), and only then hand the
replies back to the channel. A message id seen before is processed once.

A care review code (typed, or a Telegram link's start) is looked up here, before the step,
and handed to the engine as a ticket. The conversation in progress is stored sealed, since
a review's answers live there until the child chooses to send them.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import review_codes
from bot.catalogue import SurveyCatalogue
from bot.keys import KeyRing
from bot.participant_locks import ParticipantLocks
from conversations import keywords
from conversations.context import HeldAbout
from conversations.engine import OpenSurvey, Step, step
from conversations.events import (
    AgeBandGiven,
    AlertRaised,
    ConsentGiven,
    FutureSurveysChosen,
    HearBackChosen,
    ParticipantErased,
    ParticipantStopped,
    ReviewShared,
)
from conversations.messages import Inbound, Reply, ReviewTicket
from conversations.state import ParticipantState, session_from_json, session_to_json
from storage.protocol import Storage
from storage.records import NewResponse, QueuedMessage, StepRecord, StoredParticipant

CACHE_SIZE = 20_000
EXTERNAL_CHECK_SECONDS = 0.5


def reply_keys(channel: str, message_id: str, count: int) -> list[str]:
    """The outbox names of the replies to one inbound message."""
    return [f"reply:{channel}:{message_id}:{n}" for n in range(count)]


@dataclass(frozen=True, slots=True)
class _Known:
    state: ParticipantState
    response_id: str | None


class Dispatcher:
    def __init__(
        self,
        storage: Storage,
        keys: KeyRing,
        catalogue: SurveyCatalogue,
        *,
        zone: ZoneInfo | None = None,
        clock: Callable[[], float] = time.time,
        cache_size: int = CACHE_SIZE,
    ):
        self.storage = storage
        self.keys = keys
        self.catalogue = catalogue
        self.zone = zone or ZoneInfo("Europe/London")
        self.clock = clock
        self._locks = ParticipantLocks()
        self._cache: OrderedDict[bytes, _Known] = OrderedDict()
        self._cache_size = cache_size
        self._checked_at = 0.0

    async def start(self) -> None:
        await self.storage.changed_elsewhere()
        await self.catalogue.refresh()

    async def handle(
        self,
        channel: str,
        address: str,
        inbound: Inbound,
        message_id: str | None = None,
        *,
        queue: Callable[[tuple[Reply, ...]], list[str]] | None = None,
        answered_in_place: bool = False,
    ) -> tuple[Reply, ...]:
        """Process one message; returns the replies (none for a duplicate).

        With `queue`, the replies are also made durable: `queue` renders them into the
        channel's own message bodies, which are saved to the outbox in the same transaction
        as the step, so a crash before sending loses nothing (the channel's sender sends
        them). `message_id` is then required, to name them (`reply_keys`).

        `answered_in_place`: the channel sends those bodies itself, in its answer to the
        webhook, and marks them sent once that is written; they are saved claimed, so that
        after a crash the sender asks the provider whether they went.
        """
        pseudonym = self.keys.pseudonym(channel, address)
        async with self._locks.hold(pseudonym):
            await self._notice_changes_elsewhere()
            known = self._cache.get(pseudonym) or await self._load(pseudonym)
            conversation = known.state.conversation
            current: OpenSurvey | None = None
            if conversation is not None:
                current = await self.catalogue.survey_at(conversation.slug, conversation.version)
            now = self.clock()
            code = self._code_in(inbound, known.state, current)
            if code is not None:
                ticket = await self._ticket(code, pseudonym, channel, address, now)
                inbound = replace(inbound, text=None, start=None, review=ticket)
            context = self.catalogue.context(now, current)
            if keywords.keyword_of(inbound.text, channel) == keywords.MYDATA:
                context = replace(context, held=await self._held_about(pseudonym, known.state))
            result = step(context, known.state, inbound)
            record = self._record(pseudonym, channel, address, message_id, known, result, now)
            if queue is not None:
                claimed_at = None
                if answered_in_place:
                    claimed_at = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
                bodies = queue(result.replies)
                record = self._with_queued(record, address, bodies, claimed_at)
            if not await self.storage.save_step(record):
                return ()
            self._remember(pseudonym, _Known(result.state, record.response_id))
            return result.replies

    async def _held_about(self, pseudonym: bytes, state: ParticipantState) -> HeldAbout:
        """For MYDATA: what the database holds about them beyond their state."""
        holding = await self.storage.held_about(pseudonym)
        slugs = {*holding.slugs, *state.taken}
        if state.conversation is not None:
            slugs.add(state.conversation.slug)
        titles = {slug: await self.catalogue.title(slug) for slug in sorted(slugs)}
        return HeldAbout(
            contact=holding.contact_channel,
            hear_back=tuple(titles[slug] for slug in holding.hear_back),
            queued=holding.queued,
            reviews=tuple((name or "", due) for name, due in holding.reviews),
            titles=titles,
        )

    # --- care review codes -----------------------------------------------------------------
    @staticmethod
    def _code_in(
        inbound: Inbound, state: ParticipantState, current: OpenSurvey | None
    ) -> str | None:
        """A review code in a Telegram link, or typed (but not as the answer to a question
        that takes words)."""
        if inbound.start is not None:
            return review_codes.read_code(inbound.start)
        conv = state.conversation
        if conv is not None and conv.phase == "question" and current is not None:
            types = {question.id: question.type for question in current.survey.questions}
            if types.get(conv.question_id or "") == "text":
                return None
        return review_codes.read_code(inbound.text)

    async def _ticket(
        self, code: str, pseudonym: bytes, channel: str, address: str, now: float
    ) -> ReviewTicket:
        moment = datetime.fromtimestamp(now, UTC)
        check = await self.storage.use_review_code(
            review_codes.code_hash(self.keys, code),
            pseudonym,
            channel,
            self.keys.seal(address, "contact"),
            today=moment.astimezone(self.zone).date().isoformat(),
            now=moment.isoformat(timespec="seconds"),
            wrong_since=(moment - review_codes.WRONG_CODES_WINDOW).isoformat(timespec="seconds"),
            wrong_limit=review_codes.WRONG_CODES_ALLOWED,
        )
        worker = review_codes.worker_words(check.worker) if check.worker is not None else ""
        return ReviewTicket(check.status, check.review_id, check.slug, worker, check.due)

    # --- state in and out ----------------------------------------------------------------
    async def _load(self, pseudonym: bytes) -> _Known:
        stored = await self.storage.load_participant(pseudonym)
        if stored is None:
            return _Known(ParticipantState(), None)
        return _Known(self._state_from(stored), stored.response_id)

    def _state_from(self, stored: StoredParticipant) -> ParticipantState:
        age_band = None
        if stored.profile is not None:
            age_band = json.loads(self.keys.unseal(stored.profile, "profile")).get("age_band")
        base = ParticipantState(
            age_band=age_band,
            hear_about_new=stored.hear_about_new,
            stopped=stored.stopped,
            taken=stored.taken,
        )
        session = stored.session_json
        if isinstance(session, bytes):
            session = self.keys.unseal(session, "session")
        return session_from_json(session, base)

    def _record(
        self,
        pseudonym: bytes,
        channel: str,
        address: str,
        message_id: str | None,
        known: _Known,
        result: Step,
        now: float,
    ) -> StepRecord:
        events = result.events
        state = result.state
        moment = datetime.fromtimestamp(now, UTC)
        new_response = None
        response_id = known.response_id
        profile = contact = contribution = None
        drop_contact = False
        alerts = []
        for event in events:
            if isinstance(event, ConsentGiven):
                conv = state.conversation
                current = self.catalogue.open_surveys.get(event.slug)
                named = current is not None and not current.survey.anonymous
                new_response = NewResponse(
                    id=secrets.token_hex(16),
                    slug=event.slug,
                    version=event.version,
                    month=moment.astimezone(self.zone).strftime("%Y-%m"),
                    channel=channel,
                    language=conv.language if conv else "en",
                    participant=pseudonym if named else None,
                    # Asked once: someone back for another survey is not asked again.
                    age_band=state.age_band,
                )
                response_id = new_response.id
            elif isinstance(event, AgeBandGiven):
                profile = self.keys.seal(json.dumps({"age_band": event.band}), "profile")
            elif isinstance(event, HearBackChosen | FutureSurveysChosen) and event.wanted:
                contact = self.keys.seal(address, "contact")
            elif isinstance(event, ParticipantStopped):
                contact, drop_contact = None, True
            elif isinstance(event, AlertRaised):
                alerts.append(self.keys.seal(event.text, "alert"))
            elif isinstance(event, ReviewShared):
                contribution = review_codes.contribution_blob(self.keys, event)
        if state.conversation is None or not state.conversation.consented:
            response_id = None
        erased = any(isinstance(e, ParticipantErased) for e in events)
        return StepRecord(
            pseudonym=pseudonym,
            channel=channel,
            message_id=message_id,
            state=state,
            events=events,
            previous_response_id=known.response_id,
            response_id=response_id,
            new_response=new_response,
            profile=profile,
            contact=contact,
            drop_contact=drop_contact,
            alert_details=tuple(alerts),
            session_json=None if erased else self.keys.seal(session_to_json(state), "session"),
            now=moment.isoformat(timespec="seconds"),
            review_contribution=contribution,
        )

    def _with_queued(
        self, record: StepRecord, address: str, bodies: list[str], claimed_at: str | None
    ) -> StepRecord:
        if not bodies:
            return record
        if record.message_id is None:
            raise ValueError("queued replies need the inbound message id to name them")
        sealed = self.keys.seal(address, "address")
        names = reply_keys(record.channel, record.message_id, len(bodies))
        queued = tuple(
            QueuedMessage(
                name,
                self.keys.seal(body, "outbox"),  # it may repeat what they said
                sealed,
                claimed_at=claimed_at,
            )
            for name, body in zip(names, bodies, strict=True)
        )
        return replace(record, queued=queued)

    def forget_everyone(self) -> None:
        """Read every young person from the database again (after a purge)."""
        self._cache.clear()

    def forget(self, pseudonym: bytes) -> None:
        """Drop a participant from the cache after storage changed them behind our back."""
        self._cache.pop(pseudonym, None)

    # --- the cache -------------------------------------------------------------------------
    def _remember(self, pseudonym: bytes, known: _Known) -> None:
        self._cache[pseudonym] = known
        self._cache.move_to_end(pseudonym)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _notice_changes_elsewhere(self) -> None:
        """Another process (the CLI opening or closing a survey) may have written."""
        now = time.monotonic()
        if now - self._checked_at < EXTERNAL_CHECK_SECONDS:
            return
        self._checked_at = now
        if await self.storage.changed_elsewhere():
            self._cache.clear()
            await self.catalogue.refresh()
