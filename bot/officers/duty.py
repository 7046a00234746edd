"""The on-duty roster admins keep on the dashboard: officer contacts (SMS, WhatsApp or email) that get new-tip
alerts while marked on duty, in addition to OFFICER_NUMBERS / OFFICER_EMAILS (the always-on desk)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import redis

from bot.platform.keys import PREFIX
from bot.platform.mail_settings import clean_address

KEY = f"{PREFIX}duty"
PHONE_RE = re.compile(r"^(whatsapp:)?\+[1-9]\d{7,14}$")
MAX_ENTRIES = 200


@dataclass(frozen=True)
class DutyEntry:
    """One officer contact: the address alerts go to, a label for people, and whether they are on duty."""

    address: str
    label: str
    on_duty: bool


def normalise_address(raw: str) -> str:
    """+15551234567, whatsapp:+15551234567 or mailto:name@example.org; raise ValueError if it is neither."""
    text = raw.strip().replace(" ", "").replace("-", "")
    if "@" in raw:
        return "mailto:" + clean_address(raw.strip())
    if text.lower().startswith("whatsapp:"):
        text = "whatsapp:" + text[9:]
    if not PHONE_RE.match(text):
        raise ValueError("write a phone number with its country code (+1...), whatsapp:+1..., or an email address")
    return text


class DutyRoster:
    """Officer contacts and their on-duty flag (the only owner of the roster key)."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def entries(self) -> list[DutyEntry]:
        """Every contact, by label."""
        raw = self.redis.hgetall(KEY)
        entries = [DutyEntry(k.decode(), **json.loads(v)) for k, v in raw.items()]
        return sorted(entries, key=lambda e: (e.label.lower(), e.address))

    def add(self, address: str, label: str) -> DutyEntry:
        """Add (or relabel) a contact, on duty; raise ValueError for a bad address or a full roster."""
        entry = DutyEntry(normalise_address(address), label.strip()[:80] or "officer", True)
        if self.redis.hlen(KEY) >= MAX_ENTRIES and not self.redis.hexists(KEY, entry.address):
            raise ValueError(f"the roster holds at most {MAX_ENTRIES} contacts")
        self.redis.hset(KEY, entry.address, json.dumps({"label": entry.label, "on_duty": True}))
        return entry

    def set_on_duty(self, address: str, on_duty: bool) -> None:
        """Put a contact on or off duty."""
        raw = self.redis.hget(KEY, address)
        if raw is not None:
            data = json.loads(raw)
            data["on_duty"] = on_duty
            self.redis.hset(KEY, address, json.dumps(data))

    def remove(self, address: str) -> None:
        """Take a contact off the roster."""
        self.redis.hdel(KEY, address)

    def on_duty(self) -> list[str]:
        """Addresses that get alerts now."""
        return [e.address for e in self.entries() if e.on_duty]
