"""ConsoleChannel: talk to the bot in a terminal, as a young person would on their phone.

A first-class channel: the same dispatcher, engine and storage as Telegram and SMS. It
reads lines from standard input, so a whole conversation can be scripted with printf.
When input is not a terminal, each line read is echoed as "> line", so the output reads
as a transcript.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.dispatcher import Dispatcher
from conversations.messages import Inbound, Reply

CHANNEL = "console"


def render(reply: Reply) -> str:
    """A reply as plain lines, options numbered the way the engine accepts them.

    Scale points are shown as themselves ("0 Awful" ... "10"), not renumbered, because a
    typed number on a scale means that point.
    """
    lines = [reply.text]
    is_scale = bool(reply.choices) and all(
        c.label == c.value or c.label.startswith(f"{c.value} ") for c in reply.choices
    )
    for number, choice in enumerate(reply.choices, start=1):
        if choice.value == "done":
            continue  # "Done" is a button; typed answers give all numbers at once
        tick = "[x] " if choice.value in reply.selected else ""
        if is_scale:
            lines.append(f"  {tick}{choice.label}")
        else:
            lines.append(f"  {number}. {tick}{choice.label}")
    return "\n".join(lines)


class ConsoleChannel:
    def __init__(
        self,
        dispatcher: Dispatcher,
        name: str = "console",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ):
        self.dispatcher = dispatcher
        self.name = name
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty()

    def show(self, replies: tuple[Reply, ...]) -> None:
        for reply in replies:
            self.stdout.write(render(reply) + "\n\n")
        self.stdout.flush()

    async def _read_line(self) -> str | None:
        if self.interactive:
            self.stdout.write("> ")
            self.stdout.flush()
        line = await asyncio.get_running_loop().run_in_executor(None, self.stdin.readline)
        if line == "":
            return None
        line = line.rstrip("\r\n")
        if not self.interactive:
            self.stdout.write(f"> {line}\n")
        return line

    async def run(self, survey: str | None = None) -> None:
        """Open the chat (at `survey` if given), then answer each line until end of input."""
        opening = Inbound(start=survey, channel=CHANNEL, opened=True)
        self.show(await self.dispatcher.handle(CHANNEL, self.name, opening))
        while True:
            line = await self._read_line()
            if line is None:
                return
            inbound = Inbound(text=line, channel=CHANNEL)
            self.show(await self.dispatcher.handle(CHANNEL, self.name, inbound))
