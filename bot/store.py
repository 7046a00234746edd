"""Conversation state in Redis: keyed by an HMAC of the sender, TTL, per-sender lock, version check."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from contextlib import contextmanager
from typing import Any, Iterator

import redis
from redis.client import Pipeline

from .engine import State

log = logging.getLogger("linea.store")
PREFIX = "ls:"
OUTBOX_KEY = f"{PREFIX}outbox"
OUTBOX_LIMIT = 500


class StoreError(Exception):
    """Base of conversation-store errors."""


class SenderBusy(StoreError):
    """Another message from the same sender held the lock for too long."""


class StaleState(StoreError):
    """The state changed since it was loaded (a late writer); the caller should reload and retry."""


def sender_id(secret: str, address: str) -> str:
    """Stable pseudonymous id of a sender address: HMAC-SHA256 with the line's secret (never the number)."""
    return hmac.new(secret.encode(), address.strip().encode(), hashlib.sha256).hexdigest()[:32]


def log_id(key: str) -> str:
    """A short, non-reversible label of a conversation key for log lines."""
    return key.rsplit("{", 1)[-1].rstrip("}")[:9]


class ConversationStore:
    """Loads and saves conversation states; the only owner of conversation, lock and dedupe keys."""

    def __init__(self, client: redis.Redis, secret: str, ttl: int, dedupe_ttl: int, lock_seconds: float) -> None:
        self.redis = client
        self.secret = secret
        self.ttl = ttl
        self.dedupe_ttl = dedupe_ttl
        self.lock_seconds = lock_seconds

    def key(self, address: str) -> str:
        """The Redis key of one sender's conversation (hash-tagged so its lock shares the slot)."""
        return f"{PREFIX}conv:{{{sender_id(self.secret, address)}}}"

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold the per-sender lock; it expires by itself if its holder dies."""
        lock = self.redis.lock(f"{key}:lock", timeout=self.lock_seconds, blocking_timeout=self.lock_seconds * 0.8)
        if not lock.acquire():
            raise SenderBusy("could not take the sender lock in time")
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:
                pass  # it expired while we worked; the version check protects the state

    def load(self, key: str) -> tuple[State | None, int]:
        """Return (state or None, version)."""
        raw = self.redis.hmget(key, "v", "state")
        if raw[0] is None or raw[1] is None:
            return None, 0
        version = int(raw[0])
        try:
            return State.from_dict(json.loads(raw[1])), version
        except (ValueError, KeyError, TypeError):
            log.error("unreadable conversation state conv=%s; starting it over", log_id(key))
            return None, version

    @contextmanager
    def saving(self, key: str, version: int, state: State) -> Iterator[Pipeline]:
        """Open a transaction that writes state only if the version is unchanged; add more writes to it."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.watch(key)
            current = pipe.hget(key, "v")
            if int(current or 0) != version:
                raise StaleState(f"version {current!r} is not the loaded {version}")
            pipe.multi()
            pipe.hset(key, mapping={"v": version + 1, "state": json.dumps(state.to_dict())})
            if state.opted_out:
                pipe.persist(key)  # an opt-out must outlive the inactivity timeout
            else:
                pipe.expire(key, self.ttl)
            yield pipe
            try:
                pipe.execute()
            except redis.WatchError as exc:
                raise StaleState("state changed during the save") from exc

    def seen(self, message_sid: str) -> list[str] | None:
        """The replies already sent for this MessageSid, if it was handled before."""
        if not message_sid:
            return None
        raw = self.redis.get(f"{PREFIX}seen:{message_sid}")
        return None if raw is None else list(json.loads(raw))

    def mark_seen(self, pipe: Pipeline, message_sid: str, replies: list[str]) -> None:
        """Remember a handled MessageSid (and its replies) inside the save transaction."""
        if message_sid:
            pipe.set(f"{PREFIX}seen:{message_sid}", json.dumps(replies), ex=self.dedupe_ttl)

    def ping(self) -> Any:
        """Raise if Redis cannot be reached."""
        return self.redis.ping()


class Outbox:
    """Local mode's officer outbox: a capped Redis list, newest first."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def push(self, entry: dict[str, Any]) -> str:
        """Store one notification and return its id (OUT00000001, ...)."""
        entry = dict(entry, id=f"OUT{self.redis.incr(OUTBOX_KEY + ':seq'):08d}")
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(OUTBOX_KEY, json.dumps(entry))
            pipe.ltrim(OUTBOX_KEY, 0, OUTBOX_LIMIT - 1)
            pipe.execute()
        return entry["id"]

    def read(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest entries first."""
        return [json.loads(raw) for raw in self.redis.lrange(OUTBOX_KEY, 0, limit - 1)]
