"""Simulated young people taking `better-services`, each with their own answers.

A person behaves as a real one would: they read the bot's last question, answer it from their
script, and send their next message only once the bot's reply has arrived. Each person's
free-text answers carry a unique tag, so their anonymous response can be found afterwards.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio, InboundResult, new_sid
from tests.integration import helpers as h

SLUG = "better-services"
KEYWORD = "SERVICES"
AREAS = ["north", "south", "east", "west", "city", "not_say"]
MATTERS = ["things_to_do", "mental_health", "feeling_safe", "getting_around", "school", "jobs"]
# What the bot asks, found in its words, in the order it asks.
PROMPTS = [
    ("consent", h.CONSENT_PROMPT),
    ("age", h.AGE_PROMPT),
    ("hear_back", h.HEAR_BACK_PROMPT),
    ("hear_new", h.HEAR_NEW_PROMPT),
    ("area", h.AREA_PROMPT),
    ("listened_to", h.LISTENED_PROMPT),
    ("not_listened", h.NOT_LISTENED_PROMPT),
    ("know_difference", h.KNOW_PROMPT),
    ("feel_safe", h.SAFE_PROMPT),
    ("what_matters", h.MATTERS_PROMPT),
    ("mental_health_help", h.MENTAL_HEALTH_PROMPT),
    ("one_change", h.CHANGE_PROMPT),
    ("done", h.THANKS),
]
WORDS = ("amber birch cedar delta ember fjord garnet hazel indigo juniper kestrel lichen").split()  # noqa: SIM905


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def prompt_of(text: str) -> str | None:
    """The question the bot asks last in `text`, if any."""
    found = [(plain(text).rfind(words), name) for name, words in PROMPTS]
    found = [(at, name) for at, name in found if at >= 0]
    return max(found)[1] if found else None


@dataclass
class Script:
    """What one young person answers, and what must be stored for them."""

    tag: str
    hear_back: bool
    says: dict[str, str]  # prompt -> what they type
    expected: dict[str, list[str]]  # question id -> stored values, sorted

    @classmethod
    def random(cls, rng: random.Random, number: int) -> Script:
        tag = "-".join(rng.choice(WORDS) for _ in range(3)) + f"-{chr(97 + number % 26)}"
        tag += "".join(chr(97 + (number // 26**k) % 26) for k in range(1, 3))
        hear_back = rng.random() < 0.5
        area = rng.randrange(len(AREAS))
        listened = rng.randint(1, 5)
        know = rng.choice(["yes", "no"])
        safe = rng.randint(1, 5)
        picked = sorted(rng.sample(range(len(MATTERS)), rng.randint(1, 3)))
        mental = rng.choice(["yes", "no"])
        says = {
            "consent": "yes",
            "age": "2",  # 13 to 15
            "hear_back": "yes" if hear_back else "no",
            "hear_new": "no",
            "area": str(area + 1),
            "listened_to": str(listened),
            "not_listened": f"Listen first {tag}",
            "know_difference": know,
            "feel_safe": str(safe),
            "what_matters": " ".join(str(n + 1) for n in picked),
            "mental_health_help": mental,
            "one_change": f"More clubs {tag}",
        }
        expected = {
            "area": [AREAS[area]],
            "listened_to": [str(listened)],
            "know_difference": [know],
            "feel_safe": [str(safe)],
            "what_matters": sorted(MATTERS[n] for n in picked),
            "one_change": [says["one_change"]],
        }
        if listened in (1, 2):
            expected["not_listened"] = [says["not_listened"]]
        if 1 in picked:
            expected["mental_health_help"] = [mental]
        return cls(tag, hear_back, says, expected)


@dataclass
class Person:
    """One young person; `run()` takes them through the survey to its end."""

    script: Script
    channel: str = ""
    asked: list[str] = field(default_factory=list)  # the prompts answered, in order
    resends: int = 0
    lost_replies: list[str] = field(default_factory=list)  # prompts whose reply never came
    finished: bool = False

    async def run(self, deadline: float) -> None:
        prompt = await self.exchange(KEYWORD, deadline)
        while prompt != "done":
            self.asked.append(prompt)
            prompt = await self.exchange(self.script.says[prompt], deadline)
        self.finished = True

    async def exchange(self, text: str, deadline: float) -> str:
        raise NotImplementedError


class TelegramPerson(Person):
    RESEND_AFTER = 40.0  # Telegram keeps an update the bot has not confirmed: be patient
    QUIET = 1.2  # a reply may come in several messages, one a second per chat

    def __init__(self, script: Script, fake: FakeTelegram, chat_id: int) -> None:
        super().__init__(script, "telegram")
        self.fake = fake
        self.chat_id = chat_id
        self.seen = 0

    async def exchange(self, text: str, deadline: float) -> str:
        loop = asyncio.get_running_loop()
        while True:
            await self.send(text)
            waited_from = loop.time()
            while loop.time() - waited_from < self.RESEND_AFTER:
                if loop.time() > deadline:
                    raise TimeoutError(f"chat {self.chat_id} stuck after {text!r}")
                new = self.fake.messages_to(self.chat_id)[self.seen :]
                prompts = [p for p in map(prompt_of, (m.text for m in new)) if p]
                if prompts and prompt_of(new[-1].text):
                    count = len(new)
                    await asyncio.sleep(self.QUIET)
                    if len(self.fake.messages_to(self.chat_id)) == self.seen + count:
                        self.seen += count
                        return prompts[-1]
                    continue
                await asyncio.sleep(0.1)
            self.lost_replies.append(text)
            self.resends += 1

    async def send(self, text: str) -> None:
        self.fake.user_says(self.chat_id, text)


class SmsPerson(Person):
    """Twilio does not retry a webhook that failed. When serve died after saving the step,
    the reply comes through the REST API once it is back; when none comes (the step was not
    saved), the person sends the text again."""

    WAIT_FOR_REPLY = 20.0  # after a failed text: long enough for serve to come back
    QUIET = 0.6  # a reply may come in several messages

    def __init__(self, script: Script, fake: FakeTwilio, url: str, number: str) -> None:
        super().__init__(script, "sms")
        self.fake = fake
        self.url = url
        self.number = number
        self.late_replies = 0  # replies that came by REST after serve died

    async def exchange(self, text: str, deadline: float) -> str:
        loop = asyncio.get_running_loop()
        while True:
            if loop.time() > deadline:
                raise TimeoutError(f"{self.number} stuck after {text!r}")
            seen = len(self.fake.messages_to(self.number))
            try:
                result = await self.send(text)
            except httpx.HTTPError:
                result = None
            if result is not None and result.status_code == 200:
                prompt = prompt_of("\n".join(result.replies))
                assert prompt is not None, result.replies
                return prompt
            if result is not None:  # the bot answered, but not with a reply
                raise AssertionError(f"{result.status_code}: {result.twiml_text}")
            late = await self.reply_by_rest(seen, loop.time() + self.WAIT_FOR_REPLY)
            if late is not None:
                self.late_replies += 1
                return late
            self.lost_replies.append(text)
            self.resends += 1

    async def reply_by_rest(self, seen: int, until: float) -> str | None:
        """The question in the messages sent to this number after the first `seen`."""
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            new = self.fake.messages_to(self.number)[seen:]
            if new and prompt_of(new[-1].body):
                await asyncio.sleep(self.QUIET)
                if len(self.fake.messages_to(self.number)) == seen + len(new):
                    return prompt_of(new[-1].body)
                continue
            await asyncio.sleep(0.1)
        return None

    async def send(self, text: str) -> InboundResult:
        return await self.fake.text_in(self.url, self.number, text, message_sid=new_sid("SM"))


def stored_responses(database: Path) -> dict[str, list[dict[str, list[str]]]]:
    """Each stored response's answers, found by the tag in its last free-text answer."""
    with sqlite3.connect(database) as db:
        found = db.execute("SELECT response_id, question_id, value FROM answers").fetchall()
        completed = dict(db.execute("SELECT id, completed FROM responses").fetchall())
    by_response: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for response_id, question, value in found:
        by_response[response_id][question].append(value)
    by_tag: dict[str, list[dict[str, list[str]]]] = defaultdict(list)
    for response_id, answers in by_response.items():
        tags = {v.split()[-1] for vs in answers.values() for v in vs if v.startswith("More clubs")}
        answers = {q: sorted(vs) for q, vs in answers.items()}
        answers["_completed"] = [str(completed[response_id])]
        for tag in tags or {"(untagged)"}:
            by_tag[tag].append(answers)
    return by_tag
