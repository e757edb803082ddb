"""Broadcast benchmark: one "You Said, We Did" post to N young people through the real product.

N participants who asked to hear back are made through the real engine (the dispatcher, in
this process, on a temporary database). The fake Telegram Bot API or fake Twilio runs in its
own process, answering 429 over `--rate`; `youthvoice feedback send` queues the post and
`youthvoice serve` (its own process, its rate setting = `--rate`) sends it. Meanwhile
`--interactive` young people (new chats) take another survey, each reply's latency measured;
when `--crash-at` of the recipients have the message, serve is SIGKILLed and started again.

Only messages containing the post's "did" words count as bulk. The achieved rate is the bulk
sent per second (Telegram: messages; SMS: segments, the unit of SMS_RATE_LIMIT) between the
first and the last bulk arrival at the fake, less the outage: from the SIGKILL to the first
bulk arrival after the second serve said it was ready. (A sender that sends each second's
allowance at once gains up to one second's worth over that span.) Interactive replies share
the Telegram limit (with_replies_fraction counts them too); on SMS they are TwiML answers.
Arrival times are the fake's time.monotonic(), one clock for every process on Linux.
Progress goes to stderr; the last line of stdout is one JSON object:

    python -m benchmarks.broadcast --recipients 10000 --rate 500 --channel telegram
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks import telegram as shared
from bot.runtime import open_runtime
from bot.settings import load_settings
from conversations.messages import Inbound
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, FakeTwilio, new_sid

TOKEN = "123456:BROADCAST-TOKEN"
SAID = "There is nowhere to play football after school"
DID = "We opened the Eastside pitch until 8pm on weekdays"
SURVEYS = {  # slug: (keyword, title, questions)
    "parks": ("PARKS", "Parks", ['{id: often, type: yes_no, text: "Do you go to the park?"}']),
    "clubs": (
        "CLUBS",
        "Youth clubs",
        [
            '{id: go, type: yes_no, text: "Do you go to a youth club?"}',
            '{id: rating, type: scale, text: "How good is it?", min_label: Bad, max_label: Great}',
            '{id: idea, type: text, text: "What one thing would you change?"}',
        ],
    ),
}
SEED_TEXTS = ("PARKS", "yes", "16", "yes", "no", "yes")  # consent, age, hear back, new, answer
CHAT_TEXTS = ("yes", "15", "no", "no", "yes", "4", "Open it on Sundays")
SEED_TASKS = 200  # young people seeded at once (the dispatcher group-commits their steps)
CLI_TIMEOUT = 900.0
REPLY_TIMEOUT = 60.0
FAKES = {"telegram": "tests.fakes.telegram_api", "sms": "tests.fakes.twilio_api"}
FIRST = {"telegram": 700_000_000, "sms": 7_700_000_000}  # bulk; chatting: 100,000,000 on


def address(channel: str, n: int, chatting: bool = False) -> str:
    """A Telegram chat id or a UK mobile number in E.164 (+447700000000 on)."""
    number = FIRST[channel] + n + (100_000_000 if chatting else 0)
    return str(number) if channel == "telegram" else f"+44{number}"


def survey_yaml(slug: str) -> str:
    keyword, title, questions = SURVEYS[slug]
    head = f"spec_version: 1\nslug: {slug}\ntitle: {title}\nkeyword: {keyword}\n"
    head += f"purpose: To plan {title.lower()}.\naudience: The council's youth team.\n"
    return head + "questions:\n" + "".join(f"  - {question}\n" for question in questions)


def chat_start(channel: str) -> tuple[str, Inbound]:
    """How a young person opens the chat survey: what they type, and what the engine gets."""
    if channel == "telegram":
        return "/start clubs", Inbound(text="/start", start="clubs", channel=channel)
    return "CLUBS", Inbound(text="CLUBS", channel=channel)


def peak_rss_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in kB."""
    return int(Path(f"/proc/{pid}/status").read_text().split("VmHWM:")[1].split()[0])


async def youthvoice(env: dict[str, str], home: Path, *words: str) -> str:
    """Run a `youthvoice` command in `home`; its stdout."""
    process = await asyncio.create_subprocess_exec(
        *shared.youthvoice_command(), *words, cwd=home, env=env, stdout=-1, stderr=-1
    )
    out, err = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT)
    if process.returncode != 0:
        why = (err.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"youthvoice {' '.join(words[:2])} failed: {why}")
    return out.decode()


# --- seeding --------------------------------------------------------------------------------
async def seed(settings: dict[str, str], channel: str, count: int) -> list[int]:
    """`count` participants of "parks" who asked to hear back, through the dispatcher, as if
    they had written in. Returns how many replies each step of the chat survey gets."""
    async with open_runtime(load_settings(_env_file=None, **settings)) as runtime:
        handle = runtime.dispatcher.handle
        todo = iter(range(count))
        done = 0

        async def young_people() -> None:
            nonlocal done
            for n in todo:
                for text in SEED_TEXTS:
                    inbound = Inbound(text=text, channel=channel)
                    await handle(channel, address(channel, n), inbound)
                done += 1

        ticker = asyncio.create_task(every(10, lambda: f"seeded {done}/{count}"))
        try:
            await asyncio.gather(*(young_people() for _ in range(min(SEED_TASKS, count))))
        finally:
            ticker.cancel()
        queued = await runtime.storage.outbox_counts(channel)
        print(f"  outbox after seeding: {queued or 'empty'}", file=sys.stderr)
        # One young person through the chat survey, to know how many replies each step gets.
        scratch, texts = address(channel, 10**6, chatting=True), [chat_start(channel)[1]]
        texts += [Inbound(text=text, channel=channel) for text in CHAT_TEXTS]
        return [len(await handle(channel, scratch, inbound)) for inbound in texts]


# --- what the benchmark sees ----------------------------------------------------------------
@dataclass
class Watched:
    """Bulk arrivals at the fake, interactive latencies, and the life of serve."""

    expected: set[int | str]
    crash_after: int | None  # recipients reached before the crash; None: no crash
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (at, weight)
    replies: list[float] = field(default_factory=list)  # when other messages arrived
    counts: Counter[int | str] = field(default_factory=Counter)
    next: int = 0
    reached: int = 0
    turns: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds)
    unanswered: int = 0
    killed_at: float | None = None
    restarted_at: float | None = None
    peak_kb: int = 0
    cpu_s: float = 0.0  # of the serve processes
    up: asyncio.Event = field(default_factory=asyncio.Event)  # serve is first ready
    crash_due: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, answer: dict[str, Any], inboxes: Any) -> bool:
        """Record one /_test/arrivals page; whether it had anything."""
        for who, at, weight in answer["matching"]:
            self.arrivals.append((at, weight))
            self.counts[who] += 1
            self.reached += self.counts[who] == 1 and who in self.expected
        for who, at, text in answer["others"]:
            self.replies.append(at)
            inboxes[who].put_nowait(shared.Received(who, 0, text, [], at))
        self.next = answer["next"]
        if self.crash_after is not None and self.reached >= self.crash_after:
            self.crash_due.set()
        if self.reached >= len(self.expected):
            self.finished.set()
        return bool(answer["matching"] or answer["others"])


async def follow(client: httpx.AsyncClient, seen: Watched, inboxes: Any, wait: float) -> None:
    """Read what arrives at the fake until cancelled (with wait=0: until nothing more)."""
    while True:
        params: dict[str, Any] = {"after": seen.next, "contains": DID, "timeout": wait}
        response = await client.get("/_test/arrivals", params=params)
        response.raise_for_status()
        if not seen.take(response.json(), inboxes):
            if wait == 0:
                return
            await asyncio.sleep(0.1)


async def every(seconds: float, say: Callable[[], str]) -> None:
    """Progress on stderr until cancelled."""
    while True:
        await asyncio.sleep(seconds)
        print(f"  {say()}", file=sys.stderr)


# --- the interactive young people ---------------------------------------------------------
Turn = Callable[[str, str, int], Awaitable[float]]  # (who, text, replies) -> when answered


def telegram_turn(driver: shared.Driver) -> Turn:
    async def turn(who: str, text: str, replies: int) -> float:
        driver.act({"chat_id": int(who), "say": text})
        first = await driver.reply(int(who))
        for _ in range(replies - 1):
            await driver.reply(int(who))
        return first.at

    return turn


def sms_turn(phones: FakeTwilio, inbound_url: str) -> Turn:
    """Posts the incoming SMS as Twilio does (signed); the reply is the TwiML it answers.
    While serve is down the same message is posted again until it answers."""

    async def turn(who: str, text: str, replies: int) -> float:
        sid, deadline = new_sid("SM"), time.monotonic() + REPLY_TIMEOUT
        while True:
            try:
                result = await phones.text_in(inbound_url, who, text, message_sid=sid)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{who}: no answer within {REPLY_TIMEOUT:.0f}s") from None
                await asyncio.sleep(0.2)
        if result.status_code != 200 or not result.replies:
            raise RuntimeError(f"{who}: answered {result.status_code} {result.twiml_text!r}")
        return time.monotonic()

    return turn


async def chatting(
    turn: Turn, channel: str, people: Any, replies: list[int], seen: Watched
) -> None:
    """Young people, one after another, through the chat survey until the send is over."""
    start = chat_start(channel)[0]
    await seen.up.wait()
    await asyncio.sleep(random.uniform(0, 1))  # not all at once
    for n in people:
        who = address(channel, n, chatting=True)
        for text, count in zip((start, *CHAT_TEXTS), replies, strict=True):
            sent = time.monotonic()
            try:
                answered = await turn(who, text, count)
            except RuntimeError as problem:
                print(f"  interactive: {problem}", file=sys.stderr)
                seen.unanswered += 1
                break
            seen.turns.append((sent, answered - sent))
            await asyncio.sleep(random.uniform(0.5, 1.5))  # reading, and typing the answer


# --- serve, killed once -----------------------------------------------------------------------
async def serve_until_sent(
    env: dict[str, str], home: Path, seen: Watched, processes: dict[str, Any]
) -> None:
    for life in (1, 2):
        command, log = [*shared.youthvoice_command(), "serve"], home / f"serve-{life}.log"
        serve = shared.launched("serve", command, env=env, cwd=home, log=log, ready="youthvoice")
        async with serve as (process, _line):
            processes["youthvoice serve"] = process
            seen.up.set()
            if life == 2:
                seen.restarted_at = time.monotonic()
            waits = [asyncio.create_task(seen.finished.wait())]
            if life == 1 and seen.crash_after is not None:
                waits.append(asyncio.create_task(seen.crash_due.wait()))
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in waits:
                task.cancel()
            seen.peak_kb = max(seen.peak_kb, peak_rss_kb(process.pid))
            seen.cpu_s += shared.cpu_seconds(process.pid)
            del processes["youthvoice serve"]
            if seen.finished.is_set():
                return  # stopped with SIGTERM, as an operator would
            process.kill()
            seen.killed_at, reached = time.monotonic(), seen.reached
            await asyncio.to_thread(process.wait)
            print(f"  SIGKILLed serve, {reached} recipients reached", file=sys.stderr)


async def time_limit(seen: Watched, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(seen.finished.wait(), seconds)
    seen.finished.set()


# --- the run ------------------------------------------------------------------------------------
def channel_settings(channel: str, fake_url: str, rate: float) -> dict[str, str]:
    if channel == "telegram":
        names = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_RATE_LIMIT")
        return dict(zip(names, (TOKEN, fake_url, str(rate)), strict=True))
    names = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
    return dict(
        zip(names, (ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER), strict=True),
        TWILIO_API_BASE_URL=fake_url,
        SMS_RATE_LIMIT=str(rate),
    )


async def run(home: Path, options: argparse.Namespace) -> dict[str, Any]:
    channel, count, rate = options.channel, options.recipients, options.rate
    port = shared.free_port()
    settings = shared.serve_settings(home, port)
    env = shared.child_env(**settings)
    for slug in SURVEYS:
        (home / f"{slug}.yaml").write_text(survey_yaml(slug), "utf-8")
        await youthvoice(env, home, "survey", "add", f"{slug}.yaml")
        await youthvoice(env, home, "survey", "open", slug)
    started = time.monotonic()
    replies = await seed(settings, channel, count)
    print(f"seeded {count} participants in {time.monotonic() - started:.1f}s", file=sys.stderr)

    command = [sys.executable, "-m", FAKES[channel], "--port", "0", "--rate-limit", str(rate)]
    command += ["--token", TOKEN] if channel == "telegram" else []
    async with (
        shared.launched(
            "the fake", command, env=shared.child_env(), cwd=home, log=home / "fake.log", ready="h"
        ) as (fake, fake_url),
        httpx.AsyncClient(base_url=fake_url, timeout=60, trust_env=False) as client,
        FakeTwilio() as phones,  # only for posting young people's texts, signed
    ):
        env.update(channel_settings(channel, fake_url, rate))
        started = time.monotonic()
        queued = await youthvoice(
            env, home, "feedback", "send", "parks", "--said", SAID, "--did", DID
        )
        time_to_queue = time.monotonic() - started
        print(f"feedback send: {queued.strip()} ({time_to_queue:.1f}s)", file=sys.stderr)

        crash_after = math.ceil(options.crash_at * count) if options.crash_at > 0 else None
        expected = {address(channel, n) for n in range(count)}
        seen = Watched({int(a) if channel == "telegram" else a for a in expected}, crash_after)
        driver = shared.Driver(client, REPLY_TIMEOUT)
        if channel == "telegram":
            turn = telegram_turn(driver)
        else:
            turn = sms_turn(phones, f"http://127.0.0.1:{port}/sms/inbound")
        processes: dict[str, Any] = {"the fake": fake}
        people = iter(range(10**6))
        async with asyncio.TaskGroup() as group:
            helpers = [
                group.create_task(follow(client, seen, driver.inboxes, 1.0)),
                group.create_task(every(5, lambda: f"{seen.reached}/{count} reached")),
                group.create_task(shared.watch(processes)),
                group.create_task(driver.send_actions()),
                group.create_task(time_limit(seen, options.timeout or 120 + 5 * count / rate)),
            ]
            chats = [
                group.create_task(chatting(turn, channel, people, replies, seen))
                for _ in range(options.interactive)
            ]
            await serve_until_sent(env, home, seen, processes)
            for task in helpers + chats:
                task.cancel()
        await follow(client, seen, driver.inboxes, 0)
        stats = (await client.get("/_test/stats")).json()
        status = await youthvoice(env, home, "feedback", "status", "parks")
        print("feedback status: " + status.strip().replace("\n", ", "), file=sys.stderr)
    if stats.get("errors"):
        print(f"the fake's last errors: {stats['last_errors']}", file=sys.stderr)
    return figures(seen, stats, options, time_to_queue)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile, in ms."""
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(len(ordered) * share) - 1)] * 1000, 1) if values else None


def figures(
    seen: Watched, stats: dict[str, Any], options: argparse.Namespace, time_to_queue: float
) -> dict[str, Any]:
    arrivals, outage = sorted(seen.arrivals), (0.0, 0.0)
    if seen.killed_at is not None and seen.restarted_at is not None:
        resumed = next((at for at, _ in arrivals if at > seen.restarted_at), seen.killed_at)
        outage = (seen.killed_at, resumed)
    down = outage[1] - outage[0]
    span = arrivals[-1][0] - arrivals[0][0] - down if len(arrivals) > 1 else 0.0
    per_s = 1 / span if span > 0 else 0.0
    achieved = sum(weight for _, weight in arrivals) * per_s
    replies = sum(arrivals[0][0] <= at <= arrivals[-1][0] for at in seen.replies) if span else 0
    latencies = [seconds for _, seconds in seen.turns]
    calm = [late for sent, late in seen.turns if not (outage[0] < sent + late and sent < outage[1])]
    return {
        "channel": options.channel,
        "recipients": options.recipients,
        "rate": options.rate,
        "crashed": seen.killed_at is not None,
        "timed_out": seen.reached < len(seen.expected),
        "achieved": round(achieved, 1),
        "achieved_fraction": round(achieved / options.rate, 3),
        "with_replies_fraction": round((achieved + replies * per_s) / options.rate, 3),
        "messages_per_s": round(len(arrivals) * per_s, 1),
        "send_s": round(span, 2),
        "down_s": round(down, 2),
        "rejected_429": stats["rejected_429"],
        "duplicates": sum(n - 1 for n in seen.counts.values()),
        "lost": len(seen.expected - seen.counts.keys()),
        "time_to_queue_s": round(time_to_queue, 2),
        "interactive_replies": len(latencies),
        "interactive_unanswered": seen.unanswered,
        "interactive_p50_ms": percentile(latencies, 0.5),
        "interactive_p95_ms": percentile(latencies, 0.95),
        "interactive_max_ms": percentile(latencies, 1.0),
        "interactive_p95_ms_outside_crash": percentile(calm, 0.95),
        "peak_rss_mb": round(seen.peak_kb / 1024, 1),
        "serve_cpu_s": round(seen.cpu_s, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=500, help="msgs/s; SMS: segments/s")
    parser.add_argument("--channel", choices=("telegram", "sms"), default="telegram")
    parser.add_argument("--interactive", type=int, default=20, help="young people chatting")
    parser.add_argument("--crash-at", type=float, default=0.4, help="share reached (0: none)")
    parser.add_argument("--timeout", type=float, help="seconds for the send (120 + 5 N/rate)")
    args = parser.parse_args(argv)
    if args.recipients < 1 or args.interactive < 0 or not 0 <= args.crash_at < 1:
        parser.error("--recipients must be 1 or more, --interactive 0 or more, --crash-at 0 to 1")
    if not 0 < args.rate <= 1000:
        parser.error("--rate must be more than 0 and at most 1000 (the settings' limit)")
    for name in [name for name in os.environ if name.startswith(shared.SETTING_PREFIXES)]:
        del os.environ[name]  # the seeding in this process reads only what it is given
    with tempfile.TemporaryDirectory(prefix="youthvoice-bench-broadcast-") as folder:
        print(
            f"{args.recipients} recipients on {args.channel} at {args.rate:g}/s, "
            f"{args.interactive} chatting, {os.cpu_count()} CPUs, in {folder}",
            file=sys.stderr,
        )
        result = shared.run_or_explain(Path(folder), run(Path(folder), args))
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
