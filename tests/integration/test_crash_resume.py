"""A crash part-way through a conversation loses nothing and stores nothing twice.

`youthvoice demo` runs as a real process fed one line at a time; it is killed with SIGKILL
(no clean-up of any kind), started again on the same database as the same young person,
and must carry on from the question after the last answer it acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.helpers import (
    CONSENT_PROMPT,
    DB_NAME,
    SLUG,
    THANKS,
    Turn,
    better_services,
    clean_env,
    command,
    ok,
    rows,
    run,
)

WAIT_SECONDS = 20
TURNS = better_services(area=1, listened=4, know="yes", safe=4, matters="1 3", change="Buses")


class Demo:
    """`youthvoice demo --survey better-services --as kim`, talked to line by line."""

    def __init__(self, folder: Path):
        self.process = subprocess.Popen(
            [*command(), "demo", "--survey", SLUG, "--as", "kim"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=folder,
            env=clean_env(folder / DB_NAME),
        )
        self._output = bytearray()
        self._errors = bytearray()
        self._lock = threading.Lock()
        self._readers = [
            threading.Thread(target=self._drain, args=(self.process.stdout, self._output)),
            threading.Thread(target=self._drain, args=(self.process.stderr, self._errors)),
        ]
        for reader in self._readers:
            reader.start()
        self.seen = 0  # how much output has been looked at

    def _drain(self, stream: object, into: bytearray) -> None:
        fd = stream.fileno()  # type: ignore[attr-defined]
        while chunk := os.read(fd, 65536):
            with self._lock:
                into.extend(chunk)

    @property
    def output(self) -> str:
        with self._lock:
            return self._output.decode("utf-8", "replace")

    def wait_for(self, *texts: str) -> str:
        """Wait until one of `texts` appears in new output; returns the new output."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            new = self.output[self.seen :]
            if any(text in new for text in texts):
                self.seen += len(new)
                return new
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        pytest.fail(f"waited for {texts!r}; got:\n{self.output[self.seen :]}\n{self._errors!r}")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()

    def say(self, turn: Turn) -> str:
        self.send(turn.send)
        return self.wait_for(turn.expect)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.finish()
        assert self.process.returncode == -signal.SIGKILL

    def finish(self) -> int:
        """Close standard input (end of the conversation) and wait for the process."""
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        try:
            code = self.process.wait(timeout=WAIT_SECONDS)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for reader in self._readers:
                reader.join(timeout=WAIT_SECONDS)
            for stream in (self.process.stdout, self.process.stderr):
                assert stream is not None
                stream.close()
        return code


StartDemo = Callable[[], "Demo"]


@pytest.fixture
def demos(tmp_path: Path) -> Iterator[StartDemo]:
    """Start demos; any still running at the end are killed, so a failure never hangs."""
    started: list[Demo] = []

    def start() -> Demo:
        demo = Demo(tmp_path)
        started.append(demo)
        return demo

    yield start
    for demo in started:
        if demo.process.returncode is None:
            demo.process.kill()
            demo.finish()


def check_stored_once(folder: Path) -> None:
    result = json.loads(ok(run(folder, "results", SLUG, "--format", "json", "--min-count", "1")))
    assert result["responses"] == 1 and result["completed"] == 1
    answered = {q["id"]: q["answered"] for q in result["questions"]}
    assert answered == {
        "area": 1,
        "listened_to": 1,
        "not_listened": 0,
        "know_difference": 1,
        "feel_safe": 1,
        "what_matters": 1,
        "mental_health_help": 0,
        "one_change": 1,
    }
    counts = {q["id"]: q["counts"] for q in result["questions"]}
    assert counts["area"]["north"] == 1
    assert counts["listened_to"]["4"] == 1
    assert counts["what_matters"] == {
        "things_to_do": 1,
        "mental_health": 0,
        "feeling_safe": 1,
        "getting_around": 0,
        "school": 0,
        "jobs": 0,
    }
    stored = rows(folder / DB_NAME, "SELECT question_id, value FROM answers ORDER BY 1, 2")
    assert stored == [
        ("area", "north"),
        ("feel_safe", "4"),
        ("know_difference", "yes"),
        ("listened_to", "4"),
        ("one_change", "Buses"),
        ("what_matters", "feeling_safe"),
        ("what_matters", "things_to_do"),
    ]
    assert rows(folder / DB_NAME, "PRAGMA integrity_check") == [("ok",)]


def finish_from(demo: Demo, position: int) -> None:
    for turn in TURNS[position:]:
        demo.say(turn)
    assert demo.finish() == 0
    assert THANKS in demo.output


# Killed after this many answers were acknowledged: at the age question, at the area
# question (opt-ins done), after the first answer, and at the last (free text) question.
@pytest.mark.parametrize("acknowledged", [1, 4, 5, 9])
def test_a_killed_demo_carries_on_where_it_was(
    tmp_path: Path, demos: StartDemo, acknowledged: int
) -> None:
    first = demos()
    first.wait_for(CONSENT_PROMPT)
    for turn in TURNS[:acknowledged]:
        first.say(turn)
    first.kill()

    second = demos()
    shown = second.wait_for(TURNS[acknowledged - 1].expect)
    assert "in the middle of" in shown  # told they are part-way through
    finish_from(second, acknowledged)
    check_stored_once(tmp_path)


@pytest.mark.parametrize("sent", [3, 6])
def test_a_demo_killed_before_it_could_reply(tmp_path: Path, demos: StartDemo, sent: int) -> None:
    """Killed straight after an answer was sent: it was either stored or it wasn't."""
    first = demos()
    first.wait_for(CONSENT_PROMPT)
    for turn in TURNS[:sent]:
        first.say(turn)
    first.send(TURNS[sent].send)
    first.kill()

    second = demos()
    before, after = TURNS[sent - 1].expect, TURNS[sent].expect
    shown = second.wait_for(before, after)
    assert (before in shown) != (after in shown), shown
    finish_from(second, sent if before in shown else sent + 1)
    check_stored_once(tmp_path)
