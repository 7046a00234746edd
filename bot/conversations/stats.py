"""Aggregate statistics: daily counters only (no per-person data, no numbers, no tip codes).

One Redis hash per day (in LINE_TIMEZONE) with counters named "group|value", e.g. "language|es",
"outcome|tip_finished". Officers' response times are kept as a count, a sum and three buckets."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

import redis
from redis.client import Pipeline

from .store import PREFIX

STATS_TTL = 800 * 86400  # about two years of daily aggregates
SMALL = 5                # counts below this (but above 0) are shown as "< 5"
GROUPS = ("language", "channel", "topic", "outcome")
OUTCOMES = ("policy", "tip_started", "tip_finished", "opted_out", "emergency")
RESPONSE_BUCKETS = ((3600, "under_1h"), (86400, "under_24h"), (float("inf"), "over_24h"))


def day_of(stamp: float, zone: str) -> str:
    """The local date (YYYY-MM-DD) of a timestamp in the department's time zone."""
    return datetime.fromtimestamp(stamp, tz=ZoneInfo(zone)).strftime("%Y-%m-%d")


def shown(count: int) -> str:
    """A count as the statistics page may show it: 1-4 become "< 5" so that nobody can be singled out."""
    return f"< {SMALL}" if 0 < count < SMALL else str(count)


@dataclass
class Summary:
    """Totals over a period, by group, and per day (conversations and finished tips) for the chart."""

    days: list[str]
    totals: dict[str, dict[str, int]] = field(default_factory=dict)
    per_day: dict[str, dict[str, int]] = field(default_factory=dict)
    responses: int = 0
    response_seconds: float = 0.0
    buckets: dict[str, int] = field(default_factory=dict)

    @property
    def average_response_minutes(self) -> float | None:
        """Mean minutes from a tip to the first officer action (None without data)."""
        return self.response_seconds / self.responses / 60 if self.responses else None


class Stats:
    """Writes and reads the daily counters (the only owner of stats keys)."""

    def __init__(self, client: redis.Redis, zone: str) -> None:
        self.redis = client
        self.zone = zone

    def _key(self, day: str) -> str:
        return f"{PREFIX}stats:{day}"

    def count(self, pipe: Pipeline, at: float, names: Iterable[str]) -> None:
        """Add one to each counter (e.g. "outcome|policy") for the day of `at`, inside the caller's transaction."""
        names = list(names)
        if names:
            key = self._key(day_of(at, self.zone))
            for name in names:
                pipe.hincrby(key, name, 1)
            pipe.expire(key, STATS_TTL)

    def response(self, tip_created: float, seconds: float) -> None:
        """Record an officer's first action on a tip, on the day the tip arrived."""
        key = self._key(day_of(tip_created, self.zone))
        bucket = next(name for limit, name in RESPONSE_BUCKETS if seconds < limit)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "response|count", 1)
            pipe.hincrbyfloat(key, "response|seconds", max(0.0, seconds))
            pipe.hincrby(key, f"response|{bucket}", 1)
            pipe.expire(key, STATS_TTL)
            pipe.execute()

    def summary(self, last_day: date, days: int) -> Summary:
        """Totals for the `days` days ending on last_day."""
        names = [(last_day - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days - 1, -1, -1)]
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self._key(name))
            raw = pipe.execute()
        summary = Summary(days=names)
        for name, counters in zip(names, raw):
            day = {k.decode(): float(v) for k, v in counters.items()}
            summary.per_day[name] = {"conversations": int(sum(v for k, v in day.items() if k.startswith("channel|"))),
                                     "tips": int(day.get("outcome|tip_finished", 0))}
            for counter, value in day.items():
                group, _, what = counter.partition("|")
                if group == "response":
                    if what == "count":
                        summary.responses += int(value)
                    elif what == "seconds":
                        summary.response_seconds += value
                    else:
                        summary.buckets[what] = summary.buckets.get(what, 0) + int(value)
                elif group in GROUPS:
                    totals = summary.totals.setdefault(group, {})
                    totals[what] = totals.get(what, 0) + int(value)
        return summary
