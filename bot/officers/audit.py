"""The audit trail: who did what to which tip, when. Append-only (a Redis stream); admins read it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import redis

from bot.platform.keys import PREFIX

AUDIT_KEY = f"{PREFIX}audit"
AUDIT_LIMIT = 1_000_000  # entries kept (about 100 MB); older ones are trimmed


@dataclass(frozen=True)
class AuditEntry:
    """One audited action; never holds tip text or resident data."""

    at: float
    who: str
    action: str
    tip: str = ""
    detail: str = ""


class AuditLog:
    """Writes and reads audit entries."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float]) -> None:
        self.redis = client
        self.clock = clock

    def write(self, who: str, action: str, tip: str = "", detail: str = "") -> None:
        """Append one entry (e.g. who="maria", action="view", tip="K7QF-3MZP")."""
        self.redis.xadd(AUDIT_KEY, {"at": repr(self.clock()), "who": who, "action": action, "tip": tip,
                                    "detail": detail[:200]}, maxlen=AUDIT_LIMIT, approximate=True)

    def recent(self, limit: int = 200, tip: str = "") -> list[AuditEntry]:
        """The newest entries first (only those about one tip, if given)."""
        entries = []
        for _, fields in self.redis.xrevrange(AUDIT_KEY, count=limit if not tip else limit * 50):
            data = {k.decode(): v.decode() for k, v in fields.items()}
            if tip and data.get("tip") != tip:
                continue
            entries.append(AuditEntry(at=float(data["at"]), who=data["who"], action=data["action"],
                                      tip=data.get("tip", ""), detail=data.get("detail", "")))
            if len(entries) >= limit:
                break
        return entries
