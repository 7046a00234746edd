"""Published revisions of the main flow and its texts, and the coordinators' draft, in Redis.

Revision 0 is what ships in flows/ and translations/; every publish stores a new numbered revision (who,
when, a comment) and makes it current; revisions are never changed or deleted, so a revert publishes an
earlier revision's content again. Only the `flows` translation namespace is editable."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import redis

from bot.platform.keys import PREFIX

from .files import read_texts

KEY = f"{PREFIX}flowrev"
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Bundle:
    """A flow's YAML text, its texts by locale, and who reviewed the immigration-policy wording, and when."""

    flow: str
    texts: dict[str, dict[str, str]]
    policy_reviewer: str = ""
    policy_reviewed_on: str = ""

    def to_json(self) -> str:
        """Serialised for Redis."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> "Bundle":
        """Read what to_json wrote."""
        data = json.loads(raw)
        return cls(flow=data["flow"], texts={k: dict(v) for k, v in data["texts"].items()},
                   policy_reviewer=data.get("policy_reviewer", ""), policy_reviewed_on=data.get("policy_reviewed_on", ""))

    def export(self) -> dict[str, Any]:
        """The plain data of an export file."""
        return asdict(self)


@dataclass(frozen=True)
class Revision:
    """One published version."""

    number: int
    bundle: Bundle
    author: str = "shipped"
    at: float = 0.0
    comment: str = "the files in flows/ and translations/"
    reverts: int | None = field(default=None)


def bundle_from_export(data: dict) -> Bundle:
    """A Bundle from load_bundle's data (only flows.* texts in en and es are taken)."""
    texts = {locale: {str(k): str(v) for k, v in (data["texts"].get(locale) or {}).items()
                      if str(k).startswith("flows.")} for locale in ("en", "es")}
    return Bundle(flow=data["flow"], texts=texts, policy_reviewer=str(data.get("policy_reviewer") or ""),
                  policy_reviewed_on=str(data.get("policy_reviewed_on") or ""))


def shipped_bundle(flows_dir: str, translations_dir: str) -> Bundle:
    """Revision 0: the main flow and the flows texts as shipped in the repository."""
    with open(os.path.join(flows_dir, "main.yml"), encoding="utf-8") as handle:
        return Bundle(flow=handle.read(), texts=read_texts(translations_dir))


class FlowLibrary:
    """Revisions and the draft (the only owner of their keys)."""

    def __init__(self, client: redis.Redis, shipped: Bundle) -> None:
        self.redis = client
        self.shipped = shipped

    def current_number(self) -> int:
        """The number of the revision new conversations use (0: the shipped files)."""
        return int(self.redis.get(f"{KEY}:current") or 0)

    def get(self, number: int) -> Revision | None:
        """A revision by number (0 is the shipped one)."""
        if number == 0:
            return Revision(0, self.shipped)
        raw = self.redis.hgetall(f"{KEY}:{number}")
        if not raw:
            return None
        data = {k.decode(): v.decode() for k, v in raw.items()}
        reverts = int(data["reverts"]) if data.get("reverts") else None
        return Revision(number, Bundle.from_json(data["bundle"]), data["author"], float(data["at"]), data["comment"],
                        reverts)

    def publish(self, bundle: Bundle, author: str, at: float, comment: str, reverts: int | None = None) -> int:
        """Store a new revision and make it current; return its number."""
        number = int(self.redis.incr(f"{KEY}:seq"))
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(f"{KEY}:{number}", mapping={"bundle": bundle.to_json(), "author": author, "at": repr(at),
                                                   "comment": comment[:500],
                                                   "reverts": "" if reverts is None else str(reverts)})
            pipe.set(f"{KEY}:current", number)
            pipe.lpush(f"{KEY}:history", number)
            pipe.execute()
        return number

    def history(self) -> list[Revision]:
        """Published revisions, newest first, ending with the shipped one."""
        numbers = [int(n) for n in self.redis.lrange(f"{KEY}:history", 0, HISTORY_LIMIT - 1)]
        return [r for r in (self.get(n) for n in numbers) if r is not None] + [Revision(0, self.shipped)]

    def draft(self) -> tuple[Bundle, str, float] | None:
        """The coordinators' shared draft: (bundle, who saved it last, when), or None."""
        raw = self.redis.hgetall(f"{KEY}:draft")
        if not raw:
            return None
        data = {k.decode(): v.decode() for k, v in raw.items()}
        return Bundle.from_json(data["bundle"]), data["author"], float(data["at"])

    def save_draft(self, bundle: Bundle, author: str, at: float) -> None:
        """Replace the draft."""
        self.redis.hset(f"{KEY}:draft", mapping={"bundle": bundle.to_json(), "author": author, "at": repr(at)})

    def discard_draft(self) -> None:
        """Forget the draft (after publishing it, or on request)."""
        self.redis.delete(f"{KEY}:draft")

    def scratch(self, name: str) -> str | None:
        """A coordinator's short-lived working data (the preview conversation), or None."""
        raw = self.redis.get(f"{KEY}:scratch:{name}")
        return raw.decode() if raw else None

    def keep_scratch(self, name: str, value: str, ttl: int = 24 * 3600) -> None:
        """Store short-lived working data for a day."""
        self.redis.set(f"{KEY}:scratch:{name}", value, ex=ttl)
