"""A local, encrypted, fsynced spool for messages that arrive while Redis cannot take them.

One file per message, named so that names sort in arrival order and say which (pseudonymous) sender wrote
it: `<time in ns>-<sender id>-<random>.msg`. The content (the sender's address, the text) is encrypted
with Fernet under a key derived from LINE_HASH_SECRET, written to a temporary file, fsynced, renamed into
place and the directory fsynced: a message the webhook acknowledged survives a crash of the process or of
the machine. Only one process drains at a time (an flock on `.lock`).
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import secrets
import time
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from cryptography.fernet import Fernet, InvalidToken

SUFFIX = ".msg"
MTIME_SETTLE = 2.0  # seconds


class SpoolError(Exception):
    """A spooled message cannot be read (a wrong key, or a damaged file)."""


class Spool:
    """Messages waiting for Redis, oldest first."""

    def __init__(self, directory: str, secret: str) -> None:
        self.directory = directory
        key = base64.urlsafe_b64encode(hashlib.sha256(b"linea-spool:" + secret.encode()).digest())
        self.fernet = Fernet(key)
        self._listing: tuple[int, list[str]] | None = None  # (directory mtime, entries) of the last listing

    def put(self, record: Mapping[str, Any], sender_id: str) -> str:
        """Store one message durably and return its name."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        name = f"{time.time_ns():020d}-{sender_id}-{secrets.token_hex(4)}{SUFFIX}"
        path = os.path.join(self.directory, name)
        token = self.fernet.encrypt(json.dumps(dict(record)).encode())
        temporary = path + ".tmp"
        with open(temporary, "wb") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return name

    def pending(self, sender_id: str | None = None) -> list[str]:
        """Names of the waiting messages in arrival order (only one sender's, if given)."""
        try:
            names = self._names()
        except FileNotFoundError:
            return []
        return sorted(n for n in names if n.endswith(SUFFIX) and (sender_id is None or f"-{sender_id}-" in n))

    def _names(self) -> list[str]:
        """The directory's entries; asked on every message, so listed again only when the directory changed.

        The cached list is trusted only while the directory's mtime is the one it was listed at and at least
        MTIME_SETTLE seconds old, so a coarse file-system clock cannot hide a message spooled meanwhile."""
        stat = os.stat(self.directory)
        listed = self._listing
        if listed is not None and listed[0] == stat.st_mtime_ns and time.time() - stat.st_mtime > MTIME_SETTLE:
            return listed[1]
        names = os.listdir(self.directory)
        self._listing = (stat.st_mtime_ns, names)
        return names

    def read(self, name: str) -> dict[str, Any]:
        """The message stored under a name."""
        with open(os.path.join(self.directory, name), "rb") as handle:
            token = handle.read()
        try:
            return json.loads(self.fernet.decrypt(token))
        except (InvalidToken, ValueError) as exc:
            raise SpoolError(f"cannot read spooled message {name}") from exc

    def remove(self, name: str) -> None:
        """Forget a message once it has been applied."""
        try:
            os.remove(os.path.join(self.directory, name))
        except FileNotFoundError:
            pass

    @contextmanager
    def draining(self) -> Iterator[bool]:
        """Hold the drain lock if no other process does; yields whether this one got it."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        with open(os.path.join(self.directory, ".lock"), "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
