"""Quiet hours: no community alerts at night (LINE_ALERT_QUIET_HOURS, default 21-8 in LINE_TIMEZONE, or off)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_RANGE_RE = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    """Local hours [start, end) when no alert goes out; start == end means never quiet."""

    start: int
    end: int
    zone: str = "UTC"

    def is_quiet(self, stamp: float) -> bool:
        """Whether an alert may not be sent at this time."""
        if self.start == self.end:
            return False
        hour = datetime.fromtimestamp(stamp, ZoneInfo(self.zone)).hour
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end

    def next_allowed(self, stamp: float) -> float:
        """The first time at or after stamp when alerts may go out (the end of quiet hours, in local time)."""
        if not self.is_quiet(stamp):
            return stamp
        local = datetime.fromtimestamp(stamp, ZoneInfo(self.zone))
        morning = local.replace(hour=self.end, minute=0, second=0, microsecond=0)
        if morning <= local:
            morning = (local + timedelta(days=1)).replace(hour=self.end, minute=0, second=0, microsecond=0)
        # replace() keeps wall-clock time across a DST change; the zone's offset is recomputed from it
        return datetime(morning.year, morning.month, morning.day, self.end, tzinfo=ZoneInfo(self.zone)).timestamp()


def parse_quiet_hours(value: str, zone: str = "UTC") -> QuietHours:
    """Read "21-8" (from 21:00 to 08:00 local time) or "off"; raise ValueError for anything else."""
    if value.strip().lower() == "off":
        return QuietHours(0, 0, zone)
    found = _RANGE_RE.match(value)
    if not found or not all(0 <= int(h) <= 23 for h in found.groups()):
        raise ValueError("LINE_ALERT_QUIET_HOURS must be START-END in whole hours, e.g. 21-8, or off")
    start, end = (int(h) for h in found.groups())
    return QuietHours(start, end, zone)
