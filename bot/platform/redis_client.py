"""One place that turns REDIS_URL into a client: plain, TLS and Unix-socket URLs as redis-py reads them, and
Redis Sentinel (redis+sentinel://) for a Redis that fails over."""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import redis
from redis.sentinel import Sentinel

SENTINEL_SCHEMES = ("redis+sentinel", "sentinel")
SENTINEL_PORT = 26379


def connect(url: str, **options: Any) -> redis.Redis:
    """A client for REDIS_URL; raise ValueError with a clear message when the URL cannot be used.

    Sentinel form: redis+sentinel://[:password@]host[:port][,host[:port]...]/service_name[/db]; the password
    is the data nodes' (Sentinel itself without one). The client asks the sentinels for the current master
    on every new connection, so it follows a failover."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in SENTINEL_SCHEMES:
        try:
            return redis.Redis.from_url(url, **options)
        except ValueError as exc:
            raise ValueError(f"REDIS_URL {redact(url)!r} cannot be used: {exc}") from None
    hosts, service, db, password = parse_sentinel_url(url)
    sentinel = Sentinel(hosts, socket_timeout=options.get("socket_timeout", 1.5))
    return sentinel.master_for(service, db=db, password=password, **options)


def parse_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, int, str | None]:
    """(sentinel hosts, service name, db, password) of a redis+sentinel:// URL."""
    rest = url.partition("://")[2]
    credentials, _, location = rest.rpartition("@")
    password = unquote(credentials.partition(":")[2]) if credentials else None
    netloc, _, path = location.partition("/")
    parts = [p for p in path.split("/") if p]
    if not netloc or not parts:
        raise ValueError("a Sentinel REDIS_URL looks like redis+sentinel://host:26379,host2:26379/mymaster/0")
    hosts = []
    for item in netloc.split(","):
        host, _, port = item.strip().rpartition(":") if ":" in item else (item.strip(), "", "")
        if not host or (port and not port.isdigit()):
            raise ValueError(f"bad Sentinel address {item!r} in REDIS_URL")
        hosts.append((host, int(port) if port else SENTINEL_PORT))
    if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
        raise ValueError("after the hosts, a Sentinel REDIS_URL has the service name and optionally the db number")
    return hosts, parts[0], int(parts[1]) if len(parts) == 2 else 0, password or None


def redact(url: str) -> str:
    """A Redis URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"
