"""Children in care: their private views ahead of a care review, shared only as they choose.

A worker (a reviewer account) invites one child with a one-time code (bot/review_codes.py).
What the child chooses to send is sealed; only the named worker (and the operator) reads it,
and every read is written to the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.keys import KeyRing
from bot.proactive import BULK_PRIORITY, proactive_message
from bot.review_codes import code_hash, new_code, read_code
from bot.survey_admin import load_stored_survey
from storage.protocol import Storage
from storage.records import Account, ReviewRow

MAX_REPLY = 1000  # characters of a worker's reply


class ReviewError(ValueError):
    """Why a review command cannot do what was asked, in one line."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the worker's side ---------------------------------------------------------------------
@dataclass(frozen=True)
class Invitation:
    code: str
    due: date
    worker: Account


async def invite(
    storage: Storage, keys: KeyRing, slug: str, due: date, worker_email: str, today: date
) -> Invitation:
    survey = await load_stored_survey(storage, slug)
    if survey.anonymous:
        raise ReviewError(f"'{slug}' is a consultation, not a review (kind: review)")
    row = await storage.get_survey(slug)
    if row is None or row.status != "open":
        raise ReviewError(f"'{slug}' is not open (see: youthvoice survey open {slug})")
    if due < today:
        raise ReviewError(f"--due {due.isoformat()} has passed; give the review's date")
    worker = await storage.account(worker_email)
    if worker is None:
        raise ReviewError(
            f"no account for {worker_email} (see: youthvoice user add EMAIL --role reviewer)"
        )
    if worker.role != "reviewer":
        raise ReviewError(f"{worker.email} is a {worker.role} account, not a reviewer")
    while True:  # a clash is about one in a billion; try another code
        code = new_code()
        sealed = keys.seal(code, "review-code")
        if await storage.add_review(
            code_hash(keys, code), sealed, slug, worker, due.isoformat(), _now()
        ):
            await storage.audit("operator", "review invitation made", f"review of {slug}", _now())
            return Invitation(code, due, worker)


@dataclass(frozen=True)
class SharedAnswer:
    question: str
    answer: str


@dataclass(frozen=True)
class InboxEntry:
    code: str
    slug: str
    worker: Account
    due: str
    state: str  # "waiting" (nothing sent yet), "shared" or "not shared"
    decided_at: str | None
    answers: tuple[SharedAnswer, ...]
    replied: bool


def _answers(keys: KeyRing, blob: bytes | None) -> tuple[SharedAnswer, ...]:
    if blob is None:
        return ()
    data = json.loads(keys.unseal(blob, "review"))
    return tuple(SharedAnswer(a["question"], a["answer"]) for a in data["answers"])


async def inbox(
    storage: Storage, keys: KeyRing, worker_email: str | None, reader: str
) -> list[InboxEntry]:
    """What each child chose to send (only `worker_email`'s children when given). Every
    contribution read is recorded in the audit log under `reader`."""
    worker = None
    if worker_email is not None:
        worker = await storage.account(worker_email)
        if worker is None:
            raise ReviewError(f"no account for {worker_email}")
    entries = []
    for row in await storage.reviews(worker):
        if row.contribution is not None:
            code = keys.unseal(row.code, "review-code")
            await storage.audit(reader, "contribution read", f"review {code}", _now())
        entries.append(_entry(keys, row))
    return entries


def _entry(keys: KeyRing, row: ReviewRow) -> InboxEntry:
    state = {"waiting": "waiting", "shared": "shared", "not_shared": "not shared"}[row.status]
    return InboxEntry(
        code=keys.unseal(row.code, "review-code"),
        slug=row.slug,
        worker=row.worker,
        due=row.due,
        state=state,
        decided_at=row.decided_at,
        answers=_answers(keys, row.contribution) if row.status == "shared" else (),
        replied=row.replied_at is not None,
    )


async def reply(storage: Storage, keys: KeyRing, code_text: str, text: str) -> Account:
    """Queue the worker's answer to the child, once, on the child's channel; the worker."""
    code = read_code(code_text)
    words = " ".join(text.split())
    if not words:
        raise ReviewError("--text must say something")
    if len(words) > MAX_REPLY:
        raise ReviewError(f"--text is {len(words)} characters; keep it under {MAX_REPLY}")
    row = None if code is None else await storage.review_by_code(code_hash(keys, code))
    if code is None or row is None:
        raise ReviewError(f"no review with the code {code_text}")
    if row.replied_at is not None:
        raise ReviewError(f"{code} has had its reply already (on {row.replied_at[:10]})")
    if row.channel is None or row.address is None or row.pseudonym is None:
        raise ReviewError(f"{code} has not been used by a child, so there is nobody to reply to")
    child = await storage.load_participant(row.pseudonym)
    if child is None or child.stopped:
        raise ReviewError(f"the child with {code} has asked for no more messages (STOP)")
    who = row.worker.name or "Your reviewing officer"
    message = proactive_message(
        keys,
        f"review-reply:{row.id}",
        row.pseudonym,
        row.channel,
        row.address,
        f"A message from {who} after your review:\n{words}",
    )
    if not await storage.reply_to_review(row.id, message, BULK_PRIORITY, _now()):
        raise ReviewError(f"{code} has had its reply already")
    await storage.audit("operator", "review reply sent", f"review {code}", _now())
    return row.worker
