"""Who gets community alerts: one consent record per resident, under an HMAC of their number.

The record holds when, on which channel and in which language the resident joined, and which consent text (and
flow revision) they were sent. Their address is kept only Fernet-encrypted (a key derived from LINE_HASH_SECRET,
as for follow-up handles), so Redis alone never reveals a number. Leaving (ALERTAS NO, STOP, delete-my-data)
deletes the record at once."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Iterator

import redis
from cryptography.fernet import Fernet, InvalidToken
from redis.client import Pipeline

from bot.platform.keys import PREFIX

LOCALES = ("en", "es")
AUDIENCES = ("all",) + LOCALES


@dataclass(frozen=True)
class Subscriber:
    """How to reach one subscriber: their address, the line's address they wrote to, their language, channel."""

    address: str
    line_address: str
    locale: str
    channel: str


class Subscribers:
    """Consent records and encrypted addresses of the residents who opted in to community alerts."""

    def __init__(self, client: redis.Redis, secret: str) -> None:
        self.redis = client
        self.fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"linea-alerts:" + secret.encode()).digest()))

    @staticmethod
    def key(who: str) -> str:
        """The Redis key of one subscriber's consent record (who: the HMAC of the number)."""
        return f"{PREFIX}alertsub:{who}"

    @staticmethod
    def audience_key(locale: str) -> str:
        """The Redis set of the subscribers of one language."""
        return f"{PREFIX}alertsubs:{locale}"

    def join(self, pipe: Pipeline, who: str, subscriber: Subscriber, now: float, consent: str) -> None:
        """Record consent inside the caller's transaction (joining again replaces the record)."""
        token = self.fernet.encrypt(json.dumps([subscriber.address, subscriber.line_address]).encode())
        pipe.delete(self.key(who))
        pipe.hset(self.key(who), mapping={"addr": token, "locale": subscriber.locale, "channel": subscriber.channel,
                                          "at": repr(now), "consent": consent})
        for locale in LOCALES:
            if locale == subscriber.locale:
                pipe.sadd(self.audience_key(locale), who)
            else:
                pipe.srem(self.audience_key(locale), who)

    def leave(self, pipe: Pipeline, who: str) -> None:
        """End a subscription inside the caller's transaction: the record and the address are deleted."""
        pipe.delete(self.key(who))
        for locale in LOCALES:
            pipe.srem(self.audience_key(locale), who)

    def consent(self, who: str) -> dict[str, str] | None:
        """The consent record of a subscriber (time, channel, language, consent text version), without the address."""
        raw = self.redis.hgetall(self.key(who))
        if not raw:
            return None
        return {k.decode(): v.decode() for k, v in raw.items() if k != b"addr"}

    def reveal(self, token: bytes, locale: str, channel: str) -> Subscriber | None:
        """Decrypt a record's address (None when it cannot be decrypted, e.g. LINE_HASH_SECRET changed)."""
        try:
            address, line_address = json.loads(self.fernet.decrypt(token))
        except (InvalidToken, ValueError, TypeError):
            return None
        return Subscriber(str(address), str(line_address), locale, channel)

    def count(self, audience: str = "all") -> int:
        """How many residents an audience ("all", "en" or "es") reaches now."""
        locales = LOCALES if audience == "all" else (audience,)
        return sum(int(self.redis.scard(self.audience_key(locale))) for locale in locales)

    def ids(self, audience: str = "all", batch: int = 1000) -> Iterator[str]:
        """The subscriber ids of an audience, in no particular order."""
        locales = LOCALES if audience == "all" else (audience,)
        for locale in locales:
            for who in self.redis.sscan_iter(self.audience_key(locale), count=batch):
                yield who.decode()
