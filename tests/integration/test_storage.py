"""The storage contract, as the dispatcher and the CLI rely on it.

Written once for every backend: each is a `Backend` below, and every test takes the
`backend` fixture. SQLite always runs; a PostgreSQL backend is one more entry in BACKENDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot import dispatcher as dispatcher_module
from bot import survey_admin
from bot.catalogue import SurveyCatalogue
from bot.dispatcher import Dispatcher
from bot.keys import KeyRing
from conversations.messages import Inbound
from conversations.state import ParticipantState, session_to_json
from conversations.survey_loader import sample_survey_paths
from storage.migrate import available_migrations, migrate
from storage.protocol import Storage, StorageError
from storage.records import QueuedMessage, StepRecord
from storage.sqlite import SqliteStorage
from tests.integration.helpers import (
    CONSENT_PROMPT,
    SLUG,
    THANKS,
    Turn,
    better_services,
    raw_db,
)

NOW = "2026-11-23T10:00:00+00:00"
LATER = "2026-11-23T10:00:05.000+00:00"
LATER_STILL = "2026-11-23T10:01:00.000+00:00"
SECRET = b"a test secret that is long enough to use for keys"


@dataclass
class Backend:
    """How the contract tests open a backend and look inside it."""

    name: str
    open: Callable[[], Awaitable[Any]]
    migrations: Callable[[], Awaitable[list[tuple[int, str]]]]
    migrate_again: Callable[[], Awaitable[list[int]]]
    integrity_ok: Callable[[Any], Awaitable[bool]]
    rows: Callable[[str], list[tuple[Any, ...]]]


def sqlite_backend(folder: Path) -> Backend:
    path = folder / "contract.db"

    async def open_() -> SqliteStorage:
        return await SqliteStorage.open(path, NOW)

    async def migrations() -> list[tuple[int, str]]:
        with raw_db(path) as conn:
            return list(conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1"))

    async def migrate_again() -> list[int]:
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            return await migrate(conn, NOW)
        finally:
            await conn.close()

    async def integrity_ok(storage: SqliteStorage) -> bool:
        return await storage.integrity_ok()

    def query(sql: str) -> list[tuple[Any, ...]]:
        with raw_db(path) as conn:
            return list(conn.execute(sql))

    return Backend("sqlite", open_, migrations, migrate_again, integrity_ok, query)


BACKENDS = {"sqlite": sqlite_backend}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
async def storage(backend: Backend) -> AsyncIterator[Storage]:
    opened = await backend.open()
    try:
        yield opened
    finally:
        await opened.close()


def sample(slug: str) -> str:
    path = next(p for p in sample_survey_paths() if p.stem == slug)
    return path.read_text("utf-8")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def open_sample(storage: Storage, slug: str = SLUG) -> None:
    source = sample(slug)
    await storage.add_survey(slug, source, sha(source), NOW)
    await storage.set_survey_status(slug, "open", NOW)


async def dispatcher_on(storage: Storage) -> Dispatcher:
    dispatcher = Dispatcher(storage, KeyRing(SECRET), SurveyCatalogue(storage))
    await dispatcher.start()
    return dispatcher


async def talk(dispatcher: Dispatcher, address: str, turns: list[Turn]) -> None:
    async def say(text: str | None = None, start: str | None = None) -> str:
        inbound = Inbound(text=text, start=start, channel="sms")
        replies = await dispatcher.handle("sms", address, inbound)
        return "\n".join(reply.text for reply in replies)

    assert CONSENT_PROMPT in await say(start=SLUG)
    for turn in turns:
        reply = await say(turn.send)
        assert turn.expect in reply, (address, turn, reply)


def empty_step(pseudonym: bytes, message_id: str | None, channel: str = "sms") -> StepRecord:
    state = ParticipantState(last_seen=1.0)
    return StepRecord(
        pseudonym=pseudonym,
        channel=channel,
        message_id=message_id,
        state=state,
        events=(),
        previous_response_id=None,
        response_id=None,
        session_json=session_to_json(state),
        now=NOW,
    )


# --- migrations --------------------------------------------------------------------------------
async def test_migrations_are_recorded_and_applied_once(backend: Backend) -> None:
    expected = [(m.version, m.name) for m in available_migrations()]
    assert expected[0] == (1, "initial")
    storage = await backend.open()
    await storage.close()
    assert await backend.migrations() == expected
    assert await backend.migrate_again() == []
    storage = await backend.open()  # opening again changes nothing
    try:
        assert await storage.list_surveys() == []
        assert await backend.integrity_ok(storage)
    finally:
        await storage.close()
    assert await backend.migrations() == expected


async def test_several_processes_opening_a_new_database_at_once(backend: Backend) -> None:
    opened = await asyncio.gather(*(backend.open() for _ in range(4)), return_exceptions=True)
    for storage in opened:
        if not isinstance(storage, BaseException):
            await storage.close()
    assert [s for s in opened if isinstance(s, BaseException)] == []
    assert await backend.migrations() == [(m.version, m.name) for m in available_migrations()]


# --- surveys -------------------------------------------------------------------------------
async def test_add_survey_makes_a_new_version_only_when_changed(storage: Storage) -> None:
    source = sample(SLUG)
    assert await storage.add_survey(SLUG, source, sha(source), NOW) == (1, True)
    assert await storage.add_survey(SLUG, source, sha(source), NOW) == (1, False)
    changed = source.replace("Which part of the county", "Which part of the area")
    assert await storage.add_survey(SLUG, changed, sha(changed), NOW) == (2, True)

    current = await storage.get_survey(SLUG)
    assert current is not None and (current.version, current.source) == (2, changed)
    first = await storage.get_survey(SLUG, 1)
    assert first is not None and first.source == source
    assert await storage.get_survey(SLUG, 3) is None
    assert await storage.get_survey("nope") is None
    listed = await storage.list_surveys()
    assert [(s.slug, s.version, s.status, s.responses) for s in listed] == [(SLUG, 2, "draft", 0)]


async def test_survey_status(storage: Storage) -> None:
    source = sample(SLUG)
    await storage.add_survey(SLUG, source, sha(source), NOW)
    for status in ("open", "closed", "open"):
        await storage.set_survey_status(SLUG, status, NOW)
        found = await storage.get_survey(SLUG)
        assert found is not None and found.status == status
    # A new version of an open survey stays open.
    changed = source + "\n# a comment\n"
    await storage.add_survey(SLUG, changed, sha(changed), NOW)
    assert [(s.version, s.status) for s in await storage.list_surveys()] == [(2, "open")]


async def test_closing_a_survey_ends_conversations_in_progress(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher_module, "EXTERNAL_CHECK_SECONDS", 0.0)
    await open_sample(storage)
    dispatcher = await dispatcher_on(storage)
    await talk(dispatcher, "+447700900001", better_services()[:5])  # area answered
    await storage.set_survey_status(SLUG, "closed", NOW)
    replies = await dispatcher.handle("sms", "+447700900001", Inbound(text="4", channel="sms"))
    assert "has closed" in replies[0].text
    assert (await storage.response_totals(SLUG)).responses == 1
    assert (await storage.answered_counts(SLUG)).get("listened_to", 0) == 0


@pytest.mark.parametrize("elsewhere", [False, True])
async def test_no_answer_is_added_once_a_survey_has_closed(
    backend: Backend, storage: Storage, monkeypatch: pytest.MonkeyPatch, elsewhere: bool
) -> None:
    """Even by a dispatcher that has not noticed yet (it looks every so often)."""
    monkeypatch.setattr(dispatcher_module, "EXTERNAL_CHECK_SECONDS", 3600.0)
    await open_sample(storage)
    dispatcher = await dispatcher_on(storage)
    turns = better_services()
    await talk(dispatcher, "+447700900001", turns[:5])
    if elsewhere:  # as `youthvoice survey close` does, from another process
        coordinator = await backend.open()
        await coordinator.set_survey_status(SLUG, "closed", NOW)
        await coordinator.close()
    else:
        await storage.set_survey_status(SLUG, "closed", NOW)
    await dispatcher.handle("sms", "+447700900001", Inbound(text="4", channel="sms"))
    await dispatcher.handle("sms", "+447700900001", Inbound(text="BACK", channel="sms"))
    await dispatcher.handle("sms", "+447700900001", Inbound(text="2", channel="sms"))
    counts = await storage.answer_counts(SLUG)
    assert counts == {"area": {"north": 1}}


# --- steps -----------------------------------------------------------------------------------
async def test_a_message_id_is_saved_once(storage: Storage) -> None:
    assert await storage.save_step(empty_step(b"a" * 32, "SM1")) is True
    assert await storage.save_step(empty_step(b"a" * 32, "SM1")) is False
    assert await storage.save_step(empty_step(b"a" * 32, "SM1", channel="telegram")) is True
    assert await storage.save_step(empty_step(b"a" * 32, None)) is True
    assert await storage.save_step(empty_step(b"a" * 32, None)) is True
    # The same message twice in one group commit: the first is saved, the second is not.
    both = await asyncio.gather(
        storage.save_step(empty_step(b"b" * 32, "SM2")),
        storage.save_step(empty_step(b"c" * 32, "SM2")),
    )
    assert both == [True, False]


async def test_closing_storage_finishes_steps_already_handed_over(backend: Backend) -> None:
    storage = await backend.open()
    saving = [
        asyncio.ensure_future(storage.save_step(empty_step(bytes([n]) * 32, f"m{n}")))
        for n in range(200)
    ]
    await asyncio.sleep(0)  # all queued, the first batch being written
    await storage.close()
    assert all(await asyncio.gather(*saving))
    with pytest.raises(StorageError):
        await storage.save_step(empty_step(b"z" * 32, "late"))
    storage = await backend.open()
    try:
        again = [await storage.save_step(empty_step(bytes([n]) * 32, f"m{n}")) for n in range(200)]
        assert not any(again)  # every one of them was stored
    finally:
        await storage.close()


async def test_many_young_people_at_once_are_all_stored(backend: Backend, storage: Storage) -> None:
    await open_sample(storage)
    dispatcher = await dispatcher_on(storage)
    batch_sizes: list[int] = []
    if isinstance(storage, SqliteStorage):  # watch the group commit at work
        write_batch = storage._write_batch

        async def counting(records: list[StepRecord]) -> list[bool]:
            batch_sizes.append(len(records))
            return await write_batch(records)

        storage._write_batch = counting  # type: ignore[method-assign]

    people = 300
    areas = [1 + n % 3 for n in range(people)]  # north, south, east
    await asyncio.gather(
        *(
            talk(dispatcher, f"+4477009{n:05d}", better_services(area=areas[n], matters="1 3"))
            for n in range(people)
        )
    )
    totals = await storage.response_totals(SLUG)
    assert (totals.responses, totals.completed) == (people, people)
    counts = await storage.answer_counts(SLUG)
    assert counts["area"] == {"north": 100, "south": 100, "east": 100}
    assert counts["what_matters"] == {"things_to_do": people, "feeling_safe": people}
    assert counts["one_change"] == {"More youth clubs": people}
    answered = await storage.answered_counts(SLUG)
    assert answered["know_difference"] == people and "not_listened" not in answered
    assert len(await storage.export_responses(SLUG)) == people
    assert await backend.integrity_ok(storage)
    if batch_sizes:
        assert sum(batch_sizes) == people * (len(better_services()) + 1)
        assert max(batch_sizes) > 1, "steps were not committed together"


async def test_a_failing_step_does_not_stop_the_others(storage: Storage) -> None:
    good = empty_step(b"g" * 32, "ok-1")
    bad = StepRecord(
        pseudonym=b"h" * 32,
        channel="sms",
        message_id="bad-1",
        state=ParticipantState(stopped=True),
        events=(),
        previous_response_id=None,
        response_id=None,
        contact=b"sealed",
        session_json=None,
        now=NOW,
    )
    with contextlib.suppress(StorageError):
        await storage.save_step(bad)
    assert await storage.save_step(good) is True
    assert await storage.save_step(empty_step(b"g" * 32, "ok-1")) is False


async def test_a_returning_young_person_keeps_their_age_band(storage: Storage) -> None:
    await open_sample(storage)
    tiny = (
        "spec_version: 1\nslug: tiny\ntitle: Tiny\npurpose: A test.\naudience: Testers.\n"
        "questions:\n  - id: pet\n    type: choice\n    text: Cats or dogs?\n"
        "    options: [{id: cat, label: Cats}, {id: dog, label: Dogs}]\n"
    )
    await storage.add_survey("tiny", tiny, sha(tiny), NOW)
    await storage.set_survey_status("tiny", "open", NOW)
    dispatcher = await dispatcher_on(storage)
    await talk(dispatcher, "+447700900002", better_services())

    async def say(text: str | None = None, start: str | None = None) -> str:
        inbound = Inbound(text=text, start=start, channel="sms")
        replies = await dispatcher.handle("sms", "+447700900002", inbound)
        return "\n".join(reply.text for reply in replies)

    assert "Tiny" in await say(start="tiny")
    assert "message you later" in await say("yes")  # not asked their age again
    assert "Cats or dogs?" in await say("no")  # nor about new surveys
    assert THANKS in await say("1")
    exported = {r.age_band for slug in (SLUG, "tiny") for r in await storage.export_responses(slug)}
    assert exported == {"13_15"}


async def test_sample_surveys_through_the_admin_helpers(storage: Storage) -> None:
    added = await survey_admin.ensure_samples_open(storage)
    assert added == sorted(added) and SLUG in added
    assert await survey_admin.ensure_samples_open(storage) == []
    assert {s.status for s in await storage.list_surveys()} == {"open"}


# --- the outbox ----------------------------------------------------------------------------------
def queued_step(pseudonym: bytes, message_id: str, *bodies: str) -> StepRecord:
    queued = tuple(
        QueuedMessage(f"reply:telegram:{message_id}:{n}", body, b"sealed-address")
        for n, body in enumerate(bodies)
    )
    return replace(empty_step(pseudonym, message_id, "telegram"), queued=queued)


async def test_only_the_oldest_unsent_message_of_each_chat_is_due(storage: Storage) -> None:
    assert await storage.save_step(queued_step(b"a" * 32, "1", "a1", "a2"))
    assert await storage.save_step(queued_step(b"b" * 32, "2", "b1"))
    due = await storage.due_messages("telegram", LATER)
    assert [row.body for row in due] == ["a1", "b1"]
    assert all(row.address == b"sealed-address" for row in due)
    first_a = due[0]
    await storage.mark_retry(first_a.id, LATER_STILL, "429")
    due = await storage.due_messages("telegram", LATER)
    assert [row.body for row in due] == ["b1"]  # a2 waits behind a1
    await storage.mark_sent(first_a.id, "42", LATER)
    due = await storage.due_messages("telegram", LATER)
    assert [row.body for row in due] == ["a2", "b1"]
    assert await storage.outbox_counts("telegram") == {"queued": 2, "sent": 1}


async def test_due_messages_for_named_chats_only(storage: Storage) -> None:
    a, b, c = b"a" * 32, b"b" * 32, b"c" * 32
    assert await storage.save_step(queued_step(a, "1", "a1", "a2"))
    assert await storage.save_step(queued_step(b, "2", "b1"))
    assert await storage.save_step(queued_step(c, "3", "c1"))
    due = await storage.due_messages_for("telegram", [c, a], LATER)
    assert [row.body for row in due] == ["a1", "c1"]  # oldest first, one per chat
    assert [row.priority for row in due] == [0, 0]  # replies go before bulk sends
    await storage.mark_retry(due[0].id, LATER_STILL, "429")
    assert [row.body for row in await storage.due_messages_for("telegram", [a], LATER)] == []
    assert await storage.due_messages_for("sms", [a, b, c], LATER) == []
    assert await storage.due_messages_for("telegram", [], LATER) == []
    many = [bytes([n % 256, n // 256]) * 16 for n in range(1200)]  # more than one query's worth
    due = await storage.due_messages_for("telegram", [*many, b], LATER)
    assert [row.body for row in due] == ["b1"]


async def test_delivery_reports_move_a_message_on_but_never_back(
    storage: Storage, backend: Backend
) -> None:
    who = b"d" * 32
    step = queued_step(who, "1", "d1", "d2")
    step = replace(step, channel="sms", state=ParticipantState(hear_about_new=True))
    assert await storage.save_step(step)
    (one,) = await storage.due_messages("sms", LATER)  # d2 waits behind d1
    await storage.mark_sent(one.id, "SM1", LATER)
    assert await storage.record_delivery("sms", "SM1", "sent", None, LATER) == who
    assert await storage.outbox_counts("sms") == {"sent": 1, "queued": 1}
    await storage.record_delivery("sms", "SM1", "delivered", None, LATER)
    await storage.record_delivery("sms", "SM1", "sent", None, LATER_STILL)  # late, stale
    assert await storage.outbox_counts("sms") == {"delivered": 1, "queued": 1}
    (second,) = await storage.due_messages("sms", LATER)
    await storage.mark_sent(second.id, "SM2", LATER)
    await storage.record_delivery("sms", "SM2", "undelivered", "30003", LATER)
    assert await storage.outbox_counts("sms") == {"delivered": 1, "failed": 1}
    assert await storage.record_delivery("sms", "SM-unknown", "delivered", None, LATER) is None
    assert await storage.record_delivery("telegram", "SM1", "delivered", None, LATER) is None
    await storage.close()
    assert backend.rows(
        "SELECT provider_status, last_error FROM outbox WHERE provider_id = 'SM2'"
    ) == [("undelivered", "undelivered 30003")]


async def test_a_sent_or_failed_message_keeps_no_address(
    storage: Storage, backend: Backend
) -> None:
    await storage.save_step(queued_step(b"a" * 32, "1", "a1", "a2"))
    one, *_ = await storage.due_messages("telegram", LATER)
    await storage.mark_sent(one.id, "1", LATER)
    two, *_ = await storage.due_messages("telegram", LATER)
    await storage.mark_failed(two.id, "Bad Request")
    assert await storage.due_messages("telegram", LATER) == []
    await storage.close()
    assert backend.rows("SELECT count(*) FROM outbox WHERE address IS NOT NULL") == [(0,)]


async def test_a_repeated_reply_key_is_queued_once(storage: Storage) -> None:
    await storage.save_step(queued_step(b"a" * 32, "1", "first"))
    again = replace(queued_step(b"a" * 32, "1", "first"), message_id="1b")
    await storage.save_step(again)
    assert [row.body for row in await storage.due_messages("telegram", LATER)] == ["first"]


async def test_a_blocked_young_person_is_stopped_and_forgotten(storage: Storage) -> None:
    who = b"c" * 32
    step = queued_step(who, "1", "c1", "c2")
    await storage.save_step(replace(step, state=ParticipantState(hear_about_new=True)))
    await storage.mark_unreachable(who)
    assert await storage.due_messages("telegram", LATER) == []
    stored = await storage.load_participant(who)
    assert stored is not None and stored.stopped
    assert await storage.outbox_counts("telegram") == {"cancelled": 2}
