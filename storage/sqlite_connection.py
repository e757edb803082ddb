"""Opening the SQLite file and writing to it patiently: the connection's settings, the
integrity check at every start, migrations, and writes tried again while SQLite reports the
file locked at once (as WAL mode can, without waiting for busy_timeout)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiosqlite

from storage.migrate import migrate
from storage.sqlite_audit import register_audit_hash

log = logging.getLogger(__name__)
_Item = TypeVar("_Item")

BUSY_TIMEOUT_MS = 15000
PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",  # first: every later statement may wait
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA cache_size = -16384",  # 16 MiB: memory stays flat as the database grows
)


async def patiently(
    write: Callable[[list[_Item]], Awaitable[list[bool]]],
    items: list[_Item],
) -> list[bool]:
    """`write(items)`, tried again while the database is locked. SQLite waits busy_timeout
    for a lock, but in WAL mode it can report one at once, without waiting (while another
    connection opens the file or resets the WAL); the failed transaction was rolled back, so
    trying again is safe."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
    pause = 0.01
    while True:
        try:
            return await write(items)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() > deadline:
                raise
            log.warning("the database was locked; trying the write again")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)


async def prepare(conn: aiosqlite.Connection, now: str) -> None:
    """Settings, WAL and migrations. When several processes open a new file at the same
    moment, SQLite can report it locked at once, without waiting (busy_timeout), while
    another switches it to WAL or creates the tables; so wait and try again here."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            for pragma in PRAGMAS:
                await conn.execute(pragma)
            await conn.execute("PRAGMA journal_mode = WAL")
            await check_integrity(conn)
            await register_audit_hash(conn)
            await migrate(conn, now)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() > deadline:
                raise
            await asyncio.sleep(0.01)


def damaged(path: str, what: str) -> str:
    """The one line shown when a database fails its integrity check."""
    return f"database {path} is damaged ({what}): restore a backup with youthvoice restore FILE"


class DatabaseDamaged(sqlite3.DatabaseError):
    """PRAGMA integrity_check did not answer "ok"."""


async def check_integrity(conn: aiosqlite.Connection) -> None:
    """On every start: a damaged file stops here, before anything is written to it."""
    async with conn.execute("PRAGMA integrity_check(1)") as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] != "ok":
        found = " ".join(str(row[0]).split()) if row else "no answer"
        raise DatabaseDamaged(f"integrity check failed: {found}")
