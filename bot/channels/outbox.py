"""Local mode's outbox: what the line would have sent, kept in Redis for the simulator to show."""
from __future__ import annotations

import json
from typing import Any

import redis

from bot.platform.keys import PREFIX

OUTBOX_KEY = f"{PREFIX}outbox"
OUTBOX_LIMIT = 500


class Outbox:
    """Local mode's officer outbox: a capped Redis list, newest first."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def push(self, entry: dict[str, Any], pipe: redis.client.Pipeline | None = None) -> str:
        """Store one message and return its id (OUT00000001, ...); inside the caller's transaction when given."""
        entry = dict(entry, id=f"OUT{self.redis.incr(OUTBOX_KEY + ':seq'):08d}")
        if pipe is not None:
            pipe.lpush(OUTBOX_KEY, json.dumps(entry))
            pipe.ltrim(OUTBOX_KEY, 0, OUTBOX_LIMIT - 1)
            return entry["id"]
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(OUTBOX_KEY, json.dumps(entry))
            pipe.ltrim(OUTBOX_KEY, 0, OUTBOX_LIMIT - 1)
            pipe.execute()
        return entry["id"]

    def read(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest entries first."""
        return [json.loads(raw) for raw in self.redis.lrange(OUTBOX_KEY, 0, limit - 1)]
