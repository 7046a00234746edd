"""Community alerts as records in Redis: the two texts, the audience, the schedule, who wrote and who approved
it (two different people), its status, and its delivery counts."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import redis

from bot.platform.keys import PREFIX

STATUSES = ("pending", "scheduled", "sending", "done", "rejected")
COUNTS = ("queued", "sent", "delivered", "undelivered", "failed", "skipped")
_INDEX = f"{PREFIX}bcs"
MONTHLY_LIMIT = 4  # the consent text promises "up to 4 a month": approvals in any 30 days are held to it
_ID_RE_CHARS = frozenset("AL0123456789")


class ApprovalError(Exception):
    """An alert cannot be approved (or rejected) by this person, or not in its current status."""


PACE_COUNT = "t:"  # counts of recipients dealt with per time bucket (the current pace)
INTERNAL_COUNTS = ("pos:", PACE_COUNT)  # where each chunk has got to, and the pace counters


def pace_field(bucket: int) -> str:
    """The count field of recipients dealt with in one time bucket."""
    return PACE_COUNT + str(bucket)

@dataclass(frozen=True)
class Broadcast:
    """One community alert."""

    id: str
    texts: dict[str, str]
    audience: str
    created_by: str
    created_at: float
    send_after: float = 0.0           # the schedule: not before this time (0: as soon as approved)
    status: str = "pending"
    approved_by: str = ""
    approved_at: float = 0.0
    starts_at: float = 0.0            # when sending starts (the schedule, moved out of quiet hours)
    started_at: float = 0.0
    finished_at: float = 0.0
    rejected_by: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # queued, sent, ... and skipped:<reason>, failed:<code>

    def count(self, name: str) -> int:
        """One delivery count (0 when none yet)."""
        return self.counts.get(name, 0)

    @property
    def processed(self) -> int:
        """Recipients dealt with: sent, failed or skipped."""
        return self.count("sent") + self.count("failed") + self.count("skipped")

    @property
    def shown_counts(self) -> dict[str, int]:
        """The counts people read (queued, sent, skipped:<reason>, ...), without the bookkeeping fields."""
        return {name: n for name, n in self.counts.items() if not name.startswith(INTERNAL_COUNTS)}

    def reasons(self, kind: str) -> dict[str, int]:
        """The skipped (or failed) counts by reason."""
        prefix = kind + ":"
        return {name[len(prefix):]: n for name, n in sorted(self.counts.items()) if name.startswith(prefix)}


def valid_id(value: str) -> bool:
    """Whether a string is shaped like an alert id (AL000001), so it can be used in a key."""
    return len(value) == 8 and value.startswith("AL") and set(value) <= _ID_RE_CHARS


class BroadcastStore:
    """Creates, reads, approves and counts community alerts."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float]) -> None:
        self.redis = client
        self.clock = clock

    @staticmethod
    def key(alert_id: str, part: str = "") -> str:
        """The Redis key of an alert's record, or of one of its parts (counts, recipients, chunk lists...)."""
        return f"{PREFIX}bc:{{{alert_id}}}" + (f":{part}" if part else "")

    def create(self, texts: dict[str, str], audience: str, created_by: str, send_after: float = 0.0) -> Broadcast:
        """Save a new alert, waiting for a second person's approval."""
        alert_id = f"AL{int(self.redis.incr(PREFIX + 'bc:seq')):06d}"
        now = self.clock()
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(alert_id), mapping={
                "en": texts.get("en", ""), "es": texts.get("es", ""), "audience": audience,
                "created_by": created_by, "created_at": repr(now), "send_after": repr(send_after),
                "status": "pending"})
            pipe.zadd(_INDEX, {alert_id: now})
            pipe.execute()
        return self.get(alert_id)

    def get(self, alert_id: str) -> Broadcast | None:
        """An alert with its counts, or None."""
        if not valid_id(alert_id):
            return None
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.key(alert_id))
            pipe.hgetall(self.key(alert_id, "n"))
            raw, counts = pipe.execute()
        if not raw:
            return None
        data = {k.decode(): v.decode() for k, v in raw.items()}

        def number(name: str) -> float:
            return float(data.get(name) or 0)
        return Broadcast(id=alert_id, texts={"en": data.get("en", ""), "es": data.get("es", "")},
                         audience=data.get("audience", "all"), created_by=data.get("created_by", ""),
                         created_at=number("created_at"), send_after=number("send_after"),
                         status=data.get("status", "pending"), approved_by=data.get("approved_by", ""),
                         approved_at=number("approved_at"), starts_at=number("starts_at"),
                         started_at=number("started_at"), finished_at=number("finished_at"),
                         rejected_by=data.get("rejected_by", ""),
                         counts={k.decode(): int(v) for k, v in counts.items()})

    def recent(self, limit: int = 50) -> list[Broadcast]:
        """The newest alerts first."""
        ids = [i.decode() for i in self.redis.zrevrange(_INDEX, 0, limit - 1)]
        return [alert for alert in map(self.get, ids) if alert is not None]

    def approve(self, alert_id: str, approver: str, starts_at: float) -> Broadcast:
        """The second person's approval: the alert is scheduled to start at starts_at. Raise ApprovalError when
        the approver wrote it, it is not waiting for approval, or MONTHLY_LIMIT alerts were approved in 30 days."""
        since = self.clock() - 30 * 86400
        approved = [a for a in self.recent(100) if a.approved_at >= since and a.status in ("scheduled", "sending", "done")]
        if len(approved) >= MONTHLY_LIMIT:
            raise ApprovalError(f"{MONTHLY_LIMIT} alerts were already approved in the last 30 days (residents were "
                                f"promised at most {MONTHLY_LIMIT} a month)")
        return self._decide(alert_id, approver, {"status": "scheduled", "approved_by": approver,
                                                 "approved_at": repr(self.clock()), "starts_at": repr(starts_at)})

    def reject(self, alert_id: str, who: str) -> Broadcast:
        """Turn an alert down (it will never be sent); the writer may withdraw their own."""
        return self._decide(alert_id, who, {"status": "rejected", "rejected_by": who}, own_allowed=True)

    def _decide(self, alert_id: str, who: str, changes: dict[str, str], own_allowed: bool = False) -> Broadcast:
        key = self.key(alert_id)
        with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(key)
                    status, writer = (v.decode() if v else "" for v in pipe.hmget(key, "status", "created_by"))
                    if not status:
                        raise ApprovalError("there is no such alert")
                    if status != "pending":
                        raise ApprovalError(f"the alert is already {status}")
                    if writer == who and not own_allowed:
                        raise ApprovalError("a second person must approve an alert: you wrote this one")
                    pipe.multi()
                    pipe.hset(key, mapping=changes)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        return self.get(alert_id)

    def mark(self, alert_id: str, **fields: str) -> None:
        """Set fields of an alert's record (status, started_at, finished_at, chunks...)."""
        self.redis.hset(self.key(alert_id), mapping=fields)

    def field(self, alert_id: str, name: str) -> str:
        """One field of an alert's record ("" when unset)."""
        value = self.redis.hget(self.key(alert_id), name)
        return value.decode() if value else ""
