"""The event loop youthvoice's commands run on: uvloop where it is installed, else asyncio's.

uvloop (libuv) does the same work as asyncio's own loop for a fraction of the CPU per socket
event, which is most of what a busy bot does (figures in docs/performance.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # not on this platform (Windows): asyncio's loop works the same
        return None
    return uvloop.new_event_loop


def run(work: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(work)
