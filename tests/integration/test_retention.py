"""The retention purge deletes what is due and nothing else: run at moments after a survey
closes, it ends hear-back promises that are kept or run out (and drops the contact details
nothing more is owed to), ends conversations left too long, and tidies housekeeping rows;
each run is in the audit log. `youthvoice purge` does the same by hand."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot import retention, reviews, survey_admin
from bot.feedback import send_feedback
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.web import auth
from conversations.survey_loader import parse_survey
from storage.sqlite_feedback import feedback_key_prefix
from tests.integration.conftest import Person
from tests.integration.helpers import (
    CONSENT_PROMPT,
    DB_NAME,
    Turn,
    better_services,
    ok,
    rows,
    run,
)

SLUG = "better-services"
SAMPLE = Path(__file__).parents[2] / "conversations" / "surveys" / f"{SLUG}.yaml"
_ids = itertools.count(1)


async def joins(person: Person, turns: list[Turn]) -> None:
    assert CONSENT_PROMPT in await person.say("SERVICES", message_id=str(next(_ids)))
    for turn in turns:
        reply = await person.say(turn.send, message_id=str(next(_ids)))
        assert turn.expect in reply, f"{turn.send!r} got {reply!r}"


def contacts_of(db: Path) -> set[bytes]:
    return {pseudonym for (pseudonym,) in rows(db, "SELECT pseudonym FROM contacts")}


def hearing_back(db: Path) -> set[bytes]:
    found = rows(db, "SELECT pseudonym FROM participations WHERE hear_back = 1")
    return {pseudonym for (pseudonym,) in found}


async def test_the_purge_deletes_what_is_due_and_nothing_else(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    db = tmp_path / DB_NAME
    storage, keys = runtime.storage, runtime.keys
    fed_back = Person(runtime, "sms", "+447700900001")  # hears back, and is told
    waiting = Person(runtime, "telegram", "7000002")  # hears back; also new surveys
    halfway = Person(runtime, "sms", "+447700900003")  # stops answering part-way
    reviewing = Person(runtime, "telegram", "7000004")  # a care review, never sent
    await joins(fed_back, better_services(hear_back="yes"))
    turns = better_services(hear_back="yes")
    turns[3] = Turn("yes", turns[3].expect)  # and yes to hearing about new surveys
    await joins(waiting, turns)
    await joins(halfway, better_services()[:6])
    halfway_response = rows(
        db, "SELECT response_id FROM sessions WHERE pseudonym = ?", [halfway.pseudonym]
    )
    await storage.add_account("sam@council.example", "reviewer", "Sam", "2026-12-01")
    today = date.today()
    invitation = await reviews.invite(
        storage, keys, "my-review", today + timedelta(days=200), "sam@council.example", today
    )
    assert "(yes / no)" in await reviewing.say(invitation.code)
    for text in ("yes", "2", "no", "no", "4"):
        await reviewing.say(text)
    await storage.add_account("new@council.example", "coordinator", None, "2026-12-01")
    account = await storage.account("new@council.example")
    assert account is not None
    await auth.make_password_link(storage, account, "http://test")

    start = datetime.now(UTC)
    await storage.set_survey_status(SLUG, "closed", start.isoformat(timespec="seconds"))
    await send_feedback(storage, keys, SLUG, "You said buses", "We added a bus")
    prefix = feedback_key_prefix(SLUG)
    [(sent_id,)] = rows(
        db,
        "SELECT id FROM outbox WHERE dedupe_key LIKE ? AND pseudonym = ?",
        (prefix + "%", fed_back.pseudonym),
    )
    await storage.claim(sent_id, start.isoformat())
    await storage.mark_sent(sent_id, "SM1", start.isoformat())
    assert contacts_of(db) == {fed_back.pseudonym, waiting.pseudonym}
    review_answers = rows(
        db, "SELECT count(*) FROM responses WHERE participant = ?", [reviewing.pseudonym]
    )
    assert review_answers == [(1,)]
    answers_before = rows(db, "SELECT count(*) FROM answers")

    # A day after closing: the survey promised news by its feedback_by date, still to come,
    # so every promise stands, even to the one already told something.
    report = await retention.purge(storage, settings, start + timedelta(days=1), "tester")
    assert report.counts["hear-back promises ended"] == 0
    assert contacts_of(db) == {fed_back.pseudonym, waiting.pseudonym}

    # Without a feedback_by date, the promise to the one who was told is kept: their
    # contact goes.
    source = SAMPLE.read_text("utf-8")
    source = re.sub(r"^feedback_by: .*\n", "", source, flags=re.MULTILINE)
    await survey_admin.add_survey_source(storage, parse_survey(source, SLUG), source)
    report = await retention.purge(storage, settings, start + timedelta(days=1), "tester")
    assert report.counts["hear-back promises ended"] == 1
    assert report.counts["contact details"] == 1
    assert hearing_back(db) == {waiting.pseudonym}
    assert contacts_of(db) == {waiting.pseudonym}
    assert report.counts["expired conversations"] == 0
    assert rows(db, "SELECT count(*) FROM sessions") == [(2,)]
    assert rows(db, "SELECT count(*) FROM password_links") == [(1,)]
    assert rows(db, "SELECT count(*) FROM answers") == answers_before

    # A month on: the two unfinished conversations end. The consultation's answers stay,
    # unlinked; the review's unsent answers go. The link expired; old message ids go.
    report = await retention.purge(storage, settings, start + timedelta(days=31), "tester")
    assert report.counts["expired conversations"] == 2
    assert report.counts["unsent review answers"] == 1
    assert report.counts["password links"] == 1
    assert report.counts["message ids remembered"] == next(_ids) - 1
    assert rows(db, "SELECT count(*) FROM sessions") == [(0,)]
    assert rows(db, "SELECT count(*) FROM responses WHERE participant IS NOT NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM responses WHERE id = ?", halfway_response[0]) == [(1,)]
    assert rows(
        db, "SELECT status FROM participations WHERE pseudonym = ?", [halfway.pseudonym]
    ) == [("left",)]
    assert rows(db, "SELECT count(*) FROM answers WHERE response_id = ?", halfway_response[0]) != [
        (0,)
    ]
    assert hearing_back(db) == {waiting.pseudonym}  # still inside the 90 days

    # Past YOUTHVOICE_CONTACT_RETENTION_DAYS: the promise runs out, but the contact of someone
    # who asked to hear about new surveys stays until they STOP.
    report = await retention.purge(storage, settings, start + timedelta(days=91), "tester")
    assert report.counts["hear-back promises ended"] == 1
    assert report.counts["contact details"] == 0
    assert hearing_back(db) == set() and contacts_of(db) == {waiting.pseudonym}

    # Nothing more is due: a purge now deletes nothing, and every run is in the audit log.
    report = await retention.purge(storage, settings, start + timedelta(days=91), "tester")
    assert report.total == 0 and report.summary() == "nothing was due"
    purges = [entry for entry in await storage.audit_entries() if entry[2] == "purge"]
    assert len(purges) == 5 and all(entry[1] == "tester" for entry in purges)
    assert purges[0][3] == "nothing was due" and "contact details: 1" in purges[1][3]


def test_purge_by_hand_prints_what_it_did(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "purge"))
    assert out.strip() == "Purged: nothing was due."
    assert rows(tmp_path / DB_NAME, "SELECT action FROM audit_log") == [("purge",)]


async def test_serve_purges_at_start_and_then_daily(runtime: Runtime, tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    halfway = Person(runtime, "sms", "+447700900009")
    await joins(halfway, better_services()[:6])
    scheduler = Scheduler(runtime)
    now = datetime.now(UTC)
    await scheduler.tick(now)
    await scheduler.tick(now + timedelta(hours=23))
    purges = rows(db, "SELECT actor FROM audit_log WHERE action = 'purge'")
    assert purges == [("serve (daily purge)",)]
    # A month later the conversation has expired, and the running bot knows it at once.
    await scheduler.tick(now + timedelta(days=31))
    assert len(rows(db, "SELECT actor FROM audit_log WHERE action = 'purge'")) == 2
    assert rows(db, "SELECT count(*) FROM sessions") == [(0,)]
    # They were at "were you told what difference they made?": a yes no longer answers it.
    reply = await halfway.say("yes", message_id=str(next(_ids)))
    assert "How safe do you feel" not in reply
