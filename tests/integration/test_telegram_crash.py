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
from tests.integration.helpers import (
    DB_NAME,
    clean_env,
    command,
    one_error_line,
    rows,
    run,
    wait_for,
)
from tests.integration.telegram_world import SURVEY, Chatter, free_port, start_serve

CHAT = 6612345678


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
            # Waiting in the outbox: queued, or claimed while its 429 is being recorded.
            waiting = "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')"
            assert rows(database, waiting) == [(1,)]
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


def serve_once(
    folder: Path, timeout: float = 30, **settings: str
) -> subprocess.CompletedProcess[str]:
    env = clean_env(folder / DB_NAME, PTB_TIMEDELTA="1", **settings)
    return subprocess.run(
        [*command(), "serve"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_malformed_token_is_a_setting_error(tmp_path: Path) -> None:
    result = serve_once(
        tmp_path, TELEGRAM_BOT_TOKEN="not a token", YOUTHVOICE_PORT=str(free_port())
    )
    assert one_error_line(result, 2).startswith("youthvoice: TELEGRAM_BOT_TOKEN:")


async def test_a_token_telegram_refuses_is_a_setting_error(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        result = await asyncio.to_thread(
            serve_once,
            tmp_path,
            TELEGRAM_BOT_TOKEN="999:WRONG-token",
            TELEGRAM_API_BASE_URL=fake.url,
            YOUTHVOICE_PORT=str(free_port()),
        )
    assert one_error_line(result, 2) == (
        "youthvoice: TELEGRAM_BOT_TOKEN: Telegram did not accept this token"
    )


def test_telegram_out_of_reach_is_one_clear_line(tmp_path: Path) -> None:
    result = serve_once(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123:ABC",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}",
        YOUTHVOICE_PORT=str(free_port()),
    )
    assert one_error_line(result, 1).startswith(
        "youthvoice: cannot reach Telegram at http://127.0.0.1:"
    )


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = serve_once(tmp_path, YOUTHVOICE_PORT=str(port))
    assert one_error_line(result, 1).startswith(f"youthvoice: cannot listen on 127.0.0.1:{port}")
