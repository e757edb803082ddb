"""Commands run on uvloop where it is installed."""

from __future__ import annotations

import asyncio

from bot import event_loop


async def _loop_module() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_commands_run_on_uvloop() -> None:
    assert event_loop.run(_loop_module()).startswith("uvloop")
