"""Delivery bookkeeping in Redis: sent messages mapped to their tip (for status callbacks), officers' windows,
and once-a-day claims for scheduled jobs."""
from __future__ import annotations

import json

import redis

from bot.platform.keys import PREFIX, sender_id

WHATSAPP_WINDOW_SECONDS = 24 * 3600  # WhatsApp lets a business write freely only this long after a user wrote


class Deliveries:
    """Which tip notification a sent message was, and whether an officer's WhatsApp window is open."""

    def __init__(self, client: redis.Redis, secret: str, ttl: int) -> None:
        self.redis = client
        self.secret = secret
        self.ttl = ttl  # how long a sent message's id is mapped to its tip (LINE_DEDUPE_TTL, like inbound ids)

    def _sent_key(self, sid: str) -> str:
        return f"{PREFIX}sent:{sender_id(self.secret, 'out:' + sid)}"  # an HMAC: Redis never holds Twilio's ids

    def track(self, sid: str, code: str, name: str) -> None:
        """Remember which tip and notification a sent message belongs to."""
        if sid:
            self.redis.set(self._sent_key(sid), json.dumps([code, name]), ex=self.ttl)

    def tracked(self, sid: str) -> tuple[str, str] | None:
        """The (tip code, notification name) of a sent message, if it is tracked."""
        raw = self.redis.get(self._sent_key(sid))
        if not raw:
            return None
        code, name = json.loads(raw)
        return str(code), str(name)

    def open_window(self, officer: str) -> None:
        """An officer wrote to the line: WhatsApp messages to them are free-form for 24 hours."""
        self.redis.set(f"{PREFIX}officer-window:{officer}", "1", ex=WHATSAPP_WINDOW_SECONDS)

    def window_open(self, officer: str) -> bool:
        """Whether WhatsApp allows a free-form message to this officer now."""
        return bool(self.redis.exists(f"{PREFIX}officer-window:{officer}"))

    def claim_daily(self, name: str) -> bool:
        """True for the first caller in a 24-hour period (so many processes schedule a daily job once)."""
        return bool(self.redis.set(f"{PREFIX}daily:{name}", "1", nx=True, ex=24 * 3600))
