"""A write that SQLite reports locked at once (as it can in WAL mode, without waiting for
busy_timeout) is tried again rather than failing the young person's message."""

from __future__ import annotations

import sqlite3

import pytest

from storage import sqlite_connection


async def test_a_locked_write_is_tried_again_until_it_goes() -> None:
    tries: list[int] = []

    async def write(items: list[object]) -> list[bool]:
        tries.append(len(items))
        if len(tries) < 3:
            raise sqlite3.OperationalError("database is locked")
        return [True] * len(items)

    assert await sqlite_connection.patiently(write, [object(), object()]) == [True, True]
    assert tries == [2, 2, 2]


async def test_other_errors_are_not_tried_again() -> None:
    tries = 0

    async def write(items: list[object]) -> list[bool]:
        nonlocal tries
        tries += 1
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(sqlite3.OperationalError, match="full"):
        await sqlite_connection.patiently(write, [])
    assert tries == 1


async def test_a_lock_that_never_goes_fails_after_the_busy_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite_connection, "BUSY_TIMEOUT_MS", 50)

    async def write(items: list[object]) -> list[bool]:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await sqlite_connection.patiently(write, [])
