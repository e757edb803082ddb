"""Rate limits: never more than `rate` × `window` sends in any `window` seconds (a sliding
window, the hard cap), optionally at an even pace under it, with turns given by priority.

The pace is the generic cell rate algorithm (GCRA, as in ATM networks and many API gateways):
each send moves a "theoretical arrival time" on by its weight / rate, and a send may go once
that time is less than `burst` seconds ahead of now. Sending evenly, rather than a whole
window's allowance at once and then nothing, keeps the provider's count steady and lets a
reply that comes in take the very next turn.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable, Hashable


class SlidingWindow:
    def __init__(
        self,
        rate: float,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        margin: float = 0.0,
        burst: float | None = None,
    ):
        """`margin` widens the window we count over, so messages that leave evenly but
        arrive bunched (a busy moment on either side) still fit the provider's window.
        `burst` (seconds) turns on the even pace: the limit spread over the widened window,
        with up to `burst` seconds' worth at once after a pause."""
        self.limit = max(1, int(rate * window))
        self.window = window + margin
        self.clock = clock
        self._times: deque[float] = deque()
        self._paused_until = 0.0
        self._interval = self.window / self.limit  # seconds a unit of weight uses, paced
        self._burst = burst
        self._tat = 0.0  # the pace's theoretical arrival time

    def _trim(self, now: float) -> None:
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()

    def ready_in(self, weight: int = 1) -> float:
        """Seconds until a send of `weight` units (SMS segments) is allowed (0: now).

        A send heavier than the whole limit waits for an empty window, then goes alone.
        """
        now = self.clock()
        self._trim(now)
        wait = max(0.0, self._paused_until - now)
        over = len(self._times) + min(weight, self.limit) - self.limit
        if over > 0:
            wait = max(wait, self._times[over - 1] + self.window - now)
        if self._burst is not None:
            wait = max(wait, self._tat - self._burst - now)
        return wait

    def take(self, weight: int = 1) -> None:
        moment = self.clock()
        self._times.extend([moment] * weight)
        if self._burst is not None:
            self._tat = max(self._tat, moment) + weight * self._interval

    def pause(self, seconds: float) -> None:
        """The provider asked us to wait (HTTP 429)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, weight: int = 1) -> None:
        while (wait := self.ready_in(weight)) > 0:
            await asyncio.sleep(wait)
        self.take(weight)


class Turns:
    """One limit shared by many senders, each waiting its turn: the lowest priority number
    first (a reply before a bulk send), then first come, first served. Only the first in
    line watches the limit; the others sleep until they are first."""

    def __init__(self, limit: SlidingWindow):
        self.limit = limit
        self._waiting: list[tuple[int, int]] = []  # a heap of (priority, arrival)
        self._woken: dict[tuple[int, int], asyncio.Event] = {}
        self._arrivals = itertools.count()

    async def acquire(self, weight: int = 1, priority: int = 0) -> None:
        me = (priority, next(self._arrivals))
        woken = self._woken[me] = asyncio.Event()
        heapq.heappush(self._waiting, me)
        try:
            while True:
                if self._waiting[0] != me:
                    woken.clear()
                    await woken.wait()
                    continue
                wait = self.limit.ready_in(weight)
                if wait <= 0:
                    self.limit.take(weight)
                    return
                # Someone more urgent may arrive meanwhile: they then go first, since
                # after this sleep only the first in line may take the turn.
                await asyncio.sleep(wait)
        finally:
            del self._woken[me]
            if self._waiting[0] == me:
                heapq.heappop(self._waiting)
            else:
                self._waiting.remove(me)
                heapq.heapify(self._waiting)
            if self._waiting:
                self._woken[self._waiting[0]].set()


class PerKeyWindows:
    """One sliding window per chat, forgotten when idle so memory stays flat."""

    def __init__(self, rate: float, window: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.window = window
        self.clock = clock
        self._windows: dict[Hashable, SlidingWindow] = {}

    def ready_in(self, key: Hashable) -> float:
        window = self._windows.get(key)
        return 0.0 if window is None else window.ready_in()

    def take(self, key: Hashable) -> None:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = SlidingWindow(self.rate, self.window, self.clock)
        window.take()
        if len(self._windows) > 10_000:
            for stale in [
                k for k, w in self._windows.items() if w.ready_in() == 0 and not w._times
            ]:
                del self._windows[stale]
