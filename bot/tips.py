"""The Tip record and its Redis repository (the only owner of tip keys). Tips never hold a phone number."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.client import Pipeline

from .engine.matching import TIP_CODE_ALPHABET, is_tip_code_half
from .store import PREFIX

STATUSES = ("queued", "received", "delivered", "undelivered")


@dataclass(frozen=True)
class Addendum:
    """More information a resident sent later for a tip."""

    text: str
    at: float


@dataclass(frozen=True)
class Tip:
    """A submitted tip: the interview answers, where it came from, and how far it got."""

    code: str
    created_at: float
    locale: str
    channel: str
    answers: tuple[tuple[str, str | None], ...]
    status: str = "queued"
    addenda: tuple[Addendum, ...] = field(default=())
    notifications: dict[str, str] = field(default_factory=dict)


def new_code() -> str:
    """A random, non-sequential code that is easy to read aloud: 8 of 30 unambiguous characters, e.g. K7QF-3MZP."""
    halves = []
    while len(halves) < 2:
        half = "".join(secrets.choice(TIP_CODE_ALPHABET) for _ in range(4))
        if is_tip_code_half(half):
            halves.append(half)
    return "-".join(halves)


class TipRepository:
    """Stores tips, their addenda and per-officer notification results."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @staticmethod
    def _key(code: str) -> str:
        return f"{PREFIX}tip:{{{code}}}"

    def exists(self, code: str) -> bool:
        """True if a tip with this code is stored."""
        return bool(self.redis.exists(self._key(code)))

    def create(self, pipe: Pipeline, tip: Tip) -> None:
        """Write a new tip inside the caller's transaction."""
        key = self._key(tip.code)
        pipe.hset(key, mapping={
            "code": tip.code, "created_at": repr(tip.created_at), "locale": tip.locale, "channel": tip.channel,
            "answers": json.dumps([list(a) for a in tip.answers]), "status": tip.status,
        })
        pipe.zadd(f"{PREFIX}tips", {tip.code: tip.created_at})

    def add_addendum(self, pipe: Pipeline, code: str, text: str, at: float) -> None:
        """Append later information to a tip inside the caller's transaction."""
        pipe.rpush(f"{self._key(code)}:addenda", json.dumps({"text": text, "at": at}))

    def addendum_count(self, code: str) -> int:
        """How many addenda a tip has."""
        return int(self.redis.llen(f"{self._key(code)}:addenda"))

    def get(self, code: str) -> Tip | None:
        """Load a tip with its addenda and notification results."""
        key = self._key(code)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(key)
            pipe.lrange(f"{key}:addenda", 0, -1)
            pipe.hgetall(f"{key}:notify")
            data, addenda, notify = pipe.execute()
        if not data:
            return None
        text = {k.decode(): v.decode() for k, v in data.items()}
        return Tip(
            code=text["code"], created_at=float(text["created_at"]), locale=text["locale"],
            channel=text["channel"], status=text["status"],
            answers=tuple((str(k), v) for k, v in json.loads(text["answers"])),
            addenda=tuple(Addendum(**json.loads(a)) for a in addenda),
            notifications={k.decode(): v.decode() for k, v in notify.items()},
        )

    def set_status(self, code: str, status: str) -> None:
        """Move a tip along queued -> received -> delivered / undelivered."""
        if status not in STATUSES:
            raise ValueError(f"unknown tip status {status!r}")
        self.redis.hset(self._key(code), "status", status)

    def record_notification(self, code: str, name: str, result: str) -> dict[str, str]:
        """Store one notification's result (e.g. "sent", "failed: 21211") and return all results."""
        key = f"{self._key(code)}:notify"
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, name, result)
            pipe.hgetall(key)
            _, results = pipe.execute()
        return {k.decode(): v.decode() for k, v in results.items()}

    def recent(self, limit: int = 50) -> list[str]:
        """Codes of the newest tips, newest first."""
        return [c.decode() for c in self.redis.zrevrange(f"{PREFIX}tips", 0, limit - 1)]

    def to_public_dict(self, tip: Tip) -> dict[str, Any]:
        """A JSON-ready view of a tip for officers (no resident data exists to leak)."""
        return {
            "code": tip.code, "created_at": tip.created_at, "locale": tip.locale, "channel": tip.channel,
            "status": tip.status, "answers": [list(a) for a in tip.answers],
            "addenda": [{"text": a.text, "at": a.at} for a in tip.addenda], "notifications": tip.notifications,
        }
