"""Quiet hours, in the council's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.quiet_hours import QuietHours

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        ("2026-11-23 20:59", False),
        ("2026-11-23 21:00", True),
        ("2026-11-23 23:59", True),
        ("2026-11-24 00:00", True),
        ("2026-11-24 07:59", True),
        ("2026-11-24 08:00", False),
        ("2026-07-01 21:30", True),  # summer time: 20:30 UTC is still 21:30 in London
        ("2026-07-01 07:30", True),
    ],
)
def test_a_window_across_midnight(moment: str, quiet: bool) -> None:
    window = QuietHours.parse("21:00-08:00", LONDON)
    assert window.holds(at(moment)) is quiet
    assert window.holds(at(moment).astimezone(UTC)) is quiet  # the same moment in UTC


def test_a_window_within_a_day_and_an_empty_one() -> None:
    lunch = QuietHours.parse("12:00-13:30", LONDON)
    assert lunch.holds(at("2026-11-23 12:45"))
    assert not lunch.holds(at("2026-11-23 13:30"))
    assert not lunch.holds(at("2026-11-23 11:59"))
    never = QuietHours.parse("00:00-00:00", LONDON)
    assert not any(never.holds(at(f"2026-11-23 {h:02d}:00")) for h in range(24))
