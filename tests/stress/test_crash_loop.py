"""The crash loop: young people take a survey over Telegram and SMS while `youthvoice serve`
is killed with SIGKILL at random moments and started again each time.

At the end every person has finished; every answer whose reply reached them is stored once
and is what they sent (an SMS reply lost with the process comes by the REST API once serve is
back, so the person never sends an answer again that was already kept); a You Said We Did,
delivered through more kills, reaches each person who asked to hear back exactly
once; and the database passes `PRAGMA integrity_check`.

Quick in the normal suite; `YOUTHVOICE_STRESS=full` for hundreds of people and 50+ kills.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, ok, rows, run, wait_for
from tests.stress.conftest import Stress
from tests.stress.crowd import SLUG, Person, Script, SmsPerson, TelegramPerson, stored_responses
from tests.stress.serve_process import ServeProcess

SURVEY_FILE = Path(__file__).parents[2] / "conversations" / "surveys" / "better-services.yaml"
DID = "We opened two new youth clubs"


def add_and_open_survey(folder: Path) -> None:
    (folder / "better-services.yaml").write_text(SURVEY_FILE.read_text())
    ok(run(folder, "survey", "add", "better-services.yaml"))
    ok(run(folder, "survey", "open", SLUG))


async def kill_at_random(serve: ServeProcess, stress: Stress, people: list[Person]) -> None:
    """SIGKILL serve at random moments while people talk, until enough kills are done."""
    rng = stress.rng()
    while serve.kills < stress.kills and not all(p.finished for p in people):
        await asyncio.sleep(rng.uniform(0.5, 3.0))
        await serve.restart()


def check_answers(people: list[Person], database: Path) -> list[str]:
    """Problems with what is stored: each person's one response must hold what they said."""
    stored = stored_responses(database)
    problems: list[str] = []
    for person in people:
        found = stored.get(person.script.tag, [])
        if len(found) != 1:
            problems.append(f"{person.script.tag}: {len(found)} responses")
            continue
        answers = {q: v for q, v in found[0].items() if q != "_completed"}
        if found[0]["_completed"] != ["1"]:
            problems.append(f"{person.script.tag}: response not completed")
        if answers != person.script.expected:
            where = f"{person.channel} {person.script.tag} (sent again: {person.lost_replies})"
            problems.append(f"{where}: stored {answers}, sent {person.script.expected}")
    if "(untagged)" in stored:
        problems.append(f"responses nobody can be found in: {stored['(untagged)']}")
    return problems


async def test_serve_killed_again_and_again_loses_and_repeats_nothing(
    tmp_path: Path, stress: Stress
) -> None:
    add_and_open_survey(tmp_path)
    rng = stress.rng()
    scripts = [Script.random(rng, n) for n in range(stress.people)]
    # Seconds over which people start: in the full run, long enough to take every kill.
    spread = stress.kills * 3.5 if stress.full else 1.0
    async with FakeTelegram() as telegram, FakeTwilio() as twilio:
        serve = ServeProcess(tmp_path, telegram, twilio, SMS_RATE_LIMIT="10")
        try:
            await serve.start()
            people: list[Person] = [
                TelegramPerson(s, telegram, 7_100_000_000 + n)
                if n % 2 == 0
                else SmsPerson(s, twilio, serve.sms_url, f"+4477009{n:05d}")
                for n, s in enumerate(scripts)
            ]
            deadline = asyncio.get_running_loop().time() + 120 + stress.people + stress.kills * 6

            async def later(person: Person, delay: float) -> None:
                await asyncio.sleep(delay)
                await person.run(deadline)

            started = time.monotonic()
            talking = asyncio.gather(*(later(p, rng.uniform(0, spread)) for p in people))
            await kill_at_random(serve, stress, people)
            await talking
            talk_seconds = time.monotonic() - started
            kills_while_talking = serve.kills
            assert kills_while_talking >= stress.kills
            assert all(p.finished for p in people)

            # You Said We Did, to those who asked, through more kills.
            hear_back = [p for p in people if p.script.hear_back]
            queued = ok(run(tmp_path, "feedback", "send", SLUG, "--said", "Clubs", "--did", DID))
            assert queued.startswith(f"{len(hear_back)} queued"), queued

            def received() -> Counter[str]:
                return Counter(
                    [str(m.chat_id) for m in telegram.sent if DID in m.text]
                    + [m.to for m in twilio.messages if DID in m.body]
                )

            telegram.answer_delay = twilio.answer_delay = 0.5  # taken, but not yet answered
            at_kills = []
            for n in range(stress.feedback_kills):
                goal = len(hear_back) * (n + 1) // (stress.feedback_kills + 1)
                await wait_for(lambda: sum(received().values()) >= goal, 60)  # noqa: B023
                at_kills.append(sum(received().values()))
                await serve.restart()
            telegram.answer_delay = twilio.answer_delay = 0.0
            await wait_for(lambda: len(received()) == len(hear_back), 60 + stress.people)
            await asyncio.sleep(1.5)  # anything sent twice would have arrived by now
            serve.stop()
        finally:
            serve.ensure_dead()

    addresses = {
        str(p.chat_id) if isinstance(p, TelegramPerson) else p.number
        for p in hear_back
        if isinstance(p, TelegramPerson | SmsPerson)
    }
    counts = received()
    assert set(counts) == addresses
    assert [a for a, c in counts.items() if c != 1] == []
    database = tmp_path / DB_NAME
    assert rows(database, "PRAGMA integrity_check") == [("ok",)]
    report = check_answers(people, database)
    lost = sum(len(p.lost_replies) for p in people)
    late = sum(p.late_replies for p in people if isinstance(p, SmsPerson))
    print(
        f"{len(people)} people in {talk_seconds:.0f}s, {kills_while_talking} kills while talking,"
        f" {serve.kills - kills_while_talking} during feedback (after {at_kills} of"
        f" {len(hear_back)} had arrived); {lost} messages sent again; {late} SMS replies"
        " sent after a restart"
    )
    assert report == []
    assert serve.tracebacks() == []
