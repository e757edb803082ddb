"""The Telegram fake on an event loop of its own, in a background thread, so that plain `def`
browser tests (whose thread Playwright holds) can let young people talk to a real `serve`.

Every call crosses to the fake's loop, where the fake itself lives: it is never touched from
two threads at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from tests.fakes.telegram_api import FakeTelegram, SentMessage

T = TypeVar("T")
WAIT = 20.0  # seconds


class TelegramThread:
    def __init__(self, fake: FakeTelegram, loop: asyncio.AbstractEventLoop):
        self.fake = fake
        self._loop = loop

    def _call(self, work: Callable[[], Coroutine[Any, Any, T]], timeout: float = WAIT) -> T:
        return asyncio.run_coroutine_threadsafe(work(), self._loop).result(timeout + 5)

    def says(self, chat_id: int, text: str, name: str) -> None:
        async def say() -> None:
            self.fake.user_says(chat_id, text, first_name=name, username=None)

        self._call(say)

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        async def read() -> list[SentMessage]:
            return self.fake.messages_to(chat_id)

        return self._call(read)

    def wait_for(self, chat_id: int, words: str, after: int = 0) -> None:
        """Wait until a message to the chat (after its first `after`) holds `words`."""
        self._call(lambda: self._answer(chat_id, after, words))

    def chat(self, chat_id: int, name: str, *turns: tuple[str, str]) -> list[str]:
        """A young person's conversation: each turn is what they type and words the bot's
        answer must hold (its last message, once it arrives). Returns every message's text."""
        for text, expected in turns:
            seen = len(self.messages_to(chat_id))
            self.says(chat_id, text, name)
            self.wait_for(chat_id, expected, after=seen)
        return [message.text for message in self.messages_to(chat_id)]

    async def _answer(self, chat_id: int, seen: int, expected: str) -> None:
        def answered() -> bool:
            new = self.fake.messages_to(chat_id)[seen:]
            return any(expected in message.text for message in new)

        try:
            await self.fake.wait_until(answered, WAIT)
        except TimeoutError:
            texts = [message.text for message in self.fake.messages_to(chat_id)[seen:]]
            raise AssertionError(f"chat {chat_id}: no {expected!r} in {texts}") from None


@contextmanager
def telegram_in_a_thread() -> Iterator[TelegramThread]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-telegram", daemon=True)
    thread.start()
    fake = FakeTelegram()
    try:
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(WAIT)
        yield TelegramThread(fake, loop)
    finally:
        try:
            asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(WAIT)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(WAIT)
            loop.close()
