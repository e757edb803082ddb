"""What is stored: no addresses or names, no link from a finished young person to their
answers, contact details only for those who asked to hear back (and gone after STOP or
DELETE). Conversations run through the real dispatcher; then the database file's raw
bytes are searched.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from storage import sqlite as sqlite_module
from tests.integration.conftest import Person
from tests.integration.helpers import (
    AREA_PROMPT,
    CONSENT_PROMPT,
    DB_NAME,
    HEAR_NEW_PROMPT,
    LISTENED_PROMPT,
    SLUG,
    Turn,
    better_services,
    rows,
    tables,
)

TELEGRAM_ID = "5512345678"
TELEGRAM_ID_2 = "5598765432"
PHONE = "+447700900123"
PHONE_2 = "+447700900456"
NAME = "Zebedee Quartermaine"
TYPED_PHONE = "07911 123456"
TYPED_EMAIL = "kim.jones@example.com"
TYPED_POSTCODE = "SW1A 1AA"
SAID = f"Text me on {TYPED_PHONE} or {TYPED_EMAIL}, I live at {TYPED_POSTCODE}"


def spellings(secret: str) -> set[str]:
    """The ways a phone number, chat id or name could have been written down."""
    forms = {secret, secret.lower(), secret.upper(), *secret.split()}
    digits = re.sub(r"\D", "", secret)
    if len(digits) >= 10:
        forms |= {digits, digits[-10:], "+" + digits}
        if digits.startswith("44"):
            forms |= {"0" + digits[2:], "+44 " + digits[2:]}
        if digits.startswith("0"):
            forms |= {digits[1:], "44" + digits[1:], "+44" + digits[1:]}
    return {form for form in forms if len(form) >= 5}


def leaked(folder: Path, secrets: list[str]) -> list[str]:
    """Secrets found, in any encoding, in the database or its WAL, journal or shm file."""
    blobs = [p.read_bytes() for p in folder.iterdir() if p.name.startswith(DB_NAME)]
    assert blobs
    found = []
    for secret in secrets:
        for form in spellings(secret):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                needle = form.encode(encoding)
                if any(needle in blob for blob in blobs):
                    found.append(f"{form!r} ({encoding})")
    return found


def pages_joining(folder: Path, pseudonym: bytes, response_id: str) -> list[str]:
    """Pages of the database file, and frames of its WAL, holding both values at once."""
    page = 4096
    found = []
    database = (folder / DB_NAME).read_bytes()
    for start in range(0, len(database), page):
        chunk = database[start : start + page]
        if pseudonym in chunk and response_id.encode() in chunk:
            found.append(f"database page {start // page + 1}")
    wal = folder / f"{DB_NAME}-wal"
    frames = wal.read_bytes() if wal.exists() else b""
    for start in range(32, len(frames), 24 + page):
        chunk = frames[start : start + 24 + page]
        if pseudonym in chunk and response_id.encode() in chunk:
            found.append(f"WAL frame at {start}")
    return found


async def no_pages_joining(folder: Path, pseudonym: bytes, response_id: str) -> list[str]:
    """The WAL is emptied shortly after a conversation ends: wait (a little) for that."""
    for _ in range(200):
        found = pages_joining(folder, pseudonym, response_id)
        if not found:
            return found
        await asyncio.sleep(0.025)
    return found


async def answer(person: Person, turns: list[Turn]) -> None:
    for turn in turns:
        reply = await person.say(turn.send)
        assert turn.expect in reply, f"{turn.send!r} got {reply!r}"


def row_count(db: Path, sql: str, *params: object) -> int:
    return int(rows(db, sql, params)[0][0])


def rows_holding(db: Path, value: bytes | str) -> list[tuple[str, tuple[object, ...]]]:
    """(table, row) for every row of every table with `value` in one of its columns."""
    found = []
    for table in tables(db):
        for row in rows(db, f"SELECT * FROM {table}"):
            for cell in row:
                inside = (
                    cell == value
                    or (isinstance(cell, bytes) and isinstance(value, bytes) and value in cell)
                    or (isinstance(cell, str) and isinstance(value, str) and value in cell)
                )
                if inside:
                    found.append((table, row))
                    break
    return found


def open_response_of(db: Path, person: Person) -> str:
    found = rows(db, "SELECT response_id FROM sessions WHERE pseudonym = ?", [person.pseudonym])
    assert found and found[0][0], "no open response"
    return str(found[0][0])


async def test_nothing_identifying_is_stored(
    runtime: Runtime, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "FORGET_AFTER_SECONDS", 0.0)
    db = tmp_path / DB_NAME
    finisher = Person(runtime, "telegram", TELEGRAM_ID)  # opts in to hear back
    anonymous = Person(runtime, "telegram", TELEGRAM_ID_2)  # finishes, asks for nothing
    texter = Person(runtime, "sms", PHONE)  # opts in, then STOP mid-way
    deleter = Person(runtime, "sms", PHONE_2)  # asks about new surveys, then DELETE
    refuser = Person(runtime, "console", NAME)  # says no to consent

    assert CONSENT_PROMPT in await finisher.say(start=SLUG)
    await answer(finisher, better_services(hear_back="yes", listened=1, not_listened=SAID))

    assert CONSENT_PROMPT in await anonymous.say(start=SLUG)
    turns = better_services(listened=5, matters="4")
    await answer(anonymous, turns[:6])
    anonymous_response = open_response_of(db, anonymous)
    assert pages_joining(tmp_path, anonymous.pseudonym, anonymous_response)  # while answering
    await answer(anonymous, turns[6:])
    # Finished: not even old page images in the WAL join them to their answers.
    assert await no_pages_joining(tmp_path, anonymous.pseudonym, anonymous_response) == []

    assert CONSENT_PROMPT in await texter.say("services")  # the survey's keyword, by SMS
    await answer(texter, better_services(hear_back="yes")[:5])  # up to the area
    texter_response = open_response_of(db, texter)

    assert CONSENT_PROMPT in await deleter.say("SERVICES")
    await answer(
        deleter,
        [
            Turn("yes", "How old are you?"),
            Turn("4", "message you later"),
            Turn("no", HEAR_NEW_PROMPT),
            Turn("yes", AREA_PROMPT),
            Turn("3", LISTENED_PROMPT),
        ],
    )
    deleter_response = open_response_of(db, deleter)

    assert CONSENT_PROMPT in await refuser.say(start=SLUG, opened=True)
    assert "haven't kept anything" in await refuser.say("no")

    # Contact details: only for the three who opted in, and only encrypted.
    contacts = rows(db, "SELECT pseudonym, channel, address FROM contacts")
    opted_in = {
        finisher.pseudonym: TELEGRAM_ID,
        texter.pseudonym: PHONE,
        deleter.pseudonym: PHONE_2,
    }
    assert {row[0] for row in contacts} == set(opted_in)
    for pseudonym, _channel, sealed in contacts:
        assert opted_in[pseudonym].encode() not in sealed
        assert runtime.keys.unseal(sealed, "contact") == opted_in[pseudonym]

    # The one who said no left nothing behind.
    for table in ("participants", "sessions", "participations", "contacts"):
        assert not rows(db, f"SELECT 1 FROM {table} WHERE pseudonym = ?", [refuser.pseudonym])
    assert not rows_holding(db, refuser.pseudonym)

    # STOP: no more messages, so the contact details go.
    assert await texter.say("STOP")
    assert not rows(db, "SELECT 1 FROM contacts WHERE pseudonym = ?", [texter.pseudonym])
    assert rows(db, "SELECT stopped FROM participants WHERE pseudonym = ?", [texter.pseudonym]) == [
        (1,)
    ]
    assert not rows(
        db, "SELECT 1 FROM participations WHERE hear_back = 1 AND pseudonym = ?", [texter.pseudonym]
    )

    # DELETE (confirmed): the participant, their session, contact and unfinished answers.
    assert row_count(db, "SELECT count(*) FROM answers WHERE response_id = ?", deleter_response)
    assert "?" in await deleter.say("DELETE")
    await deleter.say("yes")
    assert not rows_holding(db, deleter.pseudonym)
    assert not rows_holding(db, deleter_response)

    # The finished anonymous response cannot be joined to who gave it.
    anonymous_rows = rows_holding(db, anonymous.pseudonym)
    assert anonymous_rows, "the participant should still be known (so not asked twice)"
    for table, row in anonymous_rows:
        assert not any(isinstance(c, str) and anonymous_response in c for c in row), table
    for table, row in rows_holding(db, anonymous_response):
        assert table in ("responses", "answers"), table
        assert not any(isinstance(c, bytes) and anonymous.pseudonym in c for c in row), table
    assert rows(db, "SELECT count(*) FROM responses WHERE participant IS NOT NULL") == [(0,)]
    assert not rows(
        db,
        "SELECT 1 FROM sessions WHERE response_id IS NOT NULL AND pseudonym IN (?, ?)",
        [anonymous.pseudonym, finisher.pseudonym],
    )
    # The one who stopped mid-way has not finished: their answers so far are kept, and
    # stay theirs (to carry on after START, or to DELETE).
    assert row_count(db, "SELECT count(*) FROM answers WHERE response_id = ?", texter_response)
    assert open_response_of(db, texter) == texter_response

    # Responses carry a month, never a time; answers carry no time at all.
    months = rows(db, "SELECT month FROM responses")
    assert months and all(re.fullmatch(r"\d{4}-\d{2}", month) for (month,) in months)
    for row in rows(db, "SELECT * FROM responses"):
        assert not any(isinstance(c, str) and re.search(r"\d{4}-\d{2}-\d{2}", c) for c in row)
    answer_columns = [r[1] for r in rows(db, "PRAGMA table_info(answers)")]
    assert answer_columns == ["response_id", "question_id", "value"]

    # Free text keeps what was said, without the phone number, email or postcode.
    said = rows(db, "SELECT value FROM answers WHERE question_id = 'not_listened'")
    assert said == [("Text me on [removed] or [removed], I live at [removed]",)]

    secrets = [TELEGRAM_ID, TELEGRAM_ID_2, PHONE, PHONE_2, NAME]
    typed = [TYPED_PHONE, TYPED_EMAIL, TYPED_POSTCODE, "kim.jones"]
    assert leaked(tmp_path, secrets + typed) == []  # while running, WAL included

    assert await no_pages_joining(tmp_path, anonymous.pseudonym, anonymous_response) == []
    assert await no_pages_joining(tmp_path, deleter.pseudonym, deleter_response) == []

    await runtime.storage.close()
    assert leaked(tmp_path, secrets + typed) == []
    assert pages_joining(tmp_path, anonymous.pseudonym, anonymous_response) == []

    # Back again after a restart: the finisher is not offered the survey they took.
    async with open_runtime(settings) as again:
        reply = await Person(again, "telegram", TELEGRAM_ID).say(start=SLUG)
        assert "already" in reply.lower()
    assert leaked(tmp_path, secrets + typed) == []


async def test_a_message_delivered_twice_is_processed_once(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    db = tmp_path / DB_NAME
    kim = Person(runtime, "telegram", TELEGRAM_ID)
    assert CONSENT_PROMPT in await kim.say(start=SLUG, message_id="1")
    assert await kim.say(start=SLUG, message_id="1") == ""
    turns = better_services()
    for number, turn in enumerate(turns[:5], start=2):
        reply = await kim.say(turn.send, message_id=str(number))
        assert turn.expect in reply
        assert await kim.say(turn.send, message_id=str(number)) == ""
    # The area answer was delivered twice: stored once, and the conversation moved on once.
    assert rows(db, "SELECT value FROM answers WHERE question_id = 'area'") == [("north",)]
    assert await kim.say("2", message_id="4") == ""  # an old message turning up late
    reply = await kim.say(turns[5].send, message_id="7")
    assert turns[5].expect in reply
    assert rows(db, "SELECT count(*) FROM answers") == [(2,)]
    assert rows(db, "SELECT count(*) FROM inbound_seen WHERE channel = 'telegram'") == [(7,)]
    # Another channel's message 7 is a different message.
    other = Person(runtime, "sms", PHONE)
    assert CONSENT_PROMPT in await other.say("SERVICES", message_id="7")

    await runtime.storage.close()
    async with open_runtime(settings) as again:
        kim_again = Person(again, "telegram", TELEGRAM_ID)
        assert await kim_again.say(turns[5].send, message_id="7") == ""  # remembered on disk
        assert turns[6].expect in await kim_again.say(turns[6].send, message_id="8")
    assert rows(db, "SELECT count(*) FROM answers") == [(3,)]


async def test_changing_your_mind_about_hearing_back_drops_the_contact(
    runtime: Runtime, tmp_path: Path
) -> None:
    db = tmp_path / DB_NAME
    texter = Person(runtime, "sms", PHONE)
    assert CONSENT_PROMPT in await texter.say("SERVICES")
    await answer(texter, better_services(hear_back="yes")[:3])  # now asked about new surveys
    assert rows(db, "SELECT count(*) FROM contacts") == [(1,)]
    assert "message you later" in await texter.say("BACK")
    assert HEAR_NEW_PROMPT in await texter.say("no")
    assert rows(db, "SELECT count(*) FROM contacts") == [(0,)]
    assert AREA_PROMPT in await texter.say("yes")  # new surveys, then: a contact again
    assert rows(db, "SELECT count(*) FROM contacts") == [(1,)]
