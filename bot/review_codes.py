"""Care review codes, and the sealing of what a child chose to send: the small part of
reviews the dispatcher needs (see bot/reviews.py for the worker's side).

A code is four letters and four digits (no 0/O, 1/I/L look-alikes), about 1.1 billion
possibilities, typed as ABCD-2345 or opened as a Telegram link. It is kept only as a keyed
hash (to find it) and sealed (to show the worker).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta

from bot.keys import KeyRing
from conversations.events import ReviewShared
from storage.records import Account

LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
DIGITS = "23456789"
START_PREFIX = "review-"  # a Telegram deep link's start parameter: review-ABCD2345
# Shaped like a code: mistyped look-alikes (O for 0, 1 for I ...) still count as a try at
# one, so the young person hears "check the code" rather than "I didn't understand".
_CODE = re.compile(
    rf"^(?:/?start\s+)?(?:{START_PREFIX})?([A-Z0-9]{{4}})[\s-]?([A-Z0-9]{{4}})$", re.IGNORECASE
)
WRONG_CODES_ALLOWED = 5  # wrong codes from one sender ...
WRONG_CODES_WINDOW = timedelta(minutes=15)  # ... in this long, then codes wait


def new_code() -> str:
    letters = "".join(secrets.choice(LETTERS) for _ in range(4))
    digits = "".join(secrets.choice(DIGITS) for _ in range(4))
    return f"{letters}-{digits}"


def read_code(text: str | None) -> str | None:
    """The code in what someone typed or opened ("abcd 2345", "review-ABCD2345"), as
    ABCD-2345; None when it is not shaped like one (eight letters and digits, with both)."""
    if not text:
        return None
    found = _CODE.match(text.strip())
    if found is None:
        return None
    code = f"{found.group(1)}-{found.group(2)}".upper()
    if not (any(c.isdigit() for c in code) and any(c.isalpha() for c in code)):
        return None
    return code


def code_hash(keys: KeyRing, code: str) -> bytes:
    return keys.pseudonym("review-code", code)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={START_PREFIX}{code.replace('-', '')}"


def worker_words(worker: Account) -> str:
    """How the child is told who will read what they send."""
    role = "your reviewing officer"
    return f"{worker.name} ({role})" if worker.name else role


def contribution_blob(keys: KeyRing, event: ReviewShared) -> bytes:
    answers = [
        {"question_id": a.question_id, "question": a.question, "answer": a.answer}
        for a in event.answers
    ]
    return keys.seal(json.dumps({"answers": answers}, ensure_ascii=False), "review")
