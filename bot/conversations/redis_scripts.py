"""The webhook's two Lua scripts, called with less of redis-py around them (measured: ~60 µs less a call).

The runner keeps a few connections of its own, made by the client's pool (so TLS, passwords and Sentinel's
master lookup are the pool's own), writes each command already packed and reads the reply with redis-py's
parser. A broken connection is reconnected once; both scripts are written so that running one again after a
lost reply is harmless (bot/conversations/store.py). NOSCRIPT (a restarted Redis) is answered by sending the script once."""
from __future__ import annotations

import hashlib
import os
from typing import Any, Callable, Sequence

import redis
from redis.exceptions import NoScriptError


def pack(*args: bytes | str | int | float) -> bytes:
    """One command in the Redis protocol (RESP), arguments encoded as redis-py would: bytes as they are, text as
    UTF-8, numbers in decimal (floats as repr); anything else is a DataError."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if type(arg) is bytes else _encode(arg)
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _encode(arg: object) -> bytes:
    """An argument as redis-py's encoder takes it (str subclasses such as enums too; never a bool)."""
    if isinstance(arg, str):
        return arg.encode()
    if isinstance(arg, (bytes, memoryview)):
        return bytes(arg)
    if isinstance(arg, bool):
        raise redis.DataError("a bool cannot be sent to Redis; convert it to bytes, str, int or float first")
    if isinstance(arg, int):
        return b"%d" % arg
    if isinstance(arg, float):
        return repr(arg).encode()
    raise redis.DataError(f"a {type(arg).__name__} cannot be sent to Redis")


class ScriptRunner:
    """Runs Lua scripts by SHA on connections of its own (made by the client's pool, so with its settings)."""

    def __init__(self, client: redis.Redis) -> None:
        self.pool = client.connection_pool
        self._idle: list[Any] = []  # connections not in use (list append/pop are atomic: no lock needed)
        self._pid = os.getpid()

    def script(self, source: str) -> Callable[[Sequence[Any], Sequence[Any]], Any]:
        """A callable (keys, args) -> reply for this script."""
        body = source.encode()
        sha = hashlib.sha1(body).hexdigest().encode()
        return lambda keys, args: self.run(body, sha, keys, args)

    def run(self, source: bytes, sha: bytes, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """Run a script; raise redis errors as redis-py would (after one reconnect)."""
        command = pack(b"EVALSHA", sha, len(keys), *keys, *args)
        connection = self._take()
        clean = False  # the reply was read whole: the connection can serve the next command
        try:
            reconnected = loaded = False
            while True:
                try:
                    connection.connect()  # no-op when connected; must come first: a Sentinel-managed connection looks
                    # up the master in connect(), which send_packed_command's own reconnect would skip
                    connection.send_packed_command([command], check_health=False)
                    reply = connection.read_response()
                except NoScriptError:
                    if loaded:
                        clean = True
                        raise
                    loaded = True
                    command = pack(b"EVAL", source, len(keys), *keys, *args)
                except redis.ResponseError:  # the script's own error, read whole
                    clean = True
                    raise
                except (redis.ConnectionError, redis.TimeoutError):
                    connection.disconnect()  # the next send connects again
                    if reconnected:
                        raise
                    reconnected = True
                else:
                    clean = True
                    return reply
        finally:
            if not clean:  # interrupted mid-reply: its rest must never be read as the next command's answer
                connection.disconnect()
            self._idle.append(connection)

    def _take(self) -> Any:
        """An idle connection, or a new one (none survive a fork: the parent's sockets are not ours)."""
        if os.getpid() != self._pid:
            self._idle, self._pid = [], os.getpid()
        try:
            return self._idle.pop()
        except IndexError:
            return self.pool.make_connection()
