"""Telegram benchmark: N young people tapping through a Q-question survey, over real HTTP.

The fake Telegram Bot API runs in its own process (no rate limit unless asked for). A driver
here plays the young people: each sends "/start bench", then taps consent, an age band, both
opt-ins and every question, waiting for each reply before the next tap, `--concurrency` at
once. The same stream runs first against `youthvoice serve` (its own process, long polling,
on a temporary database), then against a python-telegram-bot bot written the usual way
(benchmarks/ptb_bot.py). Progress goes to stderr; the last line is one JSON object:

    python -m benchmarks.telegram --participants 1000 --questions 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from benchmarks.ptb_bot import SURVEY, Question, questions, steps
from bot import event_loop

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN"
SETTING_PREFIXES = ("YOUTHVOICE_", "TELEGRAM_", "TWILIO_", "SMS_")
PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
READY_TIMEOUT = 60.0
SHIPPED_PER_CHAT_RATE = 1.0  # what `youthvoice serve` sends to one chat, messages/s
STOP_TIMEOUT = 15.0
SETTLE_TIMEOUT = 10.0
FIRST_CHAT = 700_000_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- the survey and the young people's answers ----------------------------------------------
def survey_yaml(count: int) -> str:
    """The benchmark survey as a youthvoice survey file (the same questions as ptb_bot's)."""
    lines = [
        "spec_version: 1",
        f"slug: {SURVEY}",
        "title: Benchmark survey",
        "keyword: BENCH",
        "purpose: To measure how fast youthvoice answers.",
        "audience: Nobody; this is a benchmark.",
        "questions:",
    ]
    for question in questions(count):
        lines += [
            f"  - id: {question.key}",
            f"    type: {question.kind}",
            f"    text: {question.text.splitlines()[0]}",
        ]
        if question.kind == "choice":
            lines.append("    options:")
            lines += [f"      - {{id: {data}, label: {label}}}" for data, label in question.options]
    return "\n".join(lines) + "\n"


def taps_for(all_steps: list[Question], who: int) -> list[str]:
    """The callback data a young person taps, step by step."""
    chosen = {"consent": "yes", "age_band": "16_17", "hear_back": "no", "hear_new": "no"}
    by_kind = {"choice": "b", "scale": str(1 + who % 5), "yes_no": "yes"}
    return [chosen.get(step.key, by_kind[step.kind]) for step in all_steps]


# --- processes ------------------------------------------------------------------------------
def child_env(**settings: str) -> dict[str, str]:
    """This environment without youthvoice settings or proxies, plus `settings`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SETTING_PREFIXES) and name.lower() not in PROXIES
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


def serve_settings(home: Path, port: int) -> dict[str, str]:
    """The settings every benchmark's `youthvoice serve` starts from: a database of its own
    in `home`, a fresh key, `port`, and no quiet hours (a run must not depend on the time)."""
    return {
        "YOUTHVOICE_DATABASE": str(home / "youthvoice.db"),
        "YOUTHVOICE_SECRET_KEY": secrets.token_urlsafe(32),
        "YOUTHVOICE_PORT": str(port),
        "YOUTHVOICE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "YOUTHVOICE_QUIET_HOURS": "00:00-00:00",
    }


def youthvoice_command() -> list[str]:
    script = Path(sys.executable).with_name("youthvoice")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int, task: int | None = None) -> float:
    """User plus system CPU time of a process (or one of its threads) so far, from /proc."""
    where = f"/proc/{pid}/task/{task}/stat" if task else f"/proc/{pid}/stat"
    stat = Path(where).read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main_thread_seconds(pid: int) -> float:
    """CPU time of a process's first thread, which runs its event loop."""
    return cpu_seconds(pid, pid)


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


@asynccontextmanager
async def launched(
    name: str, command: list[str], *, env: dict[str, str], cwd: Path, log: Path, ready: str
) -> AsyncIterator[tuple[subprocess.Popen[bytes], str]]:
    """A process whose first line on stdout starts with `ready`; stopped (SIGTERM, then
    SIGKILL) when the block ends, however it ends. Yields the process and that line."""
    with log.open("wb") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=cwd)
    try:
        assert process.stdout is not None
        try:
            raw = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), READY_TIMEOUT)
        except TimeoutError:
            raise RuntimeError(f"{name} did not start within {READY_TIMEOUT:.0f}s") from None
        line = raw.decode(errors="replace").strip()
        if not line.startswith(ready):
            raise RuntimeError(
                f"{name} did not start (exit code {process.poll()}): {line!r}\n{tail(log)}"
            )
        yield process, line
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


# --- the driver -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Received:
    """A message the bot sent, as the driver saw it."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[str]
    at: float  # perf_counter when the driver got it


@dataclass
class Drive:
    """What one run of the young people saw."""

    messages: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)


class Driver:
    """Plays the young people through the fake's /_test/ routes.

    Their messages and taps are batched into one POST while the previous one is in flight,
    and one long poll reads everything the bot sent, so the driver and the fake spend as
    little as they can of the machine the bots are measured on.
    """

    def __init__(self, client: httpx.AsyncClient, reply_timeout: float) -> None:
        self.client = client
        self.reply_timeout = reply_timeout
        self.inboxes: defaultdict[int, asyncio.Queue[Received]] = defaultdict(asyncio.Queue)
        self.replies = 0
        self._pending: list[dict[str, Any]] = []
        self._has_pending = asyncio.Event()
        self._next = 0

    def act(self, action: dict[str, Any]) -> float:
        """Queue a message or tap; returns when it was made (perf_counter)."""
        self._pending.append(action)
        self._has_pending.set()
        return time.perf_counter()

    async def reply(self, chat_id: int) -> Received:
        try:
            return await asyncio.wait_for(self.inboxes[chat_id].get(), self.reply_timeout)
        except TimeoutError:
            raise RuntimeError(
                f"chat {chat_id}: no reply within {self.reply_timeout:.0f}s"
            ) from None

    async def send_actions(self) -> None:
        while True:
            await self._has_pending.wait()
            batch, self._pending = self._pending, []
            self._has_pending.clear()
            response = await self.client.post("/_test/actions", json=batch)
            if response.status_code != 200:
                raise RuntimeError(f"the fake refused a message or tap: {response.text}")

    async def read_sent(self) -> None:
        while True:
            response = await self.client.get(
                "/_test/sent", params={"after": self._next, "timeout": 5}
            )
            response.raise_for_status()
            now = time.perf_counter()
            found = response.json()
            for sent in found["messages"]:
                self.inboxes[sent["chat_id"]].put_nowait(
                    Received(
                        sent["chat_id"], sent["message_id"], sent["text"], sent["buttons"], now
                    )
                )
            self.replies += len(found["messages"])
            self._next = found["next"]

    async def young_person(self, who: int, all_steps: list[Question], drive: Drive) -> None:
        chat_id = FIRST_CHAT + who
        started = self.act({"chat_id": chat_id, "say": f"/start {SURVEY}"})
        reply = await self.reply(chat_id)
        drive.latencies.append(reply.at - started)
        for data in taps_for(all_steps, who):
            if data not in reply.buttons:
                raise RuntimeError(
                    f"chat {chat_id}: expected a button {data!r}, the bot sent "
                    f"{reply.text!r} with buttons {reply.buttons}"
                )
            started = self.act({"chat_id": chat_id, "message_id": reply.message_id, "tap": data})
            reply = await self.reply(chat_id)
            drive.latencies.append(reply.at - started)
        if reply.buttons:
            raise RuntimeError(f"chat {chat_id}: the survey did not end: {reply.text!r}")


async def progress(name: str, driver: Driver, expected: int) -> None:
    started = time.perf_counter()
    while True:
        await asyncio.sleep(5)
        elapsed = time.perf_counter() - started
        print(
            f"  {name}: {driver.replies}/{expected} replies, "
            f"{driver.replies / elapsed:.0f}/s over {elapsed:.0f}s",
            file=sys.stderr,
        )


async def watch(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Fails the run as soon as the fake or the bot stops, not a reply timeout later."""
    while True:
        await asyncio.sleep(0.5)
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} stopped during the run (exit code {process.returncode})"
                )


async def drive(
    name: str,
    url: str,
    processes: dict[str, subprocess.Popen[bytes]],
    options: argparse.Namespace,
) -> Drive:
    """Every young person through the survey; returns once the last has had their last reply."""
    participants, question_count = options.participants, options.questions
    all_steps = steps(question_count)
    expected = participants * (len(all_steps) + 1)
    result = Drive()
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with httpx.AsyncClient(
        base_url=url, timeout=30, trust_env=False, limits=limits
    ) as client:
        driver = Driver(client, options.reply_timeout)
        whom = iter(range(participants))

        async def young_people() -> None:
            for who in whom:
                await driver.young_person(who, all_steps, result)

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            helpers = [
                group.create_task(driver.send_actions()),
                group.create_task(driver.read_sent()),
                group.create_task(progress(name, driver, expected)),
                group.create_task(watch(processes)),
            ]
            people = [
                group.create_task(young_people())
                for _ in range(min(options.concurrency, participants))
            ]
            await asyncio.gather(*people)
            result.seconds = time.perf_counter() - started
            for helper in helpers:
                helper.cancel()
    result.messages = len(result.latencies)
    return result


async def settle(url: str, taps: int) -> dict[str, Any]:
    """Wait (briefly) until every tap is answered, so the CPU read covers all the work."""
    async with httpx.AsyncClient(base_url=url, timeout=10, trust_env=False) as client:
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            stats: dict[str, Any] = (await client.get("/_test/stats")).json()
            if stats["answered_callbacks"] >= taps or time.monotonic() > deadline:
                return stats
            await asyncio.sleep(0.1)


# --- the two bots ---------------------------------------------------------------------------
@dataclass
class Figures:
    messages: int
    seconds: float
    messages_per_s: float
    cpu_s_per_1000: float
    loop_cpu_s_per_1000: float  # the bot's event-loop thread; the rest is its other threads
    fake_cpu_s_per_1000: float
    driver_cpu_s_per_1000: float
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Fake:
    url: str
    process: subprocess.Popen[bytes]


@asynccontextmanager
async def fake_telegram(folder: Path, options: argparse.Namespace) -> AsyncIterator[Fake]:
    command = [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--token", TOKEN]
    for flag in ("rate_limit", "per_chat_rate", "tolerance", "latency_ms"):
        value = getattr(options, flag)
        if value is not None:
            command += [f"--{flag.replace('_', '-')}", str(value)]
    async with launched(
        "the fake Telegram",
        command,
        env=child_env(),
        cwd=ROOT,
        log=folder / "fake.log",
        ready="http://127.0.0.1:",
    ) as (process, url):
        yield Fake(url, process)


async def measure(
    name: str, bot: subprocess.Popen[bytes], fake: Fake, options: argparse.Namespace
) -> Figures:
    """Drive the young people through a running bot; its figures."""
    bot_before, fake_before = cpu_seconds(bot.pid), cpu_seconds(fake.process.pid)
    loop_before = main_thread_seconds(bot.pid)
    driver_before = time.process_time()
    processes = {name: bot, "the fake Telegram": fake.process}
    result = await drive(name, fake.url, processes, options)
    stats = await settle(fake.url, options.participants * len(steps(options.questions)))
    bot_cpu = cpu_seconds(bot.pid) - bot_before
    loop_cpu = main_thread_seconds(bot.pid) - loop_before
    fake_cpu = cpu_seconds(fake.process.pid) - fake_before
    driver_cpu = time.process_time() - driver_before
    if bot.poll() is not None:
        raise RuntimeError(f"{name} stopped during the run (exit code {bot.returncode})")
    if stats["errors"] or stats["rejected_429"]:
        print(
            f"  {name}: the fake answered {stats['errors']} errors "
            f"({stats['rejected_429']} of them 429), the last: {stats['last_errors']}",
            file=sys.stderr,
        )
    latencies = sorted(result.latencies)
    per_1000 = 1000 / result.messages
    figures = Figures(
        messages=result.messages,
        seconds=round(result.seconds, 2),
        messages_per_s=round(result.messages / result.seconds, 1),
        cpu_s_per_1000=round(bot_cpu * per_1000, 3),
        loop_cpu_s_per_1000=round(loop_cpu * per_1000, 3),
        fake_cpu_s_per_1000=round(fake_cpu * per_1000, 3),
        driver_cpu_s_per_1000=round(driver_cpu * per_1000, 3),
        p50_ms=round(statistics.median(latencies) * 1000, 1),
        p99_ms=round(latencies[max(0, math.ceil(len(latencies) * 0.99) - 1)] * 1000, 1),
    )
    print(f"  {name}: {figures}", file=sys.stderr)
    return figures


async def run_youthvoice(folder: Path, options: argparse.Namespace) -> Figures:
    home = folder / "youthvoice"
    home.mkdir()
    async with fake_telegram(home, options) as fake:
        port = free_port()
        env = child_env(
            YOUTHVOICE_DATABASE=str(home / "youthvoice.db"),
            YOUTHVOICE_PORT=str(port),
            YOUTHVOICE_PUBLIC_URL=f"http://127.0.0.1:{port}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.url,
            TELEGRAM_RATE_LIMIT=str(options.telegram_rate_limit),
        )
        (home / "bench.yaml").write_text(survey_yaml(options.questions), "utf-8")
        for words in (["survey", "add", "bench.yaml"], ["survey", "open", SURVEY]):
            done = subprocess.run(
                [*youthvoice_command(), *words],
                cwd=home,
                env=env,
                capture_output=True,
                text=True,
                timeout=READY_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"youthvoice {' '.join(words)} failed: {done.stderr.strip()}")
        command = [*youthvoice_command(), "serve"]
        if options.youthvoice_per_chat_rate != SHIPPED_PER_CHAT_RATE:
            # There is no setting for the pace: the same Service, started with another one.
            command = [
                sys.executable,
                "-m",
                "benchmarks.telegram",
                "--serve-youthvoice",
                str(options.youthvoice_per_chat_rate),
            ]
        # In its own folder, so no ./.env is read.
        async with launched(
            "youthvoice",
            command,
            env=env,
            cwd=home,
            log=home / "serve.log",
            ready="youthvoice serving",
        ) as (bot, _line):
            return await measure("youthvoice", bot, fake, options)


async def run_ptb(folder: Path, options: argparse.Namespace) -> Figures:
    home = folder / "ptb"
    home.mkdir()
    async with fake_telegram(home, options) as fake:
        command = [
            sys.executable,
            "-m",
            "benchmarks.ptb_bot",
            "--base-url",
            fake.url,
            "--token",
            TOKEN,
            "--questions",
            str(options.questions),
            "--persistence",
            str(home / "ptb.pickle"),
        ]
        async with launched(
            "the python-telegram-bot bot",
            command,
            env=child_env(),
            cwd=ROOT,
            log=home / "ptb.log",
            ready="ready",
        ) as (bot, _line):
            return await measure("python-telegram-bot", bot, fake, options)


async def run(folder: Path, options: argparse.Namespace) -> dict[str, Any]:
    # Stopped by a signal: the work is cancelled, so every process is stopped on the way out.
    main_task = asyncio.current_task()
    assert main_task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, main_task.cancel)
    print("youthvoice serve:", file=sys.stderr)
    ours = await run_youthvoice(folder, options)
    print("python-telegram-bot (ConversationHandler, PicklePersistence):", file=sys.stderr)
    theirs = await run_ptb(folder, options)
    return {
        "participants": options.participants,
        "questions": options.questions,
        "concurrency": min(options.concurrency, options.participants),
        "messages": ours.messages,
        "seconds": ours.seconds,
        "messages_per_s": ours.messages_per_s,
        "ptb_messages_per_s": theirs.messages_per_s,
        "cpu_s_per_1000": ours.cpu_s_per_1000,
        "ptb_cpu_s_per_1000": theirs.cpu_s_per_1000,
        "p50_ms": ours.p50_ms,
        "p99_ms": ours.p99_ms,
        "ptb_p50_ms": theirs.p50_ms,
        "ptb_p99_ms": theirs.p99_ms,
    }


# --- youthvoice at another per-chat pace -------------------------------------------------------
async def serve_youthvoice(per_chat_rate: float) -> None:
    """`youthvoice serve` with TelegramSender's per-chat pace changed (no setting offers it)."""
    from bot.runtime import open_runtime
    from bot.serve import Service
    from bot.settings import load_settings

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with open_runtime(load_settings()) as runtime:
        service = Service(runtime, telegram_per_chat_rate=per_chat_rate)
        await service.start()
        print(f"youthvoice serving, {per_chat_rate} messages/s per chat", flush=True)
        await stop.wait()
        await service.stop()


def run_or_explain(folder: Path, work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(work)`; when it fails, the end of each log in `folder` and one line saying
    what went wrong, then exit 1. SIGTERM interrupts it too, so the processes it started are
    stopped."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return asyncio.run(work)
    except (Exception, KeyboardInterrupt) as error:
        for log in sorted(folder.glob("*.log")):
            if log.stat().st_size:
                print(f"--- {log.name}:\n{tail(log)}", file=sys.stderr)
        problems = "; ".join(str(leaf) or type(leaf).__name__ for leaf in leaves(error))
        print(f"benchmark failed: {problems}", file=sys.stderr)
        sys.exit(1)


def leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=100, help="young people at once")
    parser.add_argument("--rate-limit", type=float, help="the fake's limit, all chats (none)")
    parser.add_argument("--per-chat-rate", type=float, help="the fake's limit per chat (none)")
    parser.add_argument("--tolerance", type=int, help="sends over a limit before a 429 (3)")
    parser.add_argument(
        "--latency-ms", type=float, help="the fake delays every Bot API answer this long (0)"
    )
    parser.add_argument(
        "--telegram-rate-limit",
        type=float,
        default=1000,
        help="youthvoice's TELEGRAM_RATE_LIMIT (1000, so that it does not bind)",
    )
    parser.add_argument(
        "--youthvoice-per-chat-rate",
        type=float,
        default=SHIPPED_PER_CHAT_RATE * 1000,
        help="youthvoice's pace per chat, messages/s (1000, so that it does not bind, like "
        "--telegram-rate-limit; 1 runs `youthvoice serve` itself, with its shipped pace)",
    )
    parser.add_argument("--reply-timeout", type=float, default=60, help="seconds (60)")
    parser.add_argument("--serve-youthvoice", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_youthvoice is not None:
        event_loop.run(serve_youthvoice(args.serve_youthvoice))
        return
    if min(args.participants, args.questions, args.concurrency) < 1:
        parser.error("--participants, --questions and --concurrency must be 1 or more")
    if args.youthvoice_per_chat_rate <= 0:
        parser.error("--youthvoice-per-chat-rate must be more than 0")
    with tempfile.TemporaryDirectory(prefix="youthvoice-bench-telegram-") as folder:
        print(
            f"{args.participants} participants x {args.questions} questions,"
            f" {min(args.concurrency, args.participants)} at once, {os.cpu_count()} CPUs,"
            f" working in {folder}",
            file=sys.stderr,
        )
        try:
            figures = asyncio.run(run(Path(folder), args))
        except asyncio.CancelledError:
            print("benchmark stopped; everything it started is stopped", file=sys.stderr)
            sys.exit(130)
        except Exception as error:
            for problem in leaves(error):
                if isinstance(problem, (RuntimeError, OSError, httpx.HTTPError)):
                    print(f"benchmark failed: {problem}", file=sys.stderr)
                else:
                    traceback.print_exception(problem)
            for log in sorted(Path(folder).glob("*/*.log")):
                if log.stat().st_size:
                    print(f"--- {log.relative_to(folder)}:\n{tail(log)}", file=sys.stderr)
            sys.exit(1)
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
