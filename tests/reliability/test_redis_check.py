"""Start-up refuses a Redis that would lose data, unless told it is a managed Redis that persists."""
from __future__ import annotations

import pytest
import redis

from bot import ConfigError, create_app
from bot.platform.redis_check import problems
from tests.conftest import RedisServer, production_config


@pytest.fixture(scope="module")
def volatile_redis():
    server = RedisServer(appendonly=False)
    redis.Redis.from_url(server.url).config_set("maxmemory-policy", "allkeys-lru")
    yield server
    server.stop()


def test_a_persistent_noeviction_redis_is_accepted(redis_client):
    assert problems(redis_client) == []


def test_production_refuses_a_redis_without_aof_or_with_eviction(volatile_redis):
    with pytest.raises(ConfigError) as caught:
        create_app(production_config(volatile_redis.url))
    message = str(caught.value)
    assert "appendonly is 'no'" in message and "maxmemory-policy is 'allkeys-lru'" in message
    assert "LINE_REDIS_CHECK=off" in message


def test_the_override_and_local_mode_accept_it(volatile_redis):
    create_app(production_config(volatile_redis.url, redis_check="off"))
    create_app({"mode": "local", "redis_url": volatile_redis.url})


def test_an_unreachable_redis_at_start_up_is_not_fatal():
    from tests.conftest import free_port
    app = create_app(production_config(f"redis://127.0.0.1:{free_port()}/0"))
    assert app.extensions["linea"].config.redis_check == "on"  # messages will be spooled until it answers
