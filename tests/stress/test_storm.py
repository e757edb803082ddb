"""The duplicate and reorder storm: every webhook delivered twice, some at once, some one
after the other, some late (after later messages), over Telegram in webhook mode and Twilio.

The same scripted conversations run twice side by side, each on a fresh database: once with
single delivery and once in the storm. The outcome must be identical: the same answers
stored per response, the same counts of participations and contacts, and every reply
received once (a late duplicate of an old message is not answered again).

Quick in the normal suite; `YOUTHVOICE_STRESS=full` for more people.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio, InboundResult, new_sid
from tests.integration.helpers import DB_NAME, rows
from tests.stress.conftest import Stress
from tests.stress.crowd import Person, Script, SmsPerson, TelegramPerson, plain, stored_responses
from tests.stress.serve_process import WEBHOOK_SECRET, ServeProcess
from tests.stress.test_crash_loop import add_and_open_survey

Post = Callable[[], Awaitable[Any]]
Check = Callable[[Any], None]


class Delivery:
    """How each message reaches serve: once, or (in the storm) twice, in one of three ways."""

    def __init__(self, storm: bool, seed: int) -> None:
        self.storm = storm
        self.rng = random.Random(seed)
        self.late: list[tuple[Post, Check]] = []
        self.ways: Counter[str] = Counter()

    async def deliver(self, post: Post, check_late: Check) -> list[Any]:
        await self.release_some()
        if not self.storm:
            return [await post()]
        way = self.rng.choice(["concurrent", "twice", "late"])
        self.ways[way] += 1
        if way == "concurrent":
            return list(await asyncio.gather(post(), post()))
        if way == "twice":
            return [await post(), await post()]
        result = await post()  # held back only once the first has been answered
        self.late.append((post, check_late))
        return [result]

    async def release_some(self, everything: bool = False) -> None:
        """Send duplicates held back, now that later messages have gone."""
        held, self.late = self.late, []
        for post, check in held:
            if everything or self.rng.random() < 0.3:
                check(await post())
            else:
                self.late.append((post, check))


class WebhookPerson(TelegramPerson):
    """Telegram in webhook mode: the update's JSON posted with the secret token."""

    def __init__(self, script: Script, fake: FakeTelegram, chat_id: int, world: StormWorld) -> None:
        super().__init__(script, fake, chat_id)
        self.world = world
        self.message_ids = itertools.count(1)

    async def send(self, text: str) -> None:
        user = {"id": self.chat_id, "is_bot": False, "first_name": "Sam"}
        update = {
            "update_id": next(self.world.update_ids),
            "message": {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private", "first_name": "Sam"},
                "from": user,
                "text": text,
            },
        }

        async def post() -> httpx.Response:
            return await self.world.http.post(
                f"{self.world.serve.url}/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )

        def check(response: httpx.Response) -> None:
            assert response.status_code == 200, response.text

        for response in await self.world.delivery.deliver(post, check):
            check(response)


class StormSmsPerson(SmsPerson):
    """Twilio posting the same MessageSid again: only one of the posts is answered."""

    def __init__(self, script: Script, fake: FakeTwilio, number: str, world: StormWorld):
        super().__init__(script, fake, world.serve.sms_url, number)
        self.world = world
        self.replies: list[str] = []

    async def send(self, text: str) -> InboundResult:
        sid = new_sid("SM")

        async def post() -> InboundResult:
            return await self.fake.text_in(self.url, self.number, text, message_sid=sid)

        def check_late(result: InboundResult) -> None:
            assert (result.status_code, result.replies) == (200, []), result.twiml_text

        results = await self.world.delivery.deliver(post, check_late)
        assert all(r.status_code == 200 for r in results), results
        answered = [r for r in results if r.replies]
        assert len(answered) == 1, [r.twiml_text for r in results]
        self.replies += answered[0].replies
        return answered[0]


@dataclass
class Outcome:
    answers: dict[str, Any]
    participations: list[tuple[Any, ...]]
    contacts: list[tuple[Any, ...]]
    received: dict[str, list[str]]  # per person's tag, every reply in order


class StormWorld:
    def __init__(self, folder: Path, storm: bool, seed: int) -> None:
        self.folder = folder
        self.delivery = Delivery(storm, seed)
        self.update_ids = itertools.count(1)
        self.http = httpx.AsyncClient(timeout=30)
        self.serve: ServeProcess

    async def run(self, scripts: list[Script]) -> Outcome:
        add_and_open_survey(self.folder)
        async with FakeTelegram() as telegram, FakeTwilio() as twilio, self.http:
            self.serve = ServeProcess(
                self.folder, telegram, twilio, TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET
            )
            try:
                await self.serve.start()
                await telegram.wait_until(lambda: telegram.webhook is not None, 20)
                people: list[Person] = [
                    WebhookPerson(s, telegram, 7_200_000_000 + n, self)
                    if n % 2 == 0
                    else StormSmsPerson(s, twilio, f"+4477008{n:05d}", self)
                    for n, s in enumerate(scripts)
                ]
                deadline = asyncio.get_running_loop().time() + 120 + len(people)
                await asyncio.gather(*(p.run(deadline) for p in people))
                await self.delivery.release_some(everything=True)
                await asyncio.sleep(1.5)  # a reply sent again would have arrived by now
                self.serve.stop()
            finally:
                self.serve.ensure_dead()
            received = {
                p.script.tag: [plain(m.text) for m in telegram.messages_to(p.chat_id)]
                if isinstance(p, WebhookPerson)
                else p.replies  # type: ignore[attr-defined]
                for p in people
            }
        database = self.folder / DB_NAME
        assert rows(database, "PRAGMA integrity_check") == [("ok",)]
        assert self.serve.tracebacks() == []
        return Outcome(
            answers=stored_responses(database),
            participations=rows(
                database,
                "SELECT slug, status, hear_back, channel, count(*) FROM participations"
                " GROUP BY 1, 2, 3, 4",
            ),
            contacts=rows(database, "SELECT channel, count(*) FROM contacts GROUP BY 1"),
            received=received,
        )


async def test_a_storm_of_duplicates_changes_nothing(tmp_path: Path, stress: Stress) -> None:
    rng = stress.rng()
    scripts = [Script.random(rng, n) for n in range(stress.storm_people)]
    (tmp_path / "single").mkdir()
    (tmp_path / "storm").mkdir()
    single = StormWorld(tmp_path / "single", storm=False, seed=stress.seed)
    storm = StormWorld(tmp_path / "storm", storm=True, seed=stress.seed)
    started = time.monotonic()
    once, twice = await asyncio.gather(single.run(scripts), storm.run(scripts))
    print(
        f"{len(scripts)} people in {time.monotonic() - started:.0f}s;"
        f" duplicates: {dict(storm.delivery.ways)}"
    )
    assert min(storm.delivery.ways[w] for w in ("concurrent", "twice", "late")) > 0
    assert twice.received == once.received
    assert twice.participations == once.participations
    assert twice.contacts == once.contacts
    assert twice.answers == once.answers
    # and single delivery itself stored what each person said
    assert set(once.answers) == {script.tag for script in scripts}
    for script in scripts:
        (answers,) = once.answers[script.tag]
        assert {q: v for q, v in answers.items() if q != "_completed"} == script.expected
