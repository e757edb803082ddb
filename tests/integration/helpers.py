"""Shared by the integration tests: running the real `youthvoice` command, the sample
conversation through `better-services`, and reading the database file directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.keys import KeyRing

SLUG = "better-services"
DB_NAME = "youthvoice.db"
TIMEOUT = 60
# Settings that must not leak into a test from the machine running it.
SETTING_PREFIXES = ("YOUTHVOICE_", "TELEGRAM_", "TWILIO_", "SMS_")


def command() -> list[str]:
    """The installed `youthvoice` script beside this Python, else `python -m bot.cli`."""
    script = Path(sys.executable).with_name("youthvoice")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "bot.cli"]


def clean_env(database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env["YOUTHVOICE_DATABASE"] = str(database)
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def run(
    folder: Path,
    *args: str,
    stdin: str | None = None,
    database: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run `youthvoice ARGS` in `folder` on `folder/youthvoice.db` (unless told otherwise)."""
    database = database or folder / DB_NAME
    return subprocess.run(
        [*command(), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        cwd=folder,
        env=env if env is not None else clean_env(database),
        timeout=timeout,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """stdout of a command that must have succeeded."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess[str], code: int | None = None) -> str:
    """The single stderr line of a command that must have failed cleanly."""
    assert result.returncode != 0, result.stdout
    if code is not None:
        assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- one young person's way through better-services ------------------------------------------
@dataclass(frozen=True)
class Turn:
    """What the young person sends, and words from the reply that must come back."""

    send: str
    expect: str


CONSENT_PROMPT = "Are you happy to take part?"
AGE_PROMPT = "How old are you?"
HEAR_BACK_PROMPT = "message you later to tell you what changed"
HEAR_NEW_PROMPT = "hear about new surveys"
AREA_PROMPT = "Which part of the county"
LISTENED_PROMPT = "How much do you feel listened to"
NOT_LISTENED_PROMPT = "What would help you feel listened to?"
KNOW_PROMPT = "were you told what difference they made?"
SAFE_PROMPT = "How safe do you feel where you live?"
MATTERS_PROMPT = "Which of these matter most to you?"
MENTAL_HEALTH_PROMPT = "would you know where to go?"
CHANGE_PROMPT = "If you could change one thing"
THANKS = "Thank you!"


def better_services(
    *,
    hear_back: str = "no",
    area: int = 1,
    listened: int = 4,
    not_listened: str = "Ask us first",
    know: str = "yes",
    safe: int = 4,
    matters: str = "1 3",
    mental_health: str = "yes",
    change: str = "More youth clubs",
) -> list[Turn]:
    """The turns after the consent question, for a 13-15 year old; follows show_if."""
    turns = [
        Turn("yes", AGE_PROMPT),
        Turn("2", HEAR_BACK_PROMPT),
        Turn(hear_back, HEAR_NEW_PROMPT),
        Turn("no", AREA_PROMPT),
        Turn(str(area), LISTENED_PROMPT),
    ]
    if listened in (1, 2):
        turns.append(Turn(str(listened), NOT_LISTENED_PROMPT))
        turns.append(Turn(not_listened, KNOW_PROMPT))
    else:
        turns.append(Turn(str(listened), KNOW_PROMPT))
    turns += [Turn(know, SAFE_PROMPT), Turn(str(safe), MATTERS_PROMPT)]
    if "2" in matters.replace(",", " ").split():
        turns.append(Turn(matters, MENTAL_HEALTH_PROMPT))
        turns.append(Turn(mental_health, CHANGE_PROMPT))
    else:
        turns.append(Turn(matters, CHANGE_PROMPT))
    turns.append(Turn(change, THANKS))
    return turns


def typed(turns: Sequence[Turn]) -> str:
    """The turns as the standard input of `youthvoice demo`."""
    return "".join(f"{turn.send}\n" for turn in turns)


# --- the database file, read directly ---------------------------------------------------------
@contextlib.contextmanager
def raw_db(path: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        yield conn


def rows(path: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with raw_db(path) as conn:
        return list(conn.execute(sql, tuple(params)))


def tables(path: Path) -> list[str]:
    found = rows(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [name for (name,) in found]


def dashboard_keys() -> KeyRing:
    """The key ring the dashboard's tests build their app with."""
    return KeyRing(b"a secret for tests only")


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait until condition() is true, looking every 20 ms; TimeoutError after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)
