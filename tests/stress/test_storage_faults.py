"""Storage faults: a full disk and a locked database, while young people text in.

A full disk (the database on a small tmpfs, filled up): the operator sees one clear line in
the log, not a traceback; the young person, texting or on Telegram, is asked, kindly, to send
it again; nothing is half-stored; once space is freed the database passes its integrity
check and the conversation carries on. A database another process holds a write lock on:
messages wait (busy_timeout) and are all answered once it lets go; nobody sees an error.

Quick by default; YOUTHVOICE_STRESS=full runs more people and more rounds (docs/stress.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels import TRY_AGAIN
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME
from tests.integration.telegram_world import Chatter, Texter, inbound_url, serving

FULL = os.environ.get("YOUTHVOICE_STRESS", "").strip().lower() == "full"
PEOPLE = 12 if FULL else 3
ROUNDS = 5 if FULL else 1
OPENING = ("buses", "yes", "17", "y", "nope")  # to the first question, "how"


@contextlib.contextmanager
def small_disk(where: Path, size: str = "16m") -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); run as root")
    print(f"\ndatabase on a {size} tmpfs at {where}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte; the file that did it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return filler


def empty_the_wal(database: Path) -> None:
    """Write the WAL back and cut it to nothing, so that the next write needs new space: a
    WAL with room left in it takes writes on a full disk, as it should."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0, "the WAL could not be emptied"


def phone(n: int) -> str:
    return f"+4477009{n:05d}"


async def test_a_full_disk(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with small_disk(tmp_path / "disk") as disk:
        async with (
            FakeTwilio() as fake,
            FakeTelegram() as telegram,
            serving(telegram, disk, twilio=fake) as (_s, runtime),
        ):
            people = [Texter(fake, inbound_url(runtime), phone(n)) for n in range(PEOPLE)]
            for person in people:
                for text in OPENING:
                    await person.say(text)
            chat = Chatter(telegram, 7_300_000_001)
            for text in OPENING:
                await chat.say(text)
            newcomer = Texter(fake, inbound_url(runtime), phone(99_999))
            for round_ in range(ROUNDS):
                before = await runtime.storage.answer_counts("buses")
                empty_the_wal(disk / DB_NAME)
                filler = fill(disk)
                caplog.clear()
                for person in people:
                    assert await person.say("2") == TRY_AGAIN  # "Walk"
                assert (await chat.say("2")).text == TRY_AGAIN
                if round_ == 0:
                    assert await newcomer.say("buses") == TRY_AGAIN
                failures = [r for r in caplog.records if "could not save" in r.getMessage()]
                assert {"SMS", "Telegram"} <= {
                    word for r in failures for word in r.getMessage().split()
                }, "the operator was not told"
                for record in failures:
                    line = record.getMessage()
                    assert record.exc_info is None, "a traceback instead of one clear line"
                    assert "\n" not in line and "disk is full" in line, line
                after = await runtime.storage.answer_counts("buses")
                assert after == before, "an answer was stored while the disk was full"

                filler.unlink()
                for person in people:
                    assert "What makes getting around hard?" in await person.say("2")
                    if round_ < ROUNDS - 1:  # back to "how" for the next round
                        assert "How do you usually get" in await person.say("back")
                assert "What makes getting around hard?" in (await chat.say("2")).text
                if round_ < ROUNDS - 1:
                    assert "How do you usually get" in (await chat.say("back")).text
                if round_ == 0:
                    assert "transport team" in await newcomer.say("buses")
                assert await runtime.storage.integrity_ok()
            counts = await runtime.storage.answer_counts("buses")
            assert counts["how"] == {"walk": PEOPLE + 1}, counts
        with sqlite3.connect(disk / DB_NAME) as db:  # as the next `serve` would open it
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN " + sys.argv[2])
print("held", flush=True)
time.sleep(float(sys.argv[3]))
db.execute("COMMIT")
print("released", flush=True)
"""


@pytest.mark.parametrize("mode", ["IMMEDIATE", "EXCLUSIVE"])
async def test_a_locked_database_only_makes_them_wait(tmp_path: Path, mode: str) -> None:
    seconds = 3.0
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        people = [Texter(fake, inbound_url(runtime), phone(n)) for n in range(PEOPLE * 2)]
        for person in people[::2]:  # half are mid-survey, half new
            for text in OPENING:
                await person.say(text)
        for _ in range(ROUNDS):
            holder = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                HOLD_LOCK,
                str(tmp_path / DB_NAME),
                mode,
                str(seconds),
                stdout=asyncio.subprocess.PIPE,
            )
            assert holder.stdout is not None
            assert (await holder.stdout.readline()).strip() == b"held"
            try:
                replies = await asyncio.gather(
                    *(person.say("2" if n % 2 == 0 else "buses") for n, person in enumerate(people))
                )
                assert (await holder.stdout.readline()).strip() == b"released"
            finally:
                with contextlib.suppress(ProcessLookupError):
                    holder.kill()
                await holder.wait()
            for n, reply in enumerate(replies):
                assert TRY_AGAIN not in reply
                expected = "What makes getting around hard?" if n % 2 == 0 else "transport team"
                assert expected in reply, reply
            for n, person in enumerate(people):  # back where they were, for the next round
                await person.say("back" if n % 2 == 0 else "no")  # "no": not taking part
        counts = await runtime.storage.answer_counts("buses")
        assert counts["how"] == {"walk": PEOPLE}, counts
        assert await runtime.storage.integrity_ok()
