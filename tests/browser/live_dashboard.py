"""`youthvoice serve` as a browser test meets it: its own process on its own database, with a
Telegram fake in a thread for young people to talk through, and staff accounts made with
`youthvoice user add` as an administrator would."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.browser.telegram_thread import TelegramThread, telegram_in_a_thread
from tests.integration.helpers import DB_NAME, clean_env, command, ok, run
from tests.integration.telegram_world import free_port


@dataclass
class LiveDashboard:
    """`youthvoice serve` on its own database, talking to a Telegram fake."""

    url: str
    folder: Path
    env: dict[str, str]
    telegram: TelegramThread

    def account(self, email: str, role: str, *name: str) -> str:
        """`youthvoice user add`: the set-password link it printed."""
        more = ("--name", name[0]) if name else ()
        out = ok(run(self.folder, "user", "add", email, "--role", role, *more, env=self.env))
        link = re.search(r"(http://\S+/set-password/\S+)", out)
        assert link is not None, out
        return link.group(1)

    def youthvoice(self, *args: str, stdin: str | None = None) -> str:
        """A youthvoice command on the same database; its output."""
        return ok(run(self.folder, *args, stdin=stdin, env=self.env))


def wait_until_healthy(url: str, serve: subprocess.Popen[str], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or serve.poll() is not None:
            serve.kill()
            _out, err = serve.communicate(timeout=15)
            raise RuntimeError(f"serve did not start: {err}")
        time.sleep(0.1)


@contextmanager
def serving_dashboard(tmp_path: Path) -> Iterator[LiveDashboard]:
    """`youthvoice serve` on `tmp_path`'s database, with Telegram (a fake) and no quiet hours,
    so sends go at once."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with telegram_in_a_thread() as telegram:
        env = clean_env(
            tmp_path / DB_NAME,
            YOUTHVOICE_PORT=str(port),
            YOUTHVOICE_PUBLIC_URL=url,
            YOUTHVOICE_QUIET_HOURS="00:00-00:00",
            TELEGRAM_BOT_TOKEN=telegram.fake.token,
            TELEGRAM_API_BASE_URL=telegram.fake.url,
            PTB_TIMEDELTA="1",
        )
        serve = subprocess.Popen(
            [*command(), "serve"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_healthy(url, serve)
            yield LiveDashboard(url, tmp_path, env, telegram)
        finally:
            serve.terminate()
            serve.communicate(timeout=15)
