"""REDIS_URL forms: plain and TLS URLs as redis-py reads them, and Sentinel URLs."""
from __future__ import annotations

import pytest

from bot.platform.redis_client import parse_sentinel_url, redact


@pytest.mark.parametrize("url, hosts, service, db, password", [
    ("redis+sentinel://10.0.0.1:26379/mymaster", [("10.0.0.1", 26379)], "mymaster", 0, None),
    ("redis+sentinel://s1,s2:26380,s3:26381/linea/2", [("s1", 26379), ("s2", 26380), ("s3", 26381)], "linea", 2, None),
    ("redis+sentinel://:p%40ss@s1:26379/linea/0", [("s1", 26379)], "linea", 0, "p@ss"),
    ("sentinel://s1/linea", [("s1", 26379)], "linea", 0, None),
])
def test_sentinel_urls(url, hosts, service, db, password):
    assert parse_sentinel_url(url) == (hosts, service, db, password)


@pytest.mark.parametrize("url", ["redis+sentinel://s1:26379", "redis+sentinel:///linea", "redis+sentinel://s1:x/l",
                                 "redis+sentinel://s1/linea/zero", "redis+sentinel://s1/linea/0/extra"])
def test_bad_sentinel_urls_say_what_is_expected(url):
    with pytest.raises(ValueError):
        parse_sentinel_url(url)


@pytest.mark.parametrize("url, shown", [("redis://:secret@h:6379/0", "redis://***@h:6379/0"),
                                        ("redis://h:6379/0", "redis://h:6379/0"),
                                        ("redis+sentinel://:s3cret@a,b/m", "redis+sentinel://***@a,b/m")])
def test_passwords_never_appear_in_messages(url, shown):
    assert redact(url) == shown


def test_an_unusable_url_stops_start_up_clearly(clock):
    from bot import ConfigError, create_app
    with pytest.raises(ConfigError, match="REDIS_URL 'ftp://h/0' cannot be used"):
        create_app({"mode": "local", "redis_url": "ftp://h/0", "extra": {"clock": clock}})
