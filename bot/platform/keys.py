"""How the line names its Redis keys: one prefix, and a keyed hash instead of any phone number."""
from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

PREFIX = "ls:"


def sender_id(secret: str, address: str) -> str:
    """Stable pseudonymous id of a sender address: HMAC-SHA256 with the line's secret (never the number)."""
    mac = _keyed_hmac(secret).copy()
    mac.update(address.strip().encode())
    return mac.hexdigest()[:32]


@lru_cache(maxsize=8)
def _keyed_hmac(secret: str) -> hmac.HMAC:
    """An HMAC-SHA256 already keyed with the secret, to copy (half the cost of keying it for every message)."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)
