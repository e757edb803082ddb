"""Quiet hours: the window (YOUTHVOICE_QUIET_HOURS, in YOUTHVOICE_TIMEZONE) in which nothing
the bot starts itself is sent. Replies to a young person who writes in always go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, window: str, zone: ZoneInfo) -> QuietHours:
        """From "21:00-08:00" (already checked by the settings)."""
        start, end = window.strip().split("-")
        return cls(time.fromisoformat(start), time.fromisoformat(end), zone)

    def holds(self, moment: datetime) -> bool:
        """Whether `moment` (timezone-aware) falls in the quiet window."""
        local = moment.astimezone(self.zone).time()
        if self.start == self.end:
            return False  # an empty window: never quiet
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight
