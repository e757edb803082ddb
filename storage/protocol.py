"""The storage contract every backend satisfies (SQLite now; PostgreSQL can follow)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from storage.audit_chain import AuditEntry
from storage.records import (
    Account,
    AccountRow,
    AlertDelivery,
    AlertRow,
    ClaimedRow,
    ClosedSurvey,
    CodeCheck,
    ExportedResponse,
    FeedbackPost,
    FeedbackRecipient,
    Holding,
    InvitationCandidate,
    OutboxRow,
    PurgePlan,
    QueuedFeedback,
    ReachCounts,
    ResponseTotals,
    ReviewRow,
    StepRecord,
    StoredParticipant,
    SurveyRow,
    Unfinished,
    WebSession,
)


class StorageError(RuntimeError):
    """Storage could not do what was asked (disk full, file unreadable...)."""


class Storage(Protocol):
    async def close(self) -> None: ...

    # conversations
    async def load_participant(self, pseudonym: bytes) -> StoredParticipant | None: ...
    async def save_step(self, record: StepRecord) -> bool:
        """Save a step in one transaction; False (and nothing saved) for a duplicate message."""
        ...

    async def changed_elsewhere(self) -> bool:
        """True when another process has written, or surveys were added, opened or closed
        through this storage, since the last call."""
        ...

    # surveys
    async def add_survey(self, slug: str, source: str, sha256: str, now: str) -> tuple[int, bool]:
        """Store a survey file; returns (version, whether it was new or changed)."""
        ...

    async def get_survey(self, slug: str, version: int | None = None) -> SurveyRow | None: ...
    async def list_surveys(self) -> list[SurveyRow]: ...
    async def set_survey_status(self, slug: str, status: str, now: str) -> None: ...

    # results
    async def response_totals(self, slug: str) -> ResponseTotals: ...
    async def answer_counts(self, slug: str) -> Mapping[str, Mapping[str, int]]: ...
    async def answered_counts(self, slug: str) -> Mapping[str, int]: ...
    async def breakdown_counts(
        self, slug: str, question_id: str, by_question_id: str
    ) -> Mapping[tuple[str, str], int]: ...
    async def breakdown_answered(
        self, slug: str, question_id: str, by_question_id: str
    ) -> Mapping[str, int]:
        """For each answer to `by_question_id`, how many responses answered `question_id`."""
        ...

    async def export_responses(self, slug: str) -> list[ExportedResponse]: ...

    # the outbox (messages wait here, in order per chat, until a channel's sender sends them)
    async def due_messages(self, channel: str, now: str, limit: int = 200) -> list[OutboxRow]:
        """The oldest unsent message of each chat on `channel` that is due by `now`."""
        ...

    async def due_messages_for(
        self, channel: str, chat_keys: Collection[bytes], now: str
    ) -> list[OutboxRow]:
        """As `due_messages`, for these chats only (oldest first)."""
        ...

    async def claim(self, message_id: int, now: str) -> None:
        """Durably mark a message 'sending' just before its request is made."""
        ...

    async def release(self, message_id: int) -> None:
        """A claimed message the provider never took is due again."""
        ...

    async def claimed_messages(self, channel: str) -> list[ClaimedRow]:
        """Messages left 'sending' (by a crash): their fate must be asked of the provider."""
        ...

    async def sent_since(self, channel: str, since: str) -> int:
        """How many messages went to the provider (or were claimed) since `since`."""
        ...

    async def mark_sent(self, message_id: int, provider_id: str | None, now: str) -> None: ...
    async def mark_answered(self, dedupe_keys: Collection[str], now: str) -> None:
        """Replies the channel sent in its answer to a webhook, now written: sent."""
        ...

    async def mark_retry(self, message_id: int, not_before: str, error: str) -> None: ...
    async def mark_failed(self, message_id: int, error: str) -> None: ...
    async def mark_unreachable(self, chat_key: bytes) -> None:
        """The young person blocked us: as STOP, and their contact details go."""
        ...

    async def record_delivery(
        self, channel: str, provider_id: str, status: str, error: str | None, now: str
    ) -> bytes | None:
        """A provider's delivery report; the pseudonym it went to, when known."""
        ...

    async def outbox_counts(self, channel: str | None = None) -> dict[str, int]: ...

    # "You Said, We Did"
    async def feedback_recipients(self, slug: str) -> list[FeedbackRecipient]:
        """Everyone who took part in `slug`, asked to hear back, and has not stopped."""
        ...

    async def post_feedback(
        self, post: FeedbackPost, messages: Sequence[QueuedFeedback], priority: int
    ) -> int:
        """Log the post and queue its messages in one transaction; how many are new."""
        ...

    async def feedback_status(self, slug: str) -> dict[str, int]: ...
    async def feedback_log(self, slug: str) -> list[FeedbackPost]: ...

    async def invitation_candidates(self, slug: str, since: str) -> list[InvitationCandidate]:
        """Who asked to hear about new surveys and can be reached; see SqliteStorage."""
        ...

    async def queue_invitations(
        self, slug: str, messages: Sequence[QueuedFeedback], priority: int, now: str
    ) -> int: ...

    async def queue_messages(
        self,
        prefix: str,
        purpose: str,
        messages: Sequence[QueuedFeedback],
        priority: int,
        now: str,
    ) -> int:
        """Queue messages (dedupe keys starting with `prefix`) at once; how many are new."""
        ...

    async def unfinished_with_contact(self, slug: str) -> list[Unfinished]: ...

    # health
    async def ping(self) -> bool: ...

    # staff accounts, care reviews and the audit log
    async def add_account(
        self, email: str, role: str, name: str | None, now: str, *, actor: str = "operator"
    ) -> Account | None:
        """A new account (audited as done by `actor`); None when that email already has one."""
        ...

    async def account(self, email: str) -> Account | None: ...
    async def accounts(self) -> list[AccountRow]:
        """Every account, by email, with whether its password and two-factor are set."""
        ...

    async def set_role(self, account: Account, role: str, actor: str, now: str) -> None:
        """Change an account's role (audited)."""
        ...

    async def add_review(
        self, code_hash: bytes, code: bytes, slug: str, worker: Account, due: str, now: str
    ) -> bool:
        """A new review invitation; False when the code is already in use."""
        ...

    async def use_review_code(
        self,
        code_hash: bytes,
        sender: bytes,
        channel: str,
        address: bytes,
        *,
        today: str,
        now: str,
        wrong_since: str,
        wrong_limit: int,
    ) -> CodeCheck:
        """What a review code sent by `sender` is; binds a good unused code to them."""
        ...

    async def reviews(self, worker: Account | None = None) -> list[ReviewRow]: ...
    async def review_by_code(self, code_hash: bytes) -> ReviewRow | None: ...
    async def reply_to_review(
        self, review_id: int, message: QueuedFeedback, priority: int, now: str
    ) -> bool:
        """Queue the worker's answer to the child, once."""
        ...

    async def purge_reviews(self, due_before: str) -> int:
        """Delete reviews whose date is before `due_before`; how many."""
        ...

    # a young person's rights, and retention
    async def held_about(self, pseudonym: bytes) -> Holding:
        """What is stored about them outside their session (for MYDATA)."""
        ...

    async def closed_surveys(self) -> list[ClosedSurvey]: ...
    async def purge(self, plan: PurgePlan) -> dict[str, int]:
        """Delete what `plan` says is no longer needed; how many rows of each kind."""
        ...

    async def audit(self, actor: str, action: str, subject: str, now: str) -> None: ...
    async def audit_entries(self) -> list[tuple[str, str, str, str]]: ...
    async def audit_log(self, limit: int | None = None) -> list[AuditEntry]:
        """The newest `limit` audit entries (all when None), oldest first, with their hashes."""
        ...

    async def verify_audit(self) -> tuple[int, list[str]]:
        """How many audit entries, and one line per entry that breaks the hash chain."""
        ...

    # safeguarding alerts (their text and notes sealed) and participation reach
    async def alerts(self) -> list[AlertRow]:
        """Every alert: open ones first, newest first within each."""
        ...

    async def alert(self, alert_id: int) -> AlertRow | None:
        """One alert with its notes; None when there is no such alert."""
        ...

    async def acknowledge_alert(self, alert_id: int, by: str, note: bytes | None, now: str) -> bool:
        """Acknowledge an open alert (audited, with an optional sealed note); False when
        there is no such alert or it was acknowledged before."""
        ...

    async def add_alert_note(self, alert_id: int, by: str, note: bytes, now: str) -> bool:
        """Add a sealed note to an alert (audited); False when there is no such alert."""
        ...

    async def alert_deliveries(self, open_only: bool = False) -> list[AlertDelivery]:
        """Every alert (oldest first) with where it has been sent; or only open ones."""
        ...

    async def record_alert_sent(self, alert_id: int, route: str, now: str) -> None:
        """The alert went by `route`: lead email, lead webhook, deputy email or webhook."""
        ...

    async def record_alert_failure(self, alert_id: int, error: str) -> None:
        """A try to send the alert failed (it is tried again); keep why."""
        ...

    async def reach_counts(self, slug: str | None, question_id: str | None) -> ReachCounts:
        """Responses to `slug` (or every survey) by age band, channel, month and, when
        `question_id` is given, by its answer: counts only."""
        ...

    # dashboard logins
    async def add_password_link(
        self,
        account: Account,
        token_hash: bytes,
        expires_at: str,
        now: str,
        *,
        actor: str = "operator",
    ) -> None: ...
    async def replace_password(
        self, account: Account, token_hash: bytes, expires_at: str, actor: str, now: str
    ) -> None:
        """A new link for an account whose password is forgotten (audited): its password
        and earlier links stop working and its sessions end, until the link is used."""
        ...

    async def password_link(self, token_hash: bytes, now: str) -> Account | None:
        """The account an unused, in-date link is for."""
        ...

    async def set_password(
        self, token_hash: bytes, account: Account, password_hash: str, now: str
    ) -> None:
        """Use the link once; every session of the account ends."""
        ...

    async def login_details(self, email: str) -> tuple[Account, str | None] | None: ...
    async def start_session(
        self, id_hash: bytes, account: Account, csrf: str, second_factor: bool, now: str
    ) -> None: ...
    async def web_session(self, id_hash: bytes) -> WebSession | None: ...
    async def touch_session(self, id_hash: bytes, now: str) -> None: ...
    async def end_session(self, id_hash: bytes, actor: str, now: str) -> None: ...
    async def set_totp(self, account: Account, sealed_secret: bytes, now: str) -> None: ...
    async def passed_second_factor(self, id_hash: bytes) -> None: ...
    async def login_failures(self, keys: Iterable[str], since: str) -> int:
        """The most failed logins any of `keys` has had since `since`."""
        ...

    async def record_login_failure(
        self, keys: Iterable[str], now: str, forget_before: str
    ) -> None: ...
