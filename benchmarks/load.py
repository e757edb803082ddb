"""Load benchmark: N young people starting within a minute, over Telegram and SMS at once.

`youthvoice serve` runs in its own process against the fake Telegram Bot API (its own
process, `--telegram-rate` messages a second over all chats and `--per-chat-rate` per chat,
as Telegram asks; edits count too) and the fake Twilio (its own process, `--sms-rate`
segments a second). serve keeps its shipped settings apart from those limits. N young people,
channels taken in turn, each start at a random moment within `--start-within` seconds and
answer the benchmark survey (consent, age band, two opt-ins, `--questions` questions: Q + 5
messages each), waiting for each reply before the next. On Telegram they tap the buttons
through the fake's /_test/ routes; on SMS their texts are posted to serve's webhook signed as
Twilio signs them, and the reply is the TwiML answer (which the fake does not rate-limit).

Every reply's latency is recorded: from the young person's message to the reply reaching
them. The run fails unless everyone finishes (checked in the database afterwards) and
replies are fair: on each channel, a person's wait is the sum of their reply latencies, and
no one's may exceed `--fairness-bound` times the channel's median wait (or FAIRNESS_FLOOR_S,
if more; so that millisecond noise on a fast channel is not called starving). 0 only reports.

Progress goes to stderr; the last line of stdout is one JSON object:

    python -m benchmarks.load --people 1000 --channels telegram,sms
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from twilio.request_validator import RequestValidator

from benchmarks import telegram as shared
from benchmarks.broadcast import peak_rss_kb
from benchmarks.ptb_bot import SURVEY, Question, steps
from bot.runtime import utc_now
from storage.sqlite import SqliteStorage
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, new_sid, parse_twiml

TOKEN = "123456:LOAD-TOKEN"
CHANNELS = ("telegram", "sms")
FIRST_NUMBER = 7_700_000_000  # +447700000000 on
FAIRNESS_FLOOR_S = 5.0
SMS_CONNECTIONS = 100
TYPED = {"consent": "yes", "age_band": "16", "hear_back": "no", "hear_new": "no"}
BY_KIND = {"choice": "2", "scale": "4", "yes_no": "yes"}


@dataclass
class Person:
    number: int
    channel: str
    starts_at: float  # seconds after the start
    latencies: list[float] = field(default_factory=list)  # seconds, one per reply
    finished: bool = False


@dataclass
class Run:
    people: list[Person]
    started: float = 0.0
    problems: list[str] = field(default_factory=list)

    def done(self) -> int:
        return sum(person.finished for person in self.people)


# --- the young people ---------------------------------------------------------------------------
async def on_telegram(person: Person, driver: shared.Driver, all_steps: list[Question]) -> None:
    chat_id = shared.FIRST_CHAT + person.number
    started = driver.act({"chat_id": chat_id, "say": f"/start {SURVEY}"})
    reply = await driver.reply(chat_id)
    person.latencies.append(reply.at - started)
    for data in shared.taps_for(all_steps, person.number):
        if data not in reply.buttons:
            raise RuntimeError(f"chat {chat_id}: no button {data!r} on {reply.text!r}")
        started = driver.act({"chat_id": chat_id, "message_id": reply.message_id, "tap": data})
        reply = await driver.reply(chat_id)
        person.latencies.append(reply.at - started)
    if reply.buttons:
        raise RuntimeError(f"chat {chat_id}: the survey did not end: {reply.text!r}")


class Phones:
    """Posts young people's texts to serve's webhook, signed as Twilio signs them.

    With aiohttp and at most SMS_CONNECTIONS connections: httpx's pool, with hundreds of
    connections open, spent more of the machine choosing one than serve spent answering."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url
        self.validator = RequestValidator(AUTH_TOKEN)

    async def text(self, number: str, body: str) -> list[str]:
        sid = new_sid("SM")
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": number,
            "To": BOT_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        headers = {"X-Twilio-Signature": self.validator.compute_signature(self.url, params)}
        async with self.session.post(self.url, data=params, headers=headers) as response:
            text = await response.text()
            replies = parse_twiml(text) if response.status == 200 else []
        if not replies:
            raise RuntimeError(f"{number}: {body!r} answered {response.status}")
        return replies


async def on_sms(person: Person, phones: Phones, all_steps: list[Question]) -> None:
    number = f"+44{FIRST_NUMBER + person.number}"
    texts = ["BENCH", *(TYPED.get(step.key, BY_KIND[step.kind]) for step in all_steps)]
    for text in texts:
        started = time.perf_counter()
        await phones.text(number, text)
        person.latencies.append(time.perf_counter() - started)


async def young_person(run: Run, person: Person, play: Any) -> None:
    await asyncio.sleep(max(0.0, run.started + person.starts_at - time.perf_counter()))
    try:
        await play(person)
    except (RuntimeError, httpx.HTTPError, aiohttp.ClientError) as problem:
        run.problems.append(f"{type(problem).__name__}: {problem}")
        return
    person.finished = True


async def progress(run: Run) -> None:
    while True:
        await asyncio.sleep(10)
        replies = sum(len(person.latencies) for person in run.people)
        elapsed = time.perf_counter() - run.started
        print(
            f"  {elapsed:.0f}s: {run.done()}/{len(run.people)} finished, {replies} replies",
            file=sys.stderr,
        )


# --- the run ------------------------------------------------------------------------------------
def settings(home: Path, options: argparse.Namespace, urls: dict[str, str]) -> dict[str, str]:
    found = shared.serve_settings(home, shared.free_port())
    if "telegram" in urls:
        found.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=urls["telegram"],
            TELEGRAM_RATE_LIMIT=str(options.telegram_rate),
        )
    if "sms" in urls:
        found.update(
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM_NUMBER=BOT_NUMBER,
            TWILIO_API_BASE_URL=urls["sms"],
            SMS_RATE_LIMIT=str(options.sms_rate),
        )
    return found


def fake_command(channel: str, options: argparse.Namespace) -> list[str]:
    if channel == "telegram":
        command = [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0"]
        command += ["--token", TOKEN, "--rate-limit", str(options.telegram_rate)]
        return [*command, "--per-chat-rate", str(options.per_chat_rate)]
    command = [sys.executable, "-m", "tests.fakes.twilio_api", "--port", "0"]
    return [*command, "--rate-limit", str(options.sms_rate), "--no-status-callbacks"]


async def run(home: Path, options: argparse.Namespace) -> tuple[Run, dict[str, Any]]:
    channels: list[str] = options.channels
    chooser = random.Random(options.seed)
    people = [
        Person(n, channels[n % len(channels)], chooser.uniform(0, options.start_within))
        for n in range(options.people)
    ]
    all_steps = steps(options.questions)
    async with contextlib.AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        for channel in channels:
            process, url = await stack.enter_async_context(
                shared.launched(
                    f"the fake {channel}",
                    fake_command(channel, options),
                    env=shared.child_env(),
                    cwd=shared.ROOT,
                    log=home / f"fake-{channel}.log",
                    ready="http://127.0.0.1:",
                )
            )
            urls[channel], processes[f"the fake {channel}"] = url, process
        found = settings(home, options, urls)
        env = shared.child_env(**found)
        (home / "bench.yaml").write_text(shared.survey_yaml(options.questions), "utf-8")
        for words in (["survey", "add", "bench.yaml"], ["survey", "open", SURVEY]):
            await asyncio.to_thread(cli, env, home, words)
        serve, _line = await stack.enter_async_context(
            shared.launched(
                "youthvoice serve",
                [*shared.youthvoice_command(), "serve"],
                env=env,
                cwd=home,
                log=home / "serve.log",
                ready="youthvoice",
            )
        )
        processes["youthvoice serve"] = serve
        cpu_before = shared.cpu_seconds(serve.pid)
        webhook = f"{found['YOUTHVOICE_PUBLIC_URL']}/sms/inbound"
        async with (
            httpx.AsyncClient(timeout=60, trust_env=False) as client,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=SMS_CONNECTIONS),
                timeout=aiohttp.ClientTimeout(total=options.reply_timeout),
            ) as session,
        ):
            phones = Phones(session, webhook)
            # Without Telegram the driver is made but never used: any URL will do.
            fake_client = httpx.AsyncClient(
                base_url=urls.get("telegram", "http://127.0.0.1:9"), timeout=60, trust_env=False
            )
            await stack.enter_async_context(fake_client)
            driver = shared.Driver(fake_client, options.reply_timeout)

            async def play(person: Person) -> None:
                if person.channel == "telegram":
                    await on_telegram(person, driver, all_steps)
                else:
                    await on_sms(person, phones, all_steps)

            state = Run(people, started=time.perf_counter())
            async with asyncio.TaskGroup() as group:
                helpers = [
                    group.create_task(progress(state)),
                    group.create_task(shared.watch(processes)),
                ]
                if "telegram" in channels:
                    helpers.append(group.create_task(driver.send_actions()))
                    helpers.append(group.create_task(driver.read_sent()))
                await asyncio.gather(*(young_person(state, p, play) for p in people))
                seconds = time.perf_counter() - state.started
                for helper in helpers:
                    helper.cancel()
            stats = {}
            for channel, url in urls.items():
                stats[channel] = (await client.get(f"{url}/_test/stats")).json()
        peak_mb = peak_rss_kb(serve.pid) / 1024
        serve_cpu = shared.cpu_seconds(serve.pid) - cpu_before
    # serve has stopped: count the finished responses as stored.
    storage = await SqliteStorage.open(home / "youthvoice.db", utc_now())
    try:
        totals = await storage.response_totals(SURVEY)
    finally:
        await storage.close()
    integrity = integrity_check(home / "youthvoice.db")
    return state, figures(
        state, options, seconds, stats, totals.completed, integrity, peak_mb, serve_cpu
    )


def integrity_check(database: Path) -> str:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def cli(env: dict[str, str], home: Path, words: list[str]) -> None:
    done = subprocess.run(
        [*shared.youthvoice_command(), *words],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=shared.READY_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"youthvoice {' '.join(words)} failed: {done.stderr.strip()}")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def nearest_rank(ordered: list[float], share: float) -> float:
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def figures(
    state: Run,
    options: argparse.Namespace,
    seconds: float,
    stats: dict[str, Any],
    completed: int,
    integrity: str,
    peak_mb: float,
    serve_cpu: float,
) -> dict[str, Any]:
    per_channel: dict[str, Any] = {}
    fair = True
    for channel in options.channels:
        group = [person for person in state.people if person.channel == channel]
        replies = sorted(late for person in group for late in person.latencies)
        waits = sorted(sum(person.latencies) for person in group if person.finished)
        if not replies or not waits:
            continue
        median_wait = statistics.median(waits)
        allowed = options.fairness_bound * max(median_wait, FAIRNESS_FLOOR_S)
        channel_fair = options.fairness_bound == 0 or waits[-1] <= allowed
        fair = fair and channel_fair
        rejected = stats.get(channel, {}).get("rejected_429", 0)
        per_channel[channel] = {
            "people": len(group),
            "finished": sum(person.finished for person in group),
            "replies": len(replies),
            "p50_ms": ms(nearest_rank(replies, 0.5)),
            "p95_ms": ms(nearest_rank(replies, 0.95)),
            "p99_ms": ms(nearest_rank(replies, 0.99)),
            "max_ms": ms(replies[-1]),
            "wait_median_s": round(median_wait, 2),
            "wait_p99_s": round(nearest_rank(waits, 0.99), 2),
            "wait_max_s": round(waits[-1], 2),
            "wait_max_over_median": round(waits[-1] / median_wait, 2) if median_wait else None,
            "wait_allowed_s": round(allowed, 2),
            "fair": channel_fair,
            "rejected_429": rejected,
            "provider_errors": stats.get(channel, {}).get("errors", 0),
        }
    every = sorted(late for person in state.people for late in person.latencies)
    expected_replies = options.people * (options.questions + 5)
    return {
        "people": options.people,
        "channels": options.channels,
        "questions": options.questions,
        "start_within_s": options.start_within,
        "telegram_rate": options.telegram_rate,
        "per_chat_rate": options.per_chat_rate,
        "sms_rate": options.sms_rate,
        "finished": state.done(),
        "completed_in_database": completed,
        "replies": len(every),
        "expected_replies": expected_replies,
        "seconds": round(seconds, 1),
        "replies_per_s": round(len(every) / seconds, 1) if seconds else 0.0,
        "p50_ms": ms(nearest_rank(every, 0.5)) if every else None,
        "p95_ms": ms(nearest_rank(every, 0.95)) if every else None,
        "p99_ms": ms(nearest_rank(every, 0.99)) if every else None,
        "max_ms": ms(every[-1]) if every else None,
        "fairness_bound": options.fairness_bound,
        "fair": fair,
        "problems": state.problems[:5],
        "peak_rss_mb": round(peak_mb, 1),
        "serve_cpu_s": round(serve_cpu, 1),
        "integrity": integrity,
        "by_channel": per_channel,
    }


def failures(result: dict[str, Any]) -> list[str]:
    """The invariants the run broke."""
    found = []
    if (
        result["finished"] != result["people"]
        or result["completed_in_database"] != result["people"]
    ):
        found.append(
            f"{result['finished']} of {result['people']} finished, "
            f"{result['completed_in_database']} completed in the database"
        )
    if result["replies"] != result["expected_replies"]:
        found.append(f"{result['replies']} replies, not {result['expected_replies']}")
    if not result["fair"]:
        found.append("a chat waited more than the fairness bound allows")
    if result["integrity"] != "ok":
        found.append(f"integrity_check: {result['integrity']}")
    return found + result["problems"]


def latencies_by_channel(people: list[Person]) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for person in people:
        found.setdefault(person.channel, []).extend(round(x, 4) for x in person.latencies)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--channels", default="telegram,sms", help="comma-separated")
    parser.add_argument("--questions", type=int, default=7, help="Q; each sends Q + 5")
    parser.add_argument("--start-within", type=float, default=60, help="seconds (60)")
    parser.add_argument("--telegram-rate", type=float, default=30, help="all chats (30/s)")
    parser.add_argument("--per-chat-rate", type=float, default=1, help="Telegram (1/s)")
    parser.add_argument("--sms-rate", type=float, default=10, help="segments/s (10)")
    parser.add_argument("--reply-timeout", type=float, default=1800, help="seconds (1800)")
    parser.add_argument("--fairness-bound", type=float, default=3, help="0: report only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latencies", type=Path, help="write every latency here (JSON)")
    args = parser.parse_args(argv)
    args.channels = [name.strip() for name in args.channels.split(",") if name.strip()]
    if not args.channels or set(args.channels) - set(CHANNELS):
        parser.error("--channels takes telegram, sms or both, comma-separated")
    if min(args.people, args.questions) < 1 or args.start_within < 0:
        parser.error("--people and --questions must be 1 or more, --start-within 0 or more")
    for name in [name for name in os.environ if name.startswith(shared.SETTING_PREFIXES)]:
        del os.environ[name]
    with tempfile.TemporaryDirectory(prefix="youthvoice-bench-load-") as folder:
        print(
            f"{args.people} people on {', '.join(args.channels)} starting within "
            f"{args.start_within:g}s, {os.cpu_count()} CPUs, in {folder}",
            file=sys.stderr,
        )
        state, result = shared.run_or_explain(Path(folder), run(Path(folder), args))
    if args.latencies is not None:
        args.latencies.write_text(json.dumps(latencies_by_channel(state.people)), "utf-8")
    print(json.dumps(result))
    sys.stdout.flush()
    broken = failures(result)
    if broken:
        print("invariants broken: " + "; ".join(broken), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
