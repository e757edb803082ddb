"""The values storage takes and gives back: frozen, and free of any SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations.events import Event
from conversations.state import ParticipantState


@dataclass(frozen=True, slots=True)
class NewResponse:
    """A response begun when someone consents. `participant` only for named (review) surveys."""

    id: str
    slug: str
    version: int
    month: str
    channel: str
    language: str
    participant: bytes | None = None
    age_band: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A message to send after the step is saved. `body` is the channel's own rendering
    (JSON text); `address` is sealed. Lower `priority` goes first: replies before bulk.

    With `claimed_at`, the channel sends it itself, in its answer to the provider's webhook
    (an SMS reply in TwiML): it is saved already claimed ('sending'), as if its request were
    being made, and marked sent once the answer is written. A crash before then leaves it
    claimed, and the sender asks the provider whether it went, as for any claimed message."""

    dedupe_key: str
    body: str | bytes  # sealed by the bot: a reply may repeat what the young person said
    address: bytes
    purpose: str = "reply"
    priority: int = 0
    claimed_at: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_key: bytes | None
    channel: str
    purpose: str
    body: str  # as sealed in the outbox until a sender opens it (see OutboxSender)
    address: bytes | None
    attempts: int
    priority: int = 0  # lower goes first: replies before bulk sends


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    """A message whose request may have been made when the sender last stopped (a crash)."""

    row: OutboxRow
    claimed_at: str
    # The provider's id of the young person's last earlier message on this channel, if any.
    earlier_provider_id: int | None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """Everything one step changes, saved in one transaction before any reply is released.

    `previous_response_id` is the response open before the step, `response_id` the one open
    after it (None once the conversation has ended). Blobs are already encrypted by the
    caller; None for `profile` means "unchanged".
    """

    pseudonym: bytes
    channel: str
    message_id: str | None
    state: ParticipantState
    events: tuple[Event, ...]
    previous_response_id: str | None
    response_id: str | None
    new_response: NewResponse | None = None
    profile: bytes | None = None
    contact: bytes | None = None
    drop_contact: bool = False
    alert_details: tuple[bytes, ...] = ()
    session_json: str | bytes | None = None  # sealed (bytes) by the dispatcher
    now: str = ""
    queued: tuple[QueuedMessage, ...] = ()
    review_contribution: bytes | None = None  # sealed: what the child chose to send


@dataclass(frozen=True, slots=True)
class StoredParticipant:
    stopped: bool
    hear_about_new: bool | None
    profile: bytes | None
    session_json: str | bytes | None
    response_id: str | None
    taken: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class SurveyRow:
    slug: str
    version: int
    source: str
    status: str
    responses: int = 0


@dataclass(frozen=True, slots=True)
class ResponseTotals:
    responses: int
    completed: int


@dataclass(frozen=True, slots=True)
class ExportedResponse:
    id: str
    version: int
    month: str
    age_band: str | None
    channel: str
    language: str
    completed: bool
    answers: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class FeedbackPost:
    """One "You Said, We Did" entry of a survey's public log."""

    slug: str
    said: str
    did: str
    posted_at: str


@dataclass(frozen=True, slots=True)
class FeedbackRecipient:
    """Someone who asked to hear back: their contact (sealed) and profile (sealed, or None)."""

    pseudonym: bytes
    channel: str
    contact: bytes
    profile: bytes | None


@dataclass(frozen=True, slots=True)
class QueuedFeedback:
    dedupe_key: str
    pseudonym: bytes
    channel: str
    body: str | bytes  # sealed
    address: bytes  # sealed for the outbox


@dataclass(frozen=True, slots=True)
class InvitationCandidate:
    """Someone who asked to hear about new surveys (contact and profile sealed)."""

    pseudonym: bytes
    channel: str
    contact: bytes
    profile: bytes | None
    recent_invitations: int
    took_part: bool
    already_invited: bool


@dataclass(frozen=True, slots=True)
class Unfinished:
    """Someone part-way through a survey who can be reached (contact and profile sealed)."""

    pseudonym: bytes
    channel: str
    contact: bytes
    profile: bytes | None
    last_seen: str  # ISO time of their last message


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    email: str
    role: str
    name: str | None


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as admins see it on the accounts page: no password or key, only whether
    they are set."""

    account: Account
    created_at: str
    password_set: bool
    two_factor: bool


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What a review code a young person sent turned out to be (see `use_review_code`):
    ok, unknown, expired, taken (another sender has it), slow_down or done."""

    status: str
    review_id: int | None = None
    slug: str | None = None
    worker: Account | None = None
    due: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One review invitation as its worker sees it; blobs are sealed."""

    id: int
    code: bytes
    slug: str
    worker: Account
    due: str
    created_at: str
    bound: bool
    status: str  # waiting, shared or not_shared
    decided_at: str | None
    contribution: bytes | None
    replied_at: str | None
    channel: str | None
    address: bytes | None
    pseudonym: bytes | None


@dataclass(frozen=True, slots=True)
class WebSession:
    """A dashboard login: whose, its CSRF token, when last used, and whether the second
    factor (TOTP) was given."""

    account: Account
    csrf: str
    seen_at: str
    second_factor: bool
    password_hash: str | None
    totp_secret: bytes | None


@dataclass(frozen=True, slots=True)
class AlertNote:
    """A safeguarding lead's note on an alert; `note` is sealed (purpose "alert note")."""

    at: str
    author: str
    note: bytes


@dataclass(frozen=True, slots=True)
class AlertRow:
    """A risk alert: `detail` (what the young person wrote) is sealed (purpose "alert").
    `review_id` is set when it came from a care review: that child can be identified."""

    id: int
    created_at: str
    slug: str | None
    channel: str
    category: str
    phrase: str
    detail: bytes
    acknowledged_at: str | None
    acknowledged_by: str | None
    review_id: int | None
    notes: tuple[AlertNote, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertDelivery:
    """Where an alert has been sent: to the lead and (escalated) to the deputy, by email and
    by webhook, each an ISO time or None; failed tries and the last error (never its text)."""

    alert: AlertRow
    lead_emailed_at: str | None
    lead_posted_at: str | None
    deputy_emailed_at: str | None
    deputy_posted_at: str | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ReachCounts:
    """Responses counted by age band, channel and month (and by one question's answers),
    for one survey or all: no personal data, only GROUP BY counts."""

    total: int
    by_age_band: dict[str, int]
    by_channel: dict[str, int]
    by_month: dict[str, int]
    by_answer: dict[str, int]


@dataclass(frozen=True, slots=True)
class Holding:
    """What is stored about one pseudonym outside its session, for MYDATA: the channel of
    its kept contact details, the surveys it took part in (and those it asked to hear back
    from), messages waiting for it, and the care reviews bound to it (the worker's name or
    None, and the review date)."""

    contact_channel: str | None
    slugs: tuple[str, ...]
    hear_back: tuple[str, ...]
    queued: int
    reviews: tuple[tuple[str | None, str], ...]


@dataclass(frozen=True, slots=True)
class PurgePlan:
    """What a retention purge deletes, decided by bot/retention.py (times are ISO, UTC).

    `hear_back_expired`: surveys whose hear-back promise has run out for everyone;
    `hear_back_kept`: surveys whose promise is kept once a You Said We Did reached the person;
    `sessions_before`: unfinished conversations not touched since then end, their answers
    kept unlinked (consultations) or deleted (the slugs in `review_slugs`, never sent)."""

    hear_back_expired: tuple[str, ...]
    hear_back_kept: tuple[str, ...]
    sessions_before: str
    review_slugs: tuple[str, ...]
    seen_before: str
    web_sessions_before: str
    links_before: str
    attempts_before: str


@dataclass(frozen=True, slots=True)
class ClosedSurvey:
    slug: str
    source: str
    closed_at: str
