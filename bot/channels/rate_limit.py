"""Sliding-window rate limits: never more than `rate` × `window` sends in any `window` seconds."""

from __future__ import annotations

import asyncio
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
    ):
        """`margin` widens the window we count over, so messages that leave evenly but
        arrive bunched (a busy moment on either side) still fit the provider's window."""
        self.limit = max(1, int(rate * window))
        self.window = window + margin
        self.clock = clock
        self._times: deque[float] = deque()
        self._paused_until = 0.0

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
        return wait

    def take(self, weight: int = 1) -> None:
        moment = self.clock()
        self._times.extend([moment] * weight)

    def pause(self, seconds: float) -> None:
        """The provider asked us to wait (HTTP 429)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, weight: int = 1) -> None:
        while (wait := self.ready_in(weight)) > 0:
            await asyncio.sleep(wait)
        self.take(weight)


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
