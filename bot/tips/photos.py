"""Photos residents send, in Redis: first pending (where to fetch it and whom to tell, encrypted), then the
cleaned image (metadata stripped, encrypted) or the reason it was refused. The only owner of photo keys."""
from __future__ import annotations

import json
from dataclasses import dataclass

import redis
from redis.client import Pipeline

from bot.platform.keys import PREFIX

from .handles import Handle
from .media import MediaCipher


@dataclass(frozen=True)
class Photo:
    """What officers may know of a photo: its state ("pending", "ready", "refused: <reason>") and type."""

    media_id: str
    state: str
    content_type: str = ""
    size: int = 0


class PhotoStore:
    """Pending and cleaned photos by media id."""

    def __init__(self, client: redis.Redis, secret: str) -> None:
        self.redis = client
        self.cipher = MediaCipher(secret)

    @staticmethod
    def _key(media_id: str) -> str:
        return f"{PREFIX}media:{media_id}"

    def put_pending(self, pipe: Pipeline, media_id: str, url: str, declared: str, reply_to: Handle,
                    ttl: int) -> None:
        """Remember a photo to fetch (its Twilio URL and the resident's address are encrypted) for ttl seconds."""
        source = json.dumps({"url": url, "reply_to": reply_to.__dict__}).encode()
        key = self._key(media_id)
        pipe.hset(key, mapping={"state": "pending", "declared": declared[:100],
                                "source": self.cipher.encrypt(source)})
        pipe.expire(key, ttl)

    def keep(self, pipe: Pipeline, media_id: str) -> None:
        """The photo belongs to a submitted tip now: keep it as long as the tip (the purge deletes both)."""
        pipe.persist(self._key(media_id))

    def pending_source(self, media_id: str) -> tuple[str, str, Handle] | None:
        """(Twilio URL, declared type, resident to tell) of a pending photo, or None."""
        state, declared, source = self.redis.hmget(self._key(media_id), "state", "declared", "source")
        if state != b"pending" or source is None:
            return None
        data = json.loads(self.cipher.decrypt(source))
        return data["url"], (declared or b"").decode(), Handle(**data["reply_to"])

    def store_clean(self, media_id: str, data: bytes, content_type: str) -> None:
        """Keep the cleaned image (encrypted) and forget where it came from."""
        key = self._key(media_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"state": "ready", "type": content_type, "size": len(data),
                                    "data": self.cipher.encrypt(data)})
            pipe.hdel(key, "source")
            pipe.execute()

    def refuse(self, media_id: str, reason: str) -> None:
        """Record why a photo was not kept and forget where it came from."""
        key = self._key(media_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "state", f"refused: {reason}")
            pipe.hdel(key, "source")
            pipe.execute()

    def get(self, media_id: str) -> Photo | None:
        """A photo's state and type, without its data."""
        state, content_type, size = self.redis.hmget(self._key(media_id), "state", "type", "size")
        if state is None:
            return None
        return Photo(media_id, state.decode(), (content_type or b"").decode(), int(size or 0))

    def data(self, media_id: str) -> bytes | None:
        """The cleaned image bytes, or None when it is not ready."""
        raw = self.redis.hget(self._key(media_id), "data")
        return None if raw is None else self.cipher.decrypt(raw)

    def delete(self, media_ids: list[str], pipe: Pipeline | None = None) -> None:
        """Delete photos (in the caller's transaction, if given)."""
        if media_ids:
            (pipe or self.redis).delete(*(self._key(m) for m in media_ids))
