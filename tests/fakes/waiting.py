"""What every fake provider offers tests: `async with` to run it, and waiting for something
to happen, with a summary of the fake's state in the error when it does not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Self


class FakeProvider:
    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _summary(self) -> str:
        return ""

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until predicate() is true; TimeoutError after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                name = getattr(predicate, "__qualname__", repr(predicate))
                raise TimeoutError(f"{name} was still false after {timeout}s{self._summary()}")
            await asyncio.sleep(0.005)
