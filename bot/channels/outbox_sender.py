"""OutboxSender: sends what waits in the outbox for one channel, fast but within the limits.

At most the channel's rate in any second across all chats (weighted, e.g. by SMS segments),
and, where the channel asks for it, a pace per chat; one chat's messages strictly in order;
replies before bulk sends (the outbox's priority). Each channel says how to hand a message
over and what the provider's answer means (`_request`).

Nothing lost, nothing twice: a message is claimed ('sending', committed) just before its
request and marked sent once the provider has taken it. A crash between the two leaves it
claimed, and at the next start the channel asks the provider whether it arrived
(`_reconcile`) before that young person is sent anything else: if it did, it is marked sent;
if not, it is sent. Requests that are safe to repeat (Telegram's edits) are not claimed.

The sender is told which chat has something new (`wake`) and reads only that chat's next
message, keeping what it has read in memory until there is room to send it; the whole queue
is read at start-up and every SCAN_EVERY seconds, for messages queued by other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.channels.rate_limit import PerKeyWindows, SlidingWindow, Turns
from bot.keys import KeyRing
from bot.quiet_hours import QuietHours
from storage.protocol import Storage
from storage.records import ClaimedRow, OutboxRow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
CALL_SECONDS = 0.25  # how long a provider may take to answer a call, for planning
MAX_IN_FLIGHT = 16  # calls at once at least: 30 messages/s and their edits at 250 ms a call
KEPT_FOR_REPLIES = 4  # of those, never taken by bulk sends: a reply can always start
MAX_TASKS = 256  # messages between their call and its record being committed
IDLE_WAIT = 1.0
SCAN_EVERY = 5.0  # seconds between reads of the whole queue
SCAN_LIMIT = 200
WINDOW_MARGIN = 0.04  # seconds; see SlidingWindow: the pace is 1/(1 + margin) of the limit
PACE_BURST = 0.02  # seconds' worth of the rate that may go at once after a quiet spell


@dataclass(frozen=True, slots=True)
class Sent:
    provider_id: str | None


@dataclass(frozen=True, slots=True)
class RetryLater:
    """Try again after `seconds`, or with growing backoff (up to MAX_ATTEMPTS) when None."""

    error: str
    seconds: float | None = None
    pause_all: bool = False  # the provider asked the whole bot to wait (a 429)


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The young person blocked us or texted STOP to the provider: as STOP, forget them."""

    error: str


@dataclass(frozen=True, slots=True)
class Failed:
    error: str


Outcome = Sent | RetryLater | Unreachable | Failed


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def calls_in_flight(rate: float) -> int:
    """How many calls may wait for the provider at once: enough to keep up with `rate` when
    each takes CALL_SECONDS (a queue's throughput is what is in it over how long each
    takes), and never fewer than MAX_IN_FLIGHT."""
    return max(MAX_IN_FLIGHT, min(512, math.ceil(rate * CALL_SECONDS)))


class OutboxSender:
    channel = ""  # the outbox rows this sender sends

    def __init__(
        self,
        storage: Storage,
        keys: KeyRing,
        *,
        rate: float,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        on_unreachable: Callable[[bytes], None] = lambda key: None,
        quiet: QuietHours | None = None,
    ):
        self.storage = storage
        self.quiet = quiet
        self.keys = keys
        self.limit = SlidingWindow(rate, margin=WINDOW_MARGIN, burst=PACE_BURST)
        self.max_calls = calls_in_flight(rate)
        self.max_tasks = max(MAX_TASKS, 2 * self.max_calls)
        self.turns = Turns(self.limit)
        self.per_chat = PerKeyWindows(per_chat_rate, per_chat_burst / per_chat_rate)
        self.on_unreachable = on_unreachable
        self._wake = asyncio.Event()
        self._stopping = False
        self._check: set[bytes] = set()  # chats whose next message may be due now
        self._ready: dict[bytes, OutboxRow] = {}  # read and due, waiting for room or pace
        self._later: dict[bytes, float] = {}  # chats to look at again at a (loop) time
        self._scan_at = 0.0  # when to read the whole queue next (loop time)
        self._more_waiting = False  # the last read of the whole queue was a full page
        self._in_flight: dict[bytes, asyncio.Task[None]] = {}  # one message per chat
        self._calls = 0  # of those, how many are waiting for the provider's answer
        # Messages finished since the due list was read: that list may still show them.
        self._finished: set[int] = set()
        self._settling: set[asyncio.Task[None]] = set()
        # Messages claimed from now on are this process's own (a channel may claim replies it
        # sends itself, in a webhook's answer): only those claimed earlier were left by a crash.
        self._born = _iso(datetime.now(UTC))

    def wake(self, chat_key: bytes | None = None) -> None:
        """Something new may be due: in this chat, or anywhere when no chat is named."""
        if chat_key is None:
            self._scan_at = 0.0
        else:
            self._ready.pop(chat_key, None)  # read it again: the step may have changed it
            self._check.add(chat_key)
        self._wake.set()

    async def run(self) -> None:
        """Send until `stop()`; messages left unsent stay queued for next time."""
        loop = asyncio.get_running_loop()
        # Messages a crash left claimed: their chats wait (the outbox shows nothing due for
        # them) while the provider is asked; everyone else's messages go meanwhile.
        claimed = await self.storage.claimed_messages(self.channel)
        self._settle([c for c in claimed if (c.claimed_at or "") < self._born])
        # The provider still counts what a process stopped a moment ago sent: wait for its
        # window to pass rather than meet a "too many requests".
        since = datetime.now(UTC) - timedelta(seconds=self.limit.window)
        if await self.storage.sent_since(self.channel, _iso(since)):
            self.limit.pause(self.limit.window)
        while not self._stopping:
            await self._read_due(loop.time())
            started, soonest = await self._start_ready()
            for at in self._later.values():
                soonest = min(soonest, at - loop.time())
            room = self._calls < self.max_calls and len(self._in_flight) < self.max_tasks
            if started == 0 and not (self._check and room):
                # Nothing to do until a chat is woken (a step saved, a message done) or a
                # chat's pace or a retry's time comes.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=max(soonest, 0.01))

    async def _read_due(self, now: float) -> None:
        """Read the next message of every chat that may have one due into `_ready`.

        Chats are named by `wake` (a step just saved their reply, or their last message was
        sent) or by a retry's time coming. The whole queue is read at start-up and every
        SCAN_EVERY seconds too, for messages queued by other processes.
        """
        for key, at in list(self._later.items()):
            if at <= now:
                self._check.add(key)
                del self._later[key]
        self._finished.clear()
        moment = _iso(datetime.now(UTC))
        rows: list[OutboxRow] = []
        # A full page means more are waiting (a bulk send): read on as soon as most of what
        # was read has gone, so the sender keeps up with its rate, not with the scan's pace.
        refill = self._more_waiting and len(self._ready) < SCAN_LIMIT // 2
        if now >= self._scan_at or refill:
            self._scan_at = now + SCAN_EVERY
            rows = await self.storage.due_messages(self.channel, moment, SCAN_LIMIT)
            self._more_waiting = len(rows) == SCAN_LIMIT
            if self._more_waiting:
                self._scan_at = now + IDLE_WAIT
        keys = [key for key in self._check if key not in self._in_flight]
        self._check.clear()
        if keys:
            rows += await self.storage.due_messages_for(self.channel, keys, moment)
        for row in map(self._opened, rows):
            key = row.chat_key or b""
            # A message that finished while the rows were read may still show as due.
            if key not in self._in_flight and row.id not in self._finished:
                self._ready.setdefault(key, row)

    async def _start_ready(self) -> tuple[int, float]:
        """Start sending every ready message whose chat's pace allows; returns how many,
        and how long until the next paced one may go."""
        started = 0
        soonest = IDLE_WAIT
        waiting = sorted(self._ready.values(), key=lambda row: (row.priority, row.id))
        # In quiet hours only replies go; the rest wait, looked at again every IDLE_WAIT.
        quiet = self.quiet is not None and self.quiet.holds(datetime.now(UTC))
        for row in waiting:
            key = row.chat_key or b""
            if quiet and row.priority > 0:
                continue
            calls = self.max_calls - (KEPT_FOR_REPLIES if row.priority > 0 else 0)
            if self._stopping or self._calls >= calls or len(self._in_flight) >= self.max_tasks:
                break
            paced = self.paced(row)
            chat_wait = self.per_chat.ready_in(key) if paced else 0.0
            if chat_wait > 0:
                soonest = min(soonest, chat_wait)
                continue
            del self._ready[key]
            if paced:
                self.per_chat.take(key)
            self._calls += 1
            self._in_flight[key] = asyncio.create_task(self._send(row))
            started += 1
        return started, soonest

    def _check_later(self, key: bytes, at: float) -> None:
        self._later[key] = min(at, self._later.get(key, at))

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop taking new messages and let those in flight finish."""
        self._stopping = True
        self.wake()
        for task in self._settling:
            task.cancel()
        pending = list(self._in_flight.values())
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    async def _send(self, row: OutboxRow) -> None:
        """Make the call, then record what happened. The call's place among those in flight
        is given back as soon as the provider answers, not after the record is committed."""
        key = row.chat_key or b""
        claimed = self.claims(row)
        try:
            if claimed:
                await self.storage.claim(row.id, _iso(datetime.now(UTC)))
            try:
                # The overall limit is taken here, just before the request is written, so
                # what the provider counts is what was counted here, however busy we are.
                await self.turns.acquire(self.cost(row), row.priority)
                outcome = await self._request(row)
            finally:
                self._calls -= 1
                self._wake.set()
            await self._record(row, outcome)
        except Exception:  # never let one message stop the sender
            log.exception("sending outbox message %s failed", row.id)
            if claimed:  # whether it went is unknown: ask, as after a crash
                self._settle([ClaimedRow(row, _iso(datetime.now(UTC)), None)], after=IDLE_WAIT)
        finally:
            self._finished.add(row.id)
            self._in_flight.pop(key, None)
            self.wake(key)

    # --- after a crash -------------------------------------------------------------------
    def _opened(self, row: OutboxRow) -> OutboxRow:
        """The row with its words unsealed (rows queued sealed; a few older ones are not)."""
        body: str | bytes = row.body
        if isinstance(body, bytes):
            return replace(row, body=self.keys.unseal(body, "outbox"))
        return row

    def _settle(self, claimed: list[ClaimedRow], after: float = 0.0) -> None:
        claimed = [replace(c, row=self._opened(c.row)) for c in claimed]
        if claimed:
            log.info("%s: asking about %d message(s) left unconfirmed", self.channel, len(claimed))
            task = asyncio.create_task(self._settle_all(claimed, after))
            self._settling.add(task)
            task.add_done_callback(self._settling.discard)

    async def _settle_all(self, claimed: list[ClaimedRow], after: float) -> None:
        await asyncio.sleep(after)
        await asyncio.gather(*(self._settle_one(one) for one in claimed))

    async def _settle_one(self, claimed: ClaimedRow) -> None:
        """Find out from the provider whether a claimed message arrived, and record it."""
        row = claimed.row
        for attempt in range(MAX_ATTEMPTS):
            try:
                outcome = await self._reconcile(claimed)
            except Exception as exc:  # as a passing fault: ask again
                log.exception("asking about outbox message %s failed", row.id)
                outcome = RetryLater(str(exc))
            if not isinstance(outcome, RetryLater):
                break
            await asyncio.sleep(outcome.seconds or min(60, 2**attempt))
        else:
            log.warning("no answer about outbox message %s: sending it again", row.id)
            outcome = None
        if outcome is None:
            await self.storage.release(row.id)
        else:
            await self._record(row, outcome)
        self.wake(row.chat_key or b"")

    # --- what a channel says --------------------------------------------------------------
    def claims(self, row: OutboxRow) -> bool:
        """Whether this message is claimed before its request (false where a repeat of the
        request does no harm)."""
        return True

    async def _reconcile(self, claimed: ClaimedRow) -> Outcome | None:
        """Whether a claimed message reached the provider: the outcome if it did, None if
        it did not, RetryLater if the provider cannot say now."""
        raise NotImplementedError

    def paced(self, row: OutboxRow) -> bool:
        """Whether this message counts against its chat's pace."""
        return True

    def cost(self, row: OutboxRow) -> int:
        """How much of the overall rate limit this message uses."""
        return 1

    async def _request(self, row: OutboxRow) -> Outcome:
        """Hand the message to the provider; what became of it."""
        raise NotImplementedError

    # --- recording ---------------------------------------------------------------------------
    async def _record(self, row: OutboxRow, outcome: Outcome) -> None:
        now = datetime.now(UTC)
        if isinstance(outcome, Sent):
            await self.storage.mark_sent(row.id, outcome.provider_id, _iso(now))
        elif isinstance(outcome, RetryLater) and (
            outcome.seconds is not None or row.attempts + 1 < MAX_ATTEMPTS
        ):
            wait = outcome.seconds if outcome.seconds is not None else min(60, 2**row.attempts)
            if outcome.pause_all:
                self.limit.pause(wait)
            await self.storage.mark_retry(
                row.id, _iso(now + timedelta(seconds=wait)), outcome.error
            )
            self._retry_in(row, wait)
        elif isinstance(outcome, Unreachable):
            await self.storage.mark_failed(row.id, outcome.error)
            if row.chat_key is not None:
                await self.storage.mark_unreachable(row.chat_key)
                self._ready.pop(row.chat_key, None)
                self.on_unreachable(row.chat_key)
        else:
            await self.storage.mark_failed(row.id, outcome.error)

    def _retry_in(self, row: OutboxRow, seconds: float) -> None:
        if row.chat_key is not None:
            at = asyncio.get_running_loop().time() + seconds
            self._check_later(row.chat_key, at + 0.01)  # just after it falls due
