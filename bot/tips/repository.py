"""The Tip record and its Redis repository (the only owner of tip keys). Tips never hold a phone number."""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Iterable

import redis
from redis.client import Pipeline

from bot.engine.matching import TIP_CODE_ALPHABET, is_tip_code_half
from bot.platform.keys import PREFIX

STATUSES = ("new", "in_progress", "closed")                         # the officers' work on a tip
CRIME_TYPES = ("robbery", "assault", "burglary", "theft", "fraud", "threats", "domestic", "drugs", "vandalism",
               "other")                                              # what officers file a tip as
PRIORITIES = ("high", "normal", "low")
CASE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./#-]{0,39}$")  # a case / RMS number as departments write it
DELIVERIES = ("queued", "received", "delivered", "undelivered")    # how far the officer notifications got
SUCCESS = ("sent", "delivered", "read", "queued", "accepted", "sending")  # notification results that are not failures
NOTIFY_RANK = {"queued": 0, "accepted": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}


@dataclass(frozen=True)
class Entry:
    """One dated text on a tip: a resident's later message, an officer's reply, or an internal note."""

    text: str
    at: float
    by: str = ""  # the officer's account name; empty for the resident


@dataclass(frozen=True)
class Tip:
    """A submitted tip: the interview answers, where it came from, how far it got and the officers' work."""

    code: str
    created_at: float
    locale: str
    channel: str
    answers: tuple[tuple[str, str | None], ...]
    status: str = "new"
    delivery: str = "queued"
    assignee: str = ""
    followup_until: float = 0.0  # officers may write to the resident until then (0: the resident said no)
    addenda: tuple[Entry, ...] = field(default=())
    replies: tuple[Entry, ...] = field(default=())
    notes: tuple[Entry, ...] = field(default=())
    notifications: dict[str, str] = field(default_factory=dict)
    media: tuple[str, ...] = field(default=())  # photo ids (bot/tips/photos.py), oldest first
    crime_type: str = ""   # one of CRIME_TYPES, set by an officer ("" until then)
    priority: str = ""     # one of PRIORITIES
    case_number: str = ""  # the department's case / RMS number, when the tip became a case

    def reply_status(self, index: int) -> str:
        """The delivery result of officer reply number index ("queued" until a worker has tried)."""
        return self.notifications.get(f"reply:{index}", "queued")

    @property
    def undelivered(self) -> bool:
        """True when every officer notification failed."""
        return self.delivery == "undelivered"


_BASE = len(TIP_CODE_ALPHABET)
_CODES = _BASE ** 8                       # every 8-character string over the alphabet
_FAIR = (1 << 64) // _CODES * _CODES      # 64-bit numbers below this map evenly onto them


def new_code() -> str:
    """A random, non-sequential code that is easy to read aloud: 8 of 30 unambiguous characters, e.g. K7QF-3MZP."""
    while True:  # uniform over the codes whose halves are valid: draw uniformly, redraw the rest
        number = int.from_bytes(secrets.token_bytes(8), "big")
        if number >= _FAIR:
            continue
        chars = []
        for _ in range(8):
            number, digit = divmod(number, _BASE)
            chars.append(TIP_CODE_ALPHABET[digit])
        first, second = "".join(chars[:4]), "".join(chars[4:])
        if is_tip_code_half(first) and is_tip_code_half(second):
            return f"{first}-{second}"


def is_success(result: str) -> bool:
    """Whether a notification result means the message was handed over (not a failure)."""
    return result.split(":", 1)[0].split(" ", 1)[0] in SUCCESS


class TipRepository:
    """Stores tips, their later messages, officer replies and notes, and per-notification results."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @staticmethod
    def key(code: str) -> str:
        """The Redis key of a tip."""
        return f"{PREFIX}tip:{{{code}}}"

    def exists(self, code: str) -> bool:
        """True if a tip with this code is stored."""
        return bool(self.redis.exists(self.key(code)))

    def create(self, pipe: Pipeline, tip: Tip) -> None:
        """Write a new tip inside the caller's transaction."""
        key = self.key(tip.code)
        pipe.hset(key, mapping={
            "code": tip.code, "created_at": repr(tip.created_at), "locale": tip.locale, "channel": tip.channel,
            "answers": json.dumps([list(a) for a in tip.answers]), "status": tip.status,
            "delivery": tip.delivery, "assignee": tip.assignee, "followup_until": repr(tip.followup_until),
        })
        pipe.zadd(f"{PREFIX}tips", {tip.code: tip.created_at})

    def add_addendum(self, pipe: Pipeline, code: str, text: str, at: float) -> None:
        """Append a resident's later message to a tip inside the caller's transaction."""
        pipe.rpush(f"{self.key(code)}:addenda", json.dumps({"text": text, "at": at}))

    def addendum_count(self, code: str) -> int:
        """How many later messages a tip has."""
        return int(self.redis.llen(f"{self.key(code)}:addenda"))

    def add_reply(self, code: str, by: str, text: str, at: float) -> int:
        """Keep an officer's reply to the resident and return its index."""
        return int(self.redis.rpush(f"{self.key(code)}:replies", json.dumps({"text": text, "at": at, "by": by}))) - 1

    def add_note(self, code: str, by: str, text: str, at: float) -> None:
        """Keep an internal note (never sent to the resident)."""
        self.redis.rpush(f"{self.key(code)}:notes", json.dumps({"text": text, "at": at, "by": by}))

    def get(self, code: str) -> Tip | None:
        """Load a tip with everything attached to it."""
        return next(iter(self.get_many([code])), None)

    def get_many(self, codes: Iterable[str]) -> list[Tip]:
        """Load several tips in one round trip (missing ones are left out)."""
        codes = list(codes)
        with self.redis.pipeline(transaction=False) as pipe:
            for code in codes:
                key = self.key(code)
                pipe.hgetall(key)
                for part in ("addenda", "replies", "notes", "media"):
                    pipe.lrange(f"{key}:{part}", 0, -1)
                pipe.hgetall(f"{key}:notify")
            raw = pipe.execute()
        tips = []
        for i in range(len(codes)):
            data, addenda, replies, notes, media, notify = raw[i * 6:(i + 1) * 6]
            if data:
                tips.append(self._decode(data, addenda, replies, notes, notify, media))
        return tips

    @staticmethod
    def _decode(data: dict, addenda: list, replies: list, notes: list, notify: dict, media: list) -> Tip:
        text = {k.decode(): v.decode() for k, v in data.items()}
        status = text.get("status", "new")
        delivery = text.get("delivery", "queued")
        if status in DELIVERIES:  # written before tips had a workflow status
            status, delivery = "new", status
        return Tip(
            code=text["code"], created_at=float(text["created_at"]), locale=text["locale"],
            channel=text["channel"], status=status, delivery=delivery, assignee=text.get("assignee", ""),
            followup_until=float(text.get("followup_until", 0) or 0),
            answers=tuple((str(k), v) for k, v in json.loads(text["answers"])),
            addenda=tuple(Entry(**json.loads(a)) for a in addenda),
            replies=tuple(Entry(**json.loads(a)) for a in replies),
            notes=tuple(Entry(**json.loads(a)) for a in notes),
            notifications={k.decode(): v.decode() for k, v in notify.items()},
            crime_type=text.get("crime_type", ""), priority=text.get("priority", ""),
            case_number=text.get("case_number", ""),
            media=tuple(m.decode() for m in media),
        )

    def set_status(self, code: str, status: str) -> None:
        """Move a tip along new -> in_progress -> closed (or back)."""
        if status not in STATUSES:
            raise ValueError(f"unknown tip status {status!r}")
        self.redis.hset(self.key(code), "status", status)

    def set_delivery(self, code: str, delivery: str) -> None:
        """Record how far the officer notifications got: queued -> received -> delivered / undelivered."""
        if delivery not in DELIVERIES:
            raise ValueError(f"unknown delivery state {delivery!r}")
        self.redis.hset(self.key(code), "delivery", delivery)

    def first_action(self, code: str, at: float) -> bool:
        """Record when an officer first acted on a tip; True only the first time."""
        return bool(self.redis.hsetnx(self.key(code), "first_action_at", repr(at)))

    def set_details(self, code: str, crime_type: str, priority: str, case_number: str) -> None:
        """File a tip: its crime type, priority and case / RMS number ("" clears one); raise ValueError if invalid."""
        if crime_type not in CRIME_TYPES + ("",):
            raise ValueError(f"unknown crime type {crime_type!r}")
        if priority not in PRIORITIES + ("",):
            raise ValueError(f"unknown priority {priority!r}")
        if case_number and not CASE_NUMBER_RE.match(case_number):
            raise ValueError("a case number is letters, digits, spaces and . / # - (at most 40)")
        self.redis.hset(self.key(code), mapping={"crime_type": crime_type, "priority": priority,
                                                 "case_number": case_number})

    def assign(self, code: str, name: str) -> None:
        """Set (or with "" clear) the officer working on a tip."""
        self.redis.hset(self.key(code), "assignee", name)

    def end_followup(self, code: str, pipe: Pipeline | None = None) -> None:
        """The resident can no longer be reached (opted out or deleted their data); in a transaction if given."""
        (pipe or self.redis).hset(self.key(code), "followup_until", "0")

    def record_notification(self, code: str, name: str, result: str) -> dict[str, str]:
        """Store one notification's result (e.g. "sent", "failed: 21211") and return all results.

        A late, lower status callback ("sent" after "delivered") never overwrites a higher one."""
        key = f"{self.key(code)}:notify"
        old = self.redis.hget(key, name)
        if old is not None and _rank(old.decode()) > _rank(result):
            return {k.decode(): v.decode() for k, v in self.redis.hgetall(key).items()}
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, name, result)
            pipe.hgetall(key)
            _, results = pipe.execute()
        return {k.decode(): v.decode() for k, v in results.items()}

    def add_media(self, pipe: Pipeline, code: str, media_id: str) -> None:
        """Attach a photo (by its media id) to a tip inside the caller's transaction."""
        pipe.rpush(f"{self.key(code)}:media", media_id)

    def media_ids(self, code: str) -> list[str]:
        """The photos of a tip, oldest first."""
        return [m.decode() for m in self.redis.lrange(f"{self.key(code)}:media", 0, -1)]

    def older_than(self, cutoff: float, limit: int = 1000) -> list[str]:
        """Codes of tips created before cutoff, oldest first."""
        return [c.decode() for c in self.redis.zrangebyscore(f"{PREFIX}tips", "-inf", f"({cutoff}", start=0,
                                                              num=limit)]

    def delete(self, code: str) -> list[str]:
        """Delete a tip and everything attached to it; return its media ids (their data is the caller's)."""
        key = self.key(code)
        media = self.media_ids(code)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key, *(f"{key}:{part}" for part in ("addenda", "replies", "notes", "notify", "handle",
                                                              "media")))
            pipe.zrem(f"{PREFIX}tips", code)
            pipe.execute()
        return media

    def recent(self, limit: int = 50, since: float | None = None, until: float | None = None) -> list[str]:
        """Codes of the newest tips (optionally created between since and until), newest first."""
        if since is None and until is None:
            return [c.decode() for c in self.redis.zrevrange(f"{PREFIX}tips", 0, limit - 1)]
        high = "+inf" if until is None else until
        low = "-inf" if since is None else since
        return [c.decode() for c in self.redis.zrevrangebyscore(f"{PREFIX}tips", high, low, start=0, num=limit)]

    def to_public_dict(self, tip: Tip) -> dict[str, Any]:
        """A JSON-ready view of a tip for officers (no resident data exists to leak)."""
        return {
            "code": tip.code, "created_at": tip.created_at, "locale": tip.locale, "channel": tip.channel,
            "status": tip.status, "delivery": tip.delivery, "assignee": tip.assignee,
            "answers": [list(a) for a in tip.answers],
            "addenda": [{"text": a.text, "at": a.at} for a in tip.addenda], "notifications": tip.notifications,
        }


def _rank(result: str) -> int:
    """Later delivery stages outrank earlier ones; failures are final and outrank everything."""
    head = result.split(":", 1)[0].split(" ", 1)[0]
    return NOTIFY_RANK.get(head, 10)
