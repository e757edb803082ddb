"""A young person's rights, through the real dispatcher: MYDATA says exactly what is held
about them, and DELETE leaves nothing that can be tied to them, in any table or in the raw
database file."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from bot import reviews
from bot.feedback import send_feedback
from bot.runtime import Runtime
from tests.integration.conftest import Person
from tests.integration.helpers import (
    CONSENT_PROMPT,
    DB_NAME,
    THANKS,
    Turn,
    better_services,
    rows,
    tables,
)
from tests.integration.test_privacy import answer, leaked

PHONE = "+447700900777"
SERVICES = "Making services better for young people"
REVIEW_TITLE = "My views for my review"


def mydata_lines(reply: str) -> set[str]:
    return {line for line in reply.splitlines() if line.startswith("- ")}


async def test_mydata_lists_exactly_what_is_held(runtime: Runtime, tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    kit = Person(runtime, "sms", PHONE)
    nothing = await kit.say("MYDATA")
    assert "We don't hold anything about you" in nothing
    assert rows(db, "SELECT count(*) FROM participants") == [(0,)]

    # Part-way through, having asked to hear back: their age, choices, contact, answers.
    assert CONSENT_PROMPT in await kit.say("SERVICES")
    await answer(kit, better_services(hear_back="yes")[:5])  # up to and including the area
    reply = await kit.say("my data")
    assert mydata_lines(reply) == {
        "- A code that stands for you, made from your phone number. It isn't your name or "
        "number, and it can't be turned back into them.",
        "- Your age group: 13 to 15.",
        "- You said no to hearing about new surveys.",
        f'- You asked to hear what changed because of: "{SERVICES}".',
        "- Your phone number, locked (encrypted) so only this service can read it, to send "
        "you the messages you asked for. We delete it when we have nothing more to send you.",
        f'- Your answers so far to "{SERVICES}" (1 answer). You haven\'t finished it.',
    }
    assert "not linked to you" in reply and "DELETE" in reply
    assert "How much do you feel listened to" in reply  # and then the question again
    assert rows(db, "SELECT count(*) FROM contacts") == [(1,)]
    assert rows(db, "SELECT hear_back FROM participations") == [(1,)]

    # Finished, with a You Said We Did waiting to go: no answers are theirs any more.
    for turn in better_services(hear_back="yes")[5:]:
        assert turn.expect in await kit.say(turn.send)
    await send_feedback(runtime.storage, runtime.keys, "better-services", "You said", "We did")
    assert rows(db, "SELECT count(*) FROM outbox WHERE status = 'queued' AND purpose != 'reply'")
    lines = mydata_lines(await kit.say("/mydata"))
    assert "- 1 message waiting to be sent to you." in lines
    assert f'- That you finished: "{SERVICES}" (so we don\'t ask you twice).' in lines
    assert not any("answers so far" in line for line in lines)

    # STOP: the contact goes, and MYDATA (still answered) says so.
    await kit.say("STOP")
    lines = mydata_lines(await kit.say("MYDATA"))
    assert "- That you sent STOP, so we don't message you." in lines
    assert not any("locked (encrypted)" in line for line in lines)
    assert rows(db, "SELECT count(*) FROM contacts") == [(0,)]


async def test_mydata_is_in_simple_words_for_under_13s(runtime: Runtime) -> None:
    ivy = Person(runtime, "telegram", "5550001")
    assert "Do you want to have a go?" in await ivy.say("MYPLACE")
    assert "How old are you?" in await ivy.say("yes")
    await ivy.say("10")
    reply = await ivy.say("MYDATA")
    assert "This is what we know about you:" in reply
    assert "- Your age group: Under 13." in reply
    assert "Your answers to finished surveys are not linked to you" in reply


def hex_forms(value: bytes) -> set[str]:
    return {value.hex(), value.hex().upper()}


def _holds(cell: object, needle: bytes | str) -> bool:
    if isinstance(cell, bytes) and isinstance(needle, bytes):
        return needle in cell
    return isinstance(cell, str) and isinstance(needle, str) and needle in cell


def cells_holding(db: Path, needles: list[bytes | str]) -> list[str]:
    """Every (table, column) in the database with a cell holding one of `needles`."""
    found = []
    for table in tables(db):
        columns = [r[1] for r in rows(db, f"PRAGMA table_info({table})")]
        for row in rows(db, f"SELECT * FROM {table}"):
            for column, cell in zip(columns, row, strict=True):
                if any(_holds(cell, needle) for needle in needles):
                    found.append(f"{table}.{column}")
    return found


async def test_delete_leaves_nothing_that_can_be_tied_to_them(
    runtime: Runtime, tmp_path: Path
) -> None:
    db = tmp_path / DB_NAME
    storage, keys = runtime.storage, runtime.keys
    kit = Person(runtime, "sms", PHONE)
    # A finished survey, asking to hear back and about new surveys (so a contact is kept)...
    assert CONSENT_PROMPT in await kit.say("SERVICES")
    turns = better_services(hear_back="yes")
    turns[3] = Turn("yes", turns[3].expect)  # yes to new surveys too
    await answer(kit, turns)
    assert THANKS in turns[-1].expect
    # ...a You Said We Did queued for them, a wrong review code...
    await send_feedback(storage, keys, "better-services", "You said", "We did")
    assert "code" in (await kit.say("ABCD-2345")).lower()
    # ...and a care review bound to them, half written and not yet sent.
    worker = await storage.add_account("sam@council.example", "reviewer", "Sam", "2026-12-01")
    assert worker is not None
    due = date.today() + timedelta(days=20)
    invitation = await reviews.invite(
        storage, keys, "my-review", due, "sam@council.example", date.today()
    )
    assert CONSENT_PROMPT in await kit.say(invitation.code)
    for text in ("yes", "no", "4"):
        await kit.say(text)
    assert rows(db, "SELECT count(*) FROM code_attempts") == [(1,)]
    held = mydata_lines(await kit.say("MYDATA"))
    assert (
        f"- Your care review with Sam on {due.day} {due:%B %Y}, and anything you sent them for it."
        in held
    )
    assert any(line.startswith(f'- Your answers so far to "{REVIEW_TITLE}"') for line in held)

    pseudonym = kit.pseudonym
    [(sealed_contact,)] = rows(db, "SELECT address FROM contacts")
    open_responses = [
        r[0] for r in rows(db, "SELECT response_id FROM sessions WHERE response_id IS NOT NULL")
    ]
    assert open_responses
    needles: list[bytes | str] = [pseudonym, sealed_contact, *hex_forms(pseudonym), *open_responses]
    assert cells_holding(db, needles)  # before: their traces are everywhere

    confirm = await kit.say("DELETE")
    assert "can't be found, because they aren't linked to you" in confirm
    assert "Done" in await kit.say("yes")
    # Anything still queued for them went with them.
    assert await storage.due_messages("sms", "9999-12-31T00:00:00+00:00") == []

    assert cells_holding(db, needles) == []
    assert rows(db, "SELECT pseudonym, address, contribution FROM reviews") == [(None, None, None)]
    assert rows(db, "SELECT count(*) FROM code_attempts") == [(0,)]
    # Their finished, anonymous answers stay: nothing links them to anyone.
    assert rows(db, "SELECT count(*) FROM responses WHERE slug = 'better-services'") == [(1,)]
    assert "We don't hold anything about you" in await Person(runtime, "sms", PHONE).say("MYDATA")

    await storage.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(DB_NAME))
    assert pseudonym not in raw and sealed_contact not in raw
    assert not any(form.encode() in raw for form in hex_forms(pseudonym))
    assert leaked(tmp_path, [PHONE]) == []
    assert re.search(rb"ABCD-?2345", raw) is None
