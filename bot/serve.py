"""`youthvoice serve`: every configured channel, the HTTP server and the senders, until
SIGTERM or SIGINT; then a clean stop (work in hand finishes or stays queued) within 10 s."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.alert_delivery import AlertSender
from bot.channels.sms_channel import SmsChannel
from bot.channels.sms_sender import SmsSender
from bot.channels.telegram_channel import TelegramChannel
from bot.runtime import Runtime, open_runtime
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.web.app import build_app
from storage.backup import serving

log = logging.getLogger(__name__)
STOP_WITHIN = 10.0


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: serve decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ServeError(RuntimeError):
    """Why serve cannot start, in one line; `code` 2 for a bad setting."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Service:
    """Everything `serve` runs, so tests can start and stop it in their own event loop."""

    def __init__(self, runtime: Runtime, *, telegram_per_chat_rate: float = 1.0):
        self.runtime = runtime
        settings = runtime.settings
        self.telegram: TelegramChannel | None = None
        if settings.telegram_bot_token is not None:
            self.telegram = TelegramChannel.from_settings(
                settings, runtime.dispatcher, runtime.storage, telegram_per_chat_rate
            )
        self.sms: SmsChannel | None = None
        self.sms_sender: SmsSender | None = None  # made at start, in the running loop
        self._sms_task: asyncio.Task[None] | None = None
        self.scheduler = Scheduler(runtime)
        self._scheduler_task: asyncio.Task[None] | None = None
        self.alert_sender = AlertSender(settings, runtime.storage, runtime.keys)
        self._alert_task: asyncio.Task[None] | None = None
        if settings.sms_enabled:
            self.sms = SmsChannel.from_settings(settings, runtime.dispatcher, runtime.storage)
        self.app = build_app(
            runtime.storage,
            self.telegram,
            self.sms,
            keys=runtime.keys,
            secure_cookies=runtime.settings.public_url.startswith("https://"),
            invites_per_30_days=settings.invites_per_30_days,
            public_url=settings.public_url,
        )
        config = uvicorn.Config(
            self.app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self.server = _Server(config)
        self._server_task: asyncio.Task[None] | None = None
        self._socket: socket.socket

    async def start(self) -> None:
        settings = self.runtime.settings
        if self.sms is not None:
            # Before the first webhook: replies it claims are this process's, not a crash's.
            runtime = self.runtime
            self.sms_sender = SmsSender.from_settings(settings, runtime.storage, runtime.keys)
            self.sms_sender.on_unreachable = runtime.dispatcher.forget
        self._socket = _listen(settings.host, settings.port)
        self._server_task = asyncio.create_task(self.server.serve(sockets=[self._socket]))
        while not self.server.started:
            if self._server_task.done():
                raise ServeError(f"the HTTP server on {settings.host}:{settings.port} stopped")
            await asyncio.sleep(0.02)
        if self.telegram is not None:
            try:
                await self.telegram.start()
            except InvalidToken:
                await self.stop()
                message = "TELEGRAM_BOT_TOKEN: Telegram did not accept this token"
                raise ServeError(message, 2) from None
            except (NetworkError, TelegramError) as exc:
                await self.stop()
                where = settings.telegram_api_base_url
                raise ServeError(f"cannot reach Telegram at {where}: {exc}") from None
        self._scheduler_task = asyncio.create_task(self.scheduler.run())
        if settings.alerts_delivered:
            self._alert_task = asyncio.create_task(self.alert_sender.run())
        if self.sms_sender is not None:
            self._sms_task = asyncio.create_task(self.sms_sender.run())

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    async def stop(self) -> None:
        self.scheduler.stop()
        if self._scheduler_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._scheduler_task, timeout=STOP_WITHIN / 4)
        self.alert_sender.stop()
        if self._alert_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._alert_task, timeout=STOP_WITHIN / 4)
        if self.telegram is not None:
            await self.telegram.stop()
        if self.sms_sender is not None:
            await self.sms_sender.stop()
            if self._sms_task is not None:
                self._sms_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._sms_task
            await self.sms_sender.close()
        self.server.should_exit = True
        if self._server_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server_task, timeout=STOP_WITHIN / 2)


def _steady_garbage_collection() -> None:
    """What start-up made lives as long as the process: keep the collector from walking it
    again and again (a full collection of a large heap stalls the loop for tens of ms, and
    messages paced evenly then leave bunched), and collect the young less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@contextlib.asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[Runtime]:
    """The runtime, holding the lock that keeps `youthvoice restore` away meanwhile."""
    with serving(settings.database):
        async with open_runtime(settings) as runtime:
            yield runtime


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with _serving(settings) as runtime:
        service = Service(runtime)
        await service.start()
        _steady_garbage_collection()
        names = [name for name, on in (("telegram", service.telegram), ("sms", service.sms)) if on]
        channels = ", ".join(names) or "no messaging channel configured"
        print(
            f"youthvoice serving on http://{settings.host}:{service.port} ({channels});"
            " stop with Ctrl-C",
            flush=True,
        )
        await stop.wait()
        await service.stop()
