"""Participation reach on the dashboard: responses by age band, channel, month and one
choice question's answers, for one survey or all, with small numbers suppressed; for
coordinators only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.runtime import open_storage
from bot.settings import load_settings
from bot.web.app import build_app
from bot.web.pages_reach import reach_table
from storage.protocol import Storage
from tests.integration.dashboard_world import SLUG, answered, youth_spaces
from tests.integration.helpers import DB_NAME
from tests.integration.test_dashboard_auth import KEYS, logged_in_as

SPACES = youth_spaces(
    """\
    - id: area
      type: choice
      text: Where do you live?
      options: [{id: north, label: North}, {id: south, label: South}]
    - {id: club, type: yes_no, text: "Do you go to a youth club?"}
    """
)
# (channel, age, area) for each of 10 young people: 2 live in the south.
PEOPLE = [("sms", "16", "1")] * 5 + [("telegram", "14", "1")] * 3 + [("telegram", "14", "2")] * 2


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    settings = load_settings(YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME))
    async with open_storage(settings) as opened:
        talks = [
            (
                channel,
                f"+4477009{who:05d}" if channel == "sms" else str(1000 + who),
                ("SPACES", "yes", age, "no", "no", area, "yes"),
            )
            for who, (channel, age, area) in enumerate(PEOPLE)
        ]
        await answered(opened, SPACES, talks)
        yield opened


def cells(page: str, caption: str) -> dict[str, str]:
    """A table's rows, by their heading, from the page."""
    table = page.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]
    return dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', table))


async def test_the_counts_are_grouped_in_sql(storage: Storage) -> None:
    counts = await storage.reach_counts(SLUG, "area")
    assert counts.total == 10
    assert counts.by_age_band == {"13_15": 5, "16_17": 5}
    assert counts.by_channel == {"sms": 5, "telegram": 5}
    assert counts.by_month == {datetime.now(UTC).strftime("%Y-%m"): 10}
    assert counts.by_answer == {"north": 8, "south": 2}
    everything = await storage.reach_counts(None, None)
    assert everything.total == 10 and everything.by_answer == {}
    assert (await storage.reach_counts("no-such-survey", None)).total == 0


async def test_the_page_shows_the_counts_with_small_ones_suppressed(storage: Storage) -> None:
    transport = httpx.ASGITransport(app=build_app(storage, keys=KEYS))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await logged_in_as(storage, client, "coordinator")
        assert 'href="/reach"' in (await client.get("/")).text
        page = (await client.get("/reach", params={"survey": SLUG, "by": "area"})).text
        everything = (await client.get("/reach")).text
        unknown = await client.get("/reach", params={"survey": "nope", "by": "nothing"})
    month = datetime.now(UTC).strftime("%Y-%m")
    # Every band and channel is listed, so the groups nobody has heard from show as 0.
    assert cells(page, "Responses by age band") == {
        "Under 13": "0", "13 to 15": "5", "16 or 17": "5", "18 to 25": "0", "Total": "10"
    }  # fmt: skip
    assert cells(page, "Responses by channel") == {"Telegram": "5", "SMS": "5", "Total": "10"}
    assert cells(page, "Responses by month") == {month: "10", "Total": "10"}
    area = cells(page, "Responses by answer to: Where do you live?")
    assert area["South"] == "fewer than 5" and area["North"] != "8"  # not worked out from 10
    assert "fewer than 5" in page and "Small numbers are hidden" in page
    assert cells(everything, "Responses by channel")["Total"] == "10"
    assert "Responses by answer to" not in everything
    assert unknown.status_code == 200 and "All surveys" in unknown.text


def test_small_counts_are_shown_as_fewer_than_five() -> None:
    table = reach_table("By band", "Band", {"13_15": 3, "16_17": 9, "18_25": 0})
    shown = dict(table.rows)
    assert shown["13_15"] == "fewer than 5" and shown["18_25"] == "0"
    assert shown["16_17"] != "9" or table.total != "12"  # the hidden 3 cannot be worked out
