"""The pace of sending, shared by every worker on every machine: one Redis slot reservation per message and
sender (a number or a Messaging Service), LINE_ALERT_RATE messages per second; Twilio's 429 pushes it back."""
from __future__ import annotations

import redis

from bot.platform.keys import PREFIX

# Reserve the next free slot of a sender: slots are 1/rate apart on Redis's own clock (so workers on different
# machines need not agree on the time). Returns the microseconds to wait before sending.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.0f', slot + tonumber(ARGV[1])), 'PX', 3600000)
return slot - now
"""
# Nothing may be sent before now + ARGV[1] microseconds (Twilio said 429: too many requests).
_HOLD = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], string.format('%.0f', until_), 'PX', 3600000)
end
return 1
"""


class Pacer:
    """A rate limit per sender, shared through Redis by all workers."""

    def __init__(self, client: redis.Redis, rate: float) -> None:
        self.redis = client
        self.rate = rate
        self._reserve = client.register_script(_RESERVE)
        self._hold = client.register_script(_HOLD)

    @staticmethod
    def key(sender: str) -> str:
        """The Redis key of one sender's next free slot."""
        return f"{PREFIX}pace:{sender}"

    def reserve(self, sender: str) -> float:
        """Take the sender's next slot; return the seconds to wait before sending in it."""
        return int(self._reserve(keys=[self.key(sender)], args=[round(1_000_000 / self.rate)])) / 1_000_000

    def hold(self, sender: str, seconds: float) -> None:
        """Send nothing from this sender for the next seconds (every worker waits)."""
        self._hold(keys=[self.key(sender)], args=[round(seconds * 1_000_000)])
