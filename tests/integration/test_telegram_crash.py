"""`youthvoice serve` as a real process: killed with SIGKILL after an update is saved but
before its reply could be sent, it sends that reply after a restart, once; SIGTERM stops it
cleanly within 10 seconds."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import DB_NAME, clean_env, command, rows, run
from tests.integration.telegram_world import SURVEY, Chatter, free_port

CHAT = 6612345678


def start_serve(folder: Path, fake: FakeTelegram) -> subprocess.Popen[str]:
    env = clean_env(
        folder / DB_NAME,
        YOUTHVOICE_PORT=str(free_port()),
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.url,
        PTB_TIMEDELTA="1",
    )
    return subprocess.Popen(
        [*command(), "serve"],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
def survey_folder(tmp_path: Path) -> Path:
    (tmp_path / "buses.yaml").write_text(SURVEY)
    assert run(tmp_path, "survey", "add", "buses.yaml").returncode == 0
    assert run(tmp_path, "survey", "open", "buses").returncode == 0
    return tmp_path


async def test_a_reply_saved_before_a_crash_is_sent_after_the_restart(survey_folder: Path) -> None:
    database = survey_folder / DB_NAME
    # Telegram refuses every send at first, so the reply can only wait in the outbox.
    async with FakeTelegram(rate_limit=0, tolerance=0) as fake:
        serve = start_serve(survey_folder, fake)
        try:
            await wait_for(lambda: bool(fake.commands))
            me = Chatter(fake, CHAT)
            me.says("/start buses")
            await wait_for(lambda: fake.rejected_429 > 0)
            assert rows(database, "SELECT count(*) FROM outbox WHERE status = 'queued'") == [(1,)]
        finally:
            serve.send_signal(signal.SIGKILL)
            serve.communicate(timeout=10)
        assert fake.messages_to(CHAT) == []

        fake.rate_limit = None  # Telegram is well again
        serve = start_serve(survey_folder, fake)
        try:
            (notice,) = await me.replies(1, timeout=20)
            assert "Getting around" in notice.text
            age = await me.tap(notice, "yes")
            assert age is not None and age.text == "How old are you?"
            await asyncio.sleep(1.0)
            texts = [m.text for m in fake.messages_to(CHAT)]
            assert len(texts) == 2, texts  # the update was not handled twice
        finally:
            serve.send_signal(signal.SIGTERM)
            started = time.monotonic()
            _out, err = serve.communicate(timeout=15)
        assert time.monotonic() - started < 10
        assert serve.returncode == 0, err
        assert "Traceback" not in err
    assert rows(database, "SELECT status, count(*) FROM outbox GROUP BY status") == [("sent", 3)]
    assert rows(database, "SELECT count(*) FROM outbox WHERE address IS NOT NULL") == [(0,)]
