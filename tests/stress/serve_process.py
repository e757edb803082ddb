"""`youthvoice serve` as its own process on one fixed port, killed and started again at will.

The port stays the same across restarts, so young people texting in (and Twilio's
signatures, made for the public URL) need not know the bot was ever gone."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, clean_env, command
from tests.integration.telegram_world import free_port, provider_settings

WEBHOOK_SECRET = "s3cret-token_for-stress"


class ServeProcess:
    def __init__(
        self,
        folder: Path,
        telegram: FakeTelegram | None,
        twilio: FakeTwilio | None,
        **settings: str,
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "YOUTHVOICE_PORT": str(self.port),
            "YOUTHVOICE_PUBLIC_URL": self.url,
            "YOUTHVOICE_QUIET_HOURS": "00:00-00:00",  # bulk sends whatever the time of day
            "PTB_TIMEDELTA": "1",
            **provider_settings(telegram, twilio),
        }
        self.env = clean_env(folder / DB_NAME, **(env | settings))
        self.log = folder / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.starts = 0

    @property
    def sms_url(self) -> str:
        return f"{self.url}/sms/inbound"

    async def start(self, timeout: float = 30) -> None:
        """Start serve and return once /healthz answers."""
        with self.log.open("ab") as log:
            log.write(f"--- start {self.starts + 1}\n".encode())
            self.process = subprocess.Popen(
                [*command(), "serve"],
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.starts += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"serve exited with {self.process.returncode}: {self.tail()}"
                    )
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if loop.time() > deadline:
                    raise TimeoutError(f"serve not healthy in {timeout}s: {self.tail()}")
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    async def restart(self) -> None:
        self.kill()
        await self.start()

    def stop(self) -> None:
        """SIGTERM, and it must stop cleanly."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        assert code == 0, self.tail()

    def ensure_dead(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def tracebacks(self) -> list[str]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [part for part in text.split("--- start ") if "Traceback" in part]
