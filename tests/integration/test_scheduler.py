"""Work that falls due with time: one reminder to those who started and did not finish (only
when the survey asks for it), and closing a survey at its `closes` date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest

from bot import survey_admin
from bot.channels import outbox_sender
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from conversations.survey_loader import parse_survey
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.helpers import DB_NAME, rows
from tests.integration.telegram_world import serving

LONDON = ZoneInfo("Europe/London")
WALKS = dedent(
    """\
    spec_version: 1
    slug: walks
    title: Safe walks
    keyword: WALKS
    purpose: To make walking routes safer.
    audience: The highways team.
    closes: 2026-12-31
    remind_after: 2
    questions:
      - {id: walk, type: yes_no, text: "Do you walk to school?"}
      - {id: where, type: text, text: "Which road feels least safe?"}
    """
)
STARTED = "+447700900601"  # started, asked to hear back, stopped writing
NO_CONTACT = "+447700900602"  # started, asked for nothing
FINISHED = "+447700900603"
NOT_REPLIES = "WHERE purpose != 'reply'"  # replies to texts are in the outbox too


@pytest.fixture(autouse=True)
def _quick_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.2)


async def texts(fake: FakeTwilio, runtime: Runtime, number: str, *messages: str) -> list[str]:
    url = f"{runtime.settings.public_url}/sms/inbound"
    replies: list[str] = []
    for message in messages:
        replies += (await fake.text_in(url, number, message)).replies
    return replies


async def set_up(fake: FakeTwilio, runtime: Runtime) -> None:
    survey = parse_survey(WALKS, "walks.yaml")
    await survey_admin.add_survey_source(runtime.storage, survey, WALKS)
    await runtime.storage.set_survey_status("walks", "open", "2026-11-01T00:00:00+00:00")
    await runtime.catalogue.refresh()
    await texts(fake, runtime, STARTED, "walks", "yes", "15", "yes", "no", "yes")
    await texts(fake, runtime, NO_CONTACT, "walks", "yes", "15", "no", "no", "yes")
    await texts(fake, runtime, FINISHED, "walks", "yes", "15", "yes", "no", "yes", "Main St")
    # the same unfinished start in a survey that asks for no reminders
    await texts(fake, runtime, "+447700900604", "buses", "yes", "15", "yes", "no", "1")


async def test_one_reminder_only_to_the_unfinished_who_can_be_reached(tmp_path: Path) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        await set_up(fake, runtime)
        sent_before = len(fake.messages)
        scheduler = Scheduler(runtime)
        now = datetime.now(UTC)
        await scheduler.tick(now + timedelta(days=1))  # not quiet for long enough yet
        assert rows(tmp_path / DB_NAME, f"SELECT count(*) FROM outbox {NOT_REPLIES}") == [(0,)]
        for _ in range(3):  # however often it runs: once
            await scheduler.tick(now + timedelta(days=2, minutes=1))
        (reminder,) = await fake.wait_for_messages(STARTED, 1)
        assert 'You started "Safe walks"' in reminder.body
        assert rows(
            tmp_path / DB_NAME,
            f"SELECT purpose, count(*) FROM outbox {NOT_REPLIES} GROUP BY purpose",
        ) == [("reminder", 1)]
        assert len(fake.messages) == sent_before + 1  # nobody else: no contact, finished, or
        # a survey without remind_after
        back = await texts(fake, runtime, STARTED, "Elm Road")  # carries on where they were
        assert "Thank you" in " ".join(back)


async def test_a_survey_closes_itself_at_its_date_and_says_so(tmp_path: Path) -> None:
    async with FakeTwilio() as fake, serving(None, tmp_path, twilio=fake) as (_s, runtime):
        await set_up(fake, runtime)
        scheduler = Scheduler(runtime)
        await scheduler.tick(datetime(2026, 12, 31, 23, 30, tzinfo=LONDON))  # its last day
        statuses = {s.slug: s.status for s in await runtime.storage.list_surveys()}
        assert statuses["walks"] == "open"
        await scheduler.tick(datetime(2027, 1, 1, 0, 30, tzinfo=LONDON))
        statuses = {s.slug: s.status for s in await runtime.storage.list_surveys()}
        assert statuses["walks"] == "closed" and statuses["buses"] == "open"
        # Quiet since November, so on the last day they had their reminder first.
        reminder, notice = await fake.wait_for_messages(STARTED, 2)
        assert "still time" in reminder.body and "has now closed" in notice.body
        await scheduler.tick(datetime(2027, 1, 1, 1, 30, tzinfo=LONDON))
        assert rows(
            tmp_path / DB_NAME,
            f"SELECT purpose, count(*) FROM outbox {NOT_REPLIES} GROUP BY purpose",
        ) == [("closing", 1), ("reminder", 1)]
        await runtime.catalogue.refresh()
        late = " ".join(await texts(fake, runtime, NO_CONTACT, "Station Road"))
        assert "closed" in late.lower()
        assert fake.messages_to(NO_CONTACT) == []  # told in the reply, not pushed
