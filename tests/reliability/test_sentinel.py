"""Redis behind Sentinel: the line finds the master through a real redis-sentinel process (REDIS_URL
redis+sentinel://...), and keeps working when Sentinel reports a new master after a failover."""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from typing import Iterator

import pytest
import redis

from bot import create_app
from tests.conftest import RedisServer, free_port, inbound_form, post_signed, production_config, replies


def start_sentinel(master_port: int) -> tuple[subprocess.Popen, int]:
    folder = tempfile.mkdtemp(prefix="linea-sentinel-")
    port = free_port()
    config = os.path.join(folder, "sentinel.conf")
    with open(config, "w") as handle:
        handle.write(f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
                     f"sentinel monitor linea 127.0.0.1 {master_port} 1\n"
                     "sentinel down-after-milliseconds linea 1000\nsentinel failover-timeout linea 5000\n")
    process = subprocess.Popen(["redis-server", config, "--sentinel"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if client.sentinel_get_master_addr_by_name("linea"):
                return process, port
        except redis.RedisError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("sentinel did not start")


@pytest.fixture
def sentinel(redis_server) -> Iterator[int]:
    process, port = start_sentinel(redis_server.port)
    yield port
    process.kill()
    process.wait(timeout=10)


def test_the_line_works_through_sentinel(sentinel, redis_server, clock, twilio_http):
    app = create_app(production_config(f"redis+sentinel://127.0.0.1:{sentinel}/linea/0",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert replies(post_signed(client, inbound_form("+15557770000", "hola")))[0].startswith("Hola.")
    master = redis.Redis(port=redis_server.port)
    assert any(k.startswith(b"ls:conv:") for k in master.scan_iter(count=1000))


def test_after_the_master_dies_the_line_follows_the_new_one(clock, twilio_http):
    primary, replica = RedisServer(), RedisServer()
    process = None
    try:
        redis.Redis(port=primary.port).config_set("repl-diskless-sync-delay", 0)
        redis.Redis(port=replica.port).replicaof("127.0.0.1", primary.port)
        assert redis.Redis(port=primary.port).wait(1, 10000) == 1  # the replica is in sync; Sentinel will see it
        process, port = start_sentinel(primary.port)
        app = create_app(production_config(f"redis+sentinel://127.0.0.1:{port}/linea/0",
                                           extra={"clock": clock, "twilio_http_client": twilio_http}))
        client = app.test_client()
        line = app.extensions["linea"]
        replies(post_signed(client, inbound_form("+15557770001", "hola")))
        assert redis.Redis(port=primary.port).wait(1, 10000) == 1  # replicated before the crash
        primary.stop()  # the master dies; Sentinel promotes the replica
        sentinel = redis.Redis(port=port)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sentinel.sentinel_get_master_addr_by_name("linea")[1] != replica.port:
            time.sleep(0.1)
        assert sentinel.sentinel_get_master_addr_by_name("linea")[1] == replica.port
        texts = replies(post_signed(client, inbound_form("+15557770001", "2")))
        if "Recibimos su mensaje" in texts[0]:  # it came mid-switch: spooled; the drainer applies it shortly
            with app.app_context():
                while line.line.drain() == 0 and time.monotonic() < deadline:
                    time.sleep(0.1)
        state, _ = line.store.load(line.store.key("+15557770001"))
        assert state is not None and state.node == "ask_what", (texts, state)
        assert redis.Redis(port=replica.port).exists(line.store.key("+15557770001"))  # on the new master
    finally:
        if process is not None:
            process.kill()
            process.wait(timeout=10)
        primary.stop()
        replica.stop()
