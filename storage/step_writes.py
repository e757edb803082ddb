"""Turning one step's record into SQL writes, grouped by statement for group commit.

Every write of a step is one of the statements below, run in the order listed. Because a
batch holds at most one step per participant (the dispatcher's per-participant lock), the
writes of many steps can be run statement by statement with `executemany` and still mean
exactly what running each step alone would.
"""

from __future__ import annotations

from collections import defaultdict

from conversations.events import (
    AgeBandGiven,
    AlertRaised,
    AnswerRecorded,
    AnswerRemoved,
    ConsentGiven,
    ConversationEnded,
    FutureSurveysChosen,
    HearBackChosen,
    ParticipantErased,
    ParticipantStopped,
    ReviewNotShared,
    ReviewShared,
)
from conversations.state import ParticipantState
from storage.records import StepRecord

_STILL_OPEN = (
    " AND EXISTS (SELECT 1 FROM responses r JOIN survey_status s ON s.slug = r.slug"
    " WHERE r.id = ?1 AND s.status = 'open')"
)

STATEMENTS: dict[str, str] = {
    "erase_answers": "DELETE FROM answers WHERE response_id = ?",
    "erase_responses": "DELETE FROM responses WHERE id = ?",
    # Any other response still joined to them (answers go with it, by the foreign key).
    "erase_linked_responses": "DELETE FROM responses WHERE participant = ?",
    "erase_participant": "DELETE FROM participants WHERE pseudonym = ?",
    # Wrong review codes they sent, counted against them to slow down guessing.
    "erase_code_attempts": "DELETE FROM code_attempts WHERE sender = ?",
    # A review they used stays used (nobody else may take the code), but no longer leads
    # to them; what they chose to send before is their worker's record.
    "erase_review_link": (
        "UPDATE reviews SET pseudonym = NULL, channel = NULL, address = NULL WHERE pseudonym = ?"
    ),
    "participant": (
        "INSERT INTO participants (pseudonym, stopped, hear_about_new, profile) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (pseudonym) DO UPDATE SET stopped = excluded.stopped,"
        " hear_about_new = excluded.hear_about_new,"
        " profile = coalesce(excluded.profile, participants.profile)"
    ),
    "contact": (
        "INSERT INTO contacts (pseudonym, channel, address) VALUES (?, ?, ?)"
        " ON CONFLICT (pseudonym) DO UPDATE SET channel = excluded.channel,"
        " address = excluded.address"
    ),
    "drop_contact": "DELETE FROM contacts WHERE pseudonym = ?",
    "response": (
        "INSERT INTO responses"
        " (id, slug, version, month, age_band, channel, language, participant)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "participation": (
        "INSERT INTO participations (pseudonym, slug, status, hear_back, channel)"
        " VALUES (?, ?, 'in_progress', 0, ?)"
        " ON CONFLICT (pseudonym, slug) DO UPDATE SET status = 'in_progress', hear_back = 0,"
        " channel = excluded.channel"
    ),
    "age_band": "UPDATE responses SET age_band = ? WHERE id = ?",
    "hear_back": "UPDATE participations SET hear_back = ? WHERE pseudonym = ? AND slug = ?",
    # Answers change only while their survey is open: a dispatcher that has not yet seen
    # a survey close (another process closed it a moment ago) cannot add to it.
    "answer_clear": (
        "DELETE FROM answers WHERE response_id = ?1 AND question_id = ?2" + _STILL_OPEN
    ),
    "answer": (
        "INSERT INTO answers (response_id, question_id, value) SELECT ?1, ?2, ?3 WHERE 1"
        + _STILL_OPEN
    ),
    "response_completed": "UPDATE responses SET completed = 1 WHERE id = ?",
    "participation_status": "UPDATE participations SET status = ? WHERE pseudonym = ? AND slug = ?",
    "participation_drop": "DELETE FROM participations WHERE pseudonym = ? AND slug = ?",
    "response_drop_if_empty": (
        "DELETE FROM responses WHERE id = ?1"
        " AND NOT EXISTS (SELECT 1 FROM answers WHERE response_id = ?1)"
    ),
    "stop_hear_back": "UPDATE participations SET hear_back = 0 WHERE pseudonym = ?",
    # Contact details are kept only while someone wants to hear from us about something.
    "contact_drop_if_unwanted": (
        "DELETE FROM contacts WHERE pseudonym = ?1"
        " AND NOT EXISTS (SELECT 1 FROM participants WHERE pseudonym = ?1 AND hear_about_new = 1)"
        " AND NOT EXISTS (SELECT 1 FROM participations WHERE pseudonym = ?1 AND hear_back = 1)"
    ),
    "stop_review_contact": "UPDATE reviews SET address = NULL WHERE pseudonym = ?",
    "stop_outbox": (
        "UPDATE outbox SET status = 'cancelled', address = NULL, body = ''"
        " WHERE pseudonym = ? AND status = 'queued'"
    ),
    "alert": (
        "INSERT INTO alerts (created_at, slug, channel, category, phrase, detail, review_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    # Only the child the review is bound to decides, and only once.
    "review_shared": (
        "UPDATE reviews SET status = 'shared', contribution = ?, decided_at = ?"
        " WHERE id = ? AND pseudonym = ? AND status = 'waiting'"
    ),
    "review_not_shared": (
        "UPDATE reviews SET status = 'not_shared', decided_at = ?"
        " WHERE id = ? AND pseudonym = ? AND status = 'waiting'"
    ),
    "session": (
        "INSERT INTO sessions (pseudonym, slug, response_id, state, updated_at)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (pseudonym) DO UPDATE SET slug = excluded.slug,"
        " response_id = excluded.response_id, state = excluded.state,"
        " updated_at = excluded.updated_at"
    ),
    "session_drop": "DELETE FROM sessions WHERE pseudonym = ?",
    "participant_drop_if_empty": (
        "DELETE FROM participants WHERE pseudonym = ?1 AND stopped = 0"
        " AND hear_about_new IS NULL AND profile IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM participations WHERE pseudonym = ?1)"
        " AND NOT EXISTS (SELECT 1 FROM sessions WHERE pseudonym = ?1)"
    ),
    "queue": (
        "INSERT OR IGNORE INTO outbox (dedupe_key, pseudonym, chat_key, channel, purpose,"
        " priority, body, address, status, claimed_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, iif(?9 IS NULL, 'queued', 'sending'), ?9, ?10)"
    ),
    "seen": "INSERT INTO inbound_seen (channel, message_id, seen_on) VALUES (?, ?, ?)",
}
ORDER: tuple[str, ...] = tuple(STATEMENTS)

Writes = defaultdict[str, list[tuple[object, ...]]]


def is_empty(state: ParticipantState) -> bool:
    """Nothing worth keeping about this person (e.g. after saying no to consent)."""
    if state.conversation is not None or state.taken:  # most steps: quickly known
        return False
    return state.moved(last_seen=None) == ParticipantState()


def add_writes(record: StepRecord, writes: Writes) -> None:
    """Append the writes of one step to `writes`."""
    who = record.pseudonym
    if record.message_id is not None:
        writes["seen"].append((record.channel, record.message_id, record.now[:10]))
    _add_alerts(record, writes)
    erased = any(isinstance(e, ParticipantErased) for e in record.events)
    # A reply to someone whose record goes in this very step must not hang off that record.
    owner = None if erased or is_empty(record.state) else who
    for message in record.queued:
        writes["queue"].append(
            (
                message.dedupe_key, owner, who, record.channel, message.purpose,
                message.priority, message.body, message.address, message.claimed_at,
                record.now,
            )
        )  # fmt: skip
    if erased:
        for response_id in {record.previous_response_id, record.response_id} - {None}:
            writes["erase_answers"].append((response_id,))
            writes["erase_responses"].append((response_id,))
        writes["erase_linked_responses"].append((who,))
        writes["erase_participant"].append((who,))
        writes["erase_code_attempts"].append((who,))
        writes["erase_review_link"].append((who,))
        return

    state = record.state
    hear_new = None if state.hear_about_new is None else int(state.hear_about_new)
    writes["participant"].append((who, int(state.stopped), hear_new, record.profile))
    if record.contact is not None:
        writes["contact"].append((who, record.channel, record.contact))
    elif record.drop_contact:
        writes["drop_contact"].append((who,))
    if record.new_response is not None:
        new = record.new_response
        writes["response"].append(
            (
                new.id,
                new.slug,
                new.version,
                new.month,
                new.age_band,
                new.channel,
                new.language,
                new.participant,
            )
        )
    _add_conversation_writes(record, writes)
    if record.contact is None and any(
        isinstance(e, HearBackChosen | FutureSurveysChosen) and not e.wanted for e in record.events
    ):
        writes["contact_drop_if_unwanted"].append((who,))
    conv = state.conversation
    if conv is not None or state.offered or state.confirming_delete:
        slug = conv.slug if conv else None
        session = (who, slug, record.response_id, record.session_json or "{}", record.now)
        writes["session"].append(session)
    else:
        writes["session_drop"].append((who,))
    if is_empty(state):
        writes["participant_drop_if_empty"].append((who,))


def _add_alerts(record: StepRecord, writes: Writes) -> None:
    alerts = [e for e in record.events if isinstance(e, AlertRaised)]
    for alert, detail in zip(alerts, record.alert_details, strict=True):
        row = (
            record.now, alert.slug, record.channel, alert.category, alert.phrase, detail,
            alert.review_id,
        )  # fmt: skip
        writes["alert"].append(row)


def _add_conversation_writes(record: StepRecord, writes: Writes) -> None:
    who = record.pseudonym
    # The response the answers of this step belong to: the open one, or, when the
    # conversation ended in this very step, the one that was open before.
    response_id = record.response_id or record.previous_response_id
    net: dict[str, str | tuple[str, ...] | None] = {}
    for event in record.events:
        if isinstance(event, ConsentGiven):
            writes["participation"].append((who, event.slug, record.channel))
        elif isinstance(event, AgeBandGiven) and response_id:
            writes["age_band"].append((event.band, response_id))
        elif isinstance(event, HearBackChosen):
            writes["hear_back"].append((int(event.wanted), who, event.slug))
        elif isinstance(event, AnswerRecorded):
            net[event.question_id] = event.value
        elif isinstance(event, AnswerRemoved):
            net[event.question_id] = None
        elif isinstance(event, ParticipantStopped):
            writes["stop_hear_back"].append((who,))
            writes["stop_outbox"].append((who,))
            writes["stop_review_contact"].append((who,))
        elif isinstance(event, ConversationEnded):
            _add_ending(record, event, writes)
        elif isinstance(event, ReviewShared):
            row = (record.review_contribution, record.now, event.review_id, who)
            writes["review_shared"].append(row)
        elif isinstance(event, ReviewNotShared):
            writes["review_not_shared"].append((record.now, event.review_id, who))
    if response_id is None:
        return
    for question_id, value in net.items():
        writes["answer_clear"].append((response_id, question_id))
        if value is None:
            continue
        for single in value if isinstance(value, tuple) else (value,):
            writes["answer"].append((response_id, question_id, single))


def _add_ending(record: StepRecord, event: ConversationEnded, writes: Writes) -> None:
    who = record.pseudonym
    ended_response = record.previous_response_id or (
        record.new_response.id if record.new_response else None
    )
    if event.reason == "not_eligible":
        writes["participation_drop"].append((who, event.slug))
    else:
        status = "completed" if event.completed else "left"
        writes["participation_status"].append((status, who, event.slug))
    if ended_response is None:
        return
    if event.completed:
        writes["response_completed"].append((ended_response,))
    writes["response_drop_if_empty"].append((ended_response,))
