"""The webhook's script runner: the same bytes on the wire as redis-py, and it survives what Redis does to it."""
from __future__ import annotations

import enum
import threading

import pytest
import redis
from redis.connection import PythonRespSerializer

from bot.conversations import redis_scripts
from bot.conversations.redis_scripts import ScriptRunner, pack

ECHO = "return {KEYS[1], ARGV[1], ARGV[2]}"


class Colour(str, enum.Enum):
    RED = "red"


def redis_py_pack(*args) -> bytes:
    encoder = redis.Redis().get_encoder()
    return b"".join(PythonRespSerializer(6000, encoder.encode).pack(*args))


@pytest.mark.parametrize("args", [
    (b"EVALSHA", b"abc", 0),
    ("HSET", "ls:conv:{x}", "state", '{"locale": "es", "text": "¿Dónde? 🙏"}'),
    ("HINCRBY", "k", "f", -3, 2**62, 0),
    ("HINCRBYFLOAT", "k", "f", 0.1, 1e-9, 12345.5),
    ("HSET", "rq:job:1", "status", Colour.RED, "data", b"\x00\xff\r\n binary"),
    ("SET", "k", memoryview(b"view")),
    ("SET", "k", ""),
])
def test_pack_writes_what_redis_py_writes(args):
    assert pack(*args) == redis_py_pack(*args)


@pytest.mark.parametrize("bad", [True, None, object(), [1, 2]])
def test_pack_refuses_what_redis_py_refuses(bad):
    with pytest.raises(redis.DataError):
        pack("SET", "k", bad)


@pytest.fixture
def echo(redis_client):
    runner = ScriptRunner(redis_client)
    return runner, runner.script(ECHO)


def test_a_script_answers_like_eval(echo, redis_client):
    _, script = echo
    assert script(["k"], ["é", 7]) == redis_client.eval(ECHO, 1, "k", "é", 7) == [b"k", "é".encode(), b"7"]


def test_a_flushed_script_cache_is_refilled(echo, redis_client):
    _, script = echo
    script(["k"], [1, 2])
    redis_client.script_flush()
    assert script(["k"], [3, 4]) == [b"k", b"3", b"4"]


def test_a_killed_connection_is_replaced_once(echo, redis_client):
    runner, script = echo
    script(["k"], [1, 2])
    [mine] = runner._idle
    redis_client.client_kill_filter(laddr=f"{mine._sock.getsockname()[0]}:{mine._sock.getsockname()[1]}")
    assert script(["k"], [5, 6]) == [b"k", b"5", b"6"]


def test_a_reply_left_unread_is_never_taken_for_the_next_one(echo, monkeypatch):
    runner, script = echo
    script(["k"], [1, 2])
    [connection] = runner._idle

    def interrupted(*args, **kwargs):
        raise RuntimeError("interrupted before the reply was read")

    monkeypatch.setattr(connection, "read_response", interrupted)
    with pytest.raises(RuntimeError):
        script(["k"], ["first", "call"])
    monkeypatch.undo()
    assert script(["k"], ["second", "call"]) == [b"k", b"second", b"call"]


def test_a_script_error_is_a_response_error(redis_client):
    failing = ScriptRunner(redis_client).script("return redis.call('incr', KEYS[1])")
    redis_client.set("not-a-number", "x")
    with pytest.raises(redis.ResponseError):
        failing(["not-a-number"], [])
    assert failing(["counter-for-script-test"], []) == 1  # the connection is still good afterwards


def test_a_forked_process_takes_its_own_connection(echo, monkeypatch):
    runner, script = echo
    script(["k"], [1, 2])
    [parent] = runner._idle
    monkeypatch.setattr(redis_scripts.os, "getpid", lambda: -1)
    assert script(["k"], [3, 4]) == [b"k", b"3", b"4"]
    assert runner._idle and parent not in runner._idle


def test_threads_share_a_few_connections(echo):
    runner, script = echo
    for _ in range(50):  # short-lived threads, one after another, as the tests and the spool drainer make
        thread = threading.Thread(target=script, args=(["k"], [1, 2]))
        thread.start()
        thread.join()
    assert len(runner._idle) == 1


def test_a_redis_that_is_gone_raises_a_connection_error(redis_url):
    gone = redis.Redis.from_url(redis_url.rsplit(":", 1)[0] + ":1/0", socket_connect_timeout=0.5)
    with pytest.raises(redis.ConnectionError):
        ScriptRunner(gone).script(ECHO)(["k"], [1, 2])
