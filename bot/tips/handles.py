"""Follow-up handles: the resident's address, encrypted, expiring, so officers can write back without seeing it.

A handle exists only when the resident said yes to follow-up questions. It is stored under the tip code,
encrypted with Fernet under a key derived from LINE_HASH_SECRET (Redis alone never reveals the number), and
expires after LINE_FOLLOWUP_TTL seconds (default 72 h)."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

import redis
from cryptography.fernet import Fernet, InvalidToken
from redis.client import Pipeline

from bot.platform.keys import PREFIX


@dataclass(frozen=True)
class Handle:
    """How to reach the resident of one tip: their address, the line's address they wrote to, their language."""

    address: str
    line_address: str
    locale: str


class HandleStore:
    """Encrypted, expiring follow-up handles by tip code."""

    def __init__(self, client: redis.Redis, secret: str, ttl: int) -> None:
        self.redis = client
        self.ttl = ttl
        self.fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"linea-handle:" + secret.encode()).digest()))

    @staticmethod
    def key(code: str) -> str:
        """The Redis key of a tip's handle (same hash slot as the tip)."""
        return f"{PREFIX}tip:{{{code}}}:handle"

    def put(self, pipe: Pipeline, code: str, handle: Handle) -> None:
        """Store a handle inside the caller's transaction."""
        token = self.fernet.encrypt(json.dumps(handle.__dict__).encode())
        pipe.set(self.key(code), token, ex=self.ttl)

    def get(self, code: str) -> Handle | None:
        """The handle of a tip, or None when there is none, it expired, or it cannot be decrypted."""
        token = self.redis.get(self.key(code))
        if token is None:
            return None
        try:
            return Handle(**json.loads(self.fernet.decrypt(token)))
        except (InvalidToken, ValueError, TypeError):
            return None

    def delete(self, code: str) -> None:
        """Forget a handle (the resident opted out or asked for their data to be deleted)."""
        self.redis.delete(self.key(code))
