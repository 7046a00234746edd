"""At start-up: refuse a Redis that would lose conversations, tips or queued jobs (no AOF, or eviction)."""
from __future__ import annotations

import logging

import redis

from .config import ConfigError

log = logging.getLogger("linea.redis")
WANTED = {"appendonly": "yes", "maxmemory-policy": "noeviction"}


def problems(client: redis.Redis) -> list[str]:
    """Settings of this Redis that would lose data (empty when it is safe)."""
    found = []
    for name, wanted in WANTED.items():
        value = client.config_get(name).get(name)
        if value != wanted:
            found.append(f"{name} is {value!r} (needs {wanted!r})")
    return found


def check_persistence(client: redis.Redis, where: str) -> None:
    """Raise ConfigError when Redis would lose data; only warn when it cannot be asked right now."""
    try:
        found = problems(client)
    except redis.ResponseError as exc:
        raise ConfigError(f"cannot read the settings of Redis at {where} ({exc}); if it is a managed Redis that "
                          "persists and never evicts, set LINE_REDIS_CHECK=off") from None
    except redis.RedisError as exc:
        log.warning("could not check Redis persistence at start-up (%s); messages will be spooled until it "
                    "answers", type(exc).__name__)
        return
    if found:
        raise ConfigError(f"Redis at {where} would lose data: {'; '.join(found)}. Run it with --appendonly yes "
                          "--maxmemory-policy noeviction, or set LINE_REDIS_CHECK=off for a managed Redis that "
                          "persists and never evicts by other means")
