"""Conversation state in Redis: keyed by an HMAC of the sender, TTL, per-sender lock, version check."""
from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from redis.client import Pipeline

from bot.engine import Flow, State
from bot.platform.keys import PREFIX, sender_id

from .redis_scripts import ScriptRunner

log = logging.getLogger("linea.store")


class StoreError(Exception):
    """Base of conversation-store errors."""


class SenderBusy(StoreError):
    """Another message from the same sender held the lock for too long."""


class StaleState(StoreError):
    """The state changed since it was loaded (a late writer); the caller should reload and retry."""


class KeyTaken(StaleState):
    """A key that had to be new exists (a tip code drawn twice); the caller should retry with a new one."""


def log_id(key: str) -> str:
    """A short, non-reversible label of a conversation key for log lines."""
    return key.rsplit("{", 1)[-1].rstrip("}")[:9]


RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
# Take the sender's lock and read what handling a message needs, in one round trip.
# KEYS: conversation, lock, marks, old marks, draft photos. ARGV: lock token, lock ms, MessageSid mark field.
# Returns false when the lock is held by someone else, else {mark or false, marks count, version, state, photos}.
# A lock already held with this token counts as taken: running BEGIN again after a lost reply is harmless.
BEGIN = """
if not redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) and redis.call('get', KEYS[2]) ~= ARGV[1] then
  return false
end
local seen = redis.call('hget', KEYS[3], ARGV[3]) or redis.call('hget', KEYS[4], ARGV[3])
local stored = redis.call('hmget', KEYS[1], 'v', 'state')
return {seen, redis.call('hlen', KEYS[3]), stored[1], stored[2], redis.call('lrange', KEYS[5], 0, -1)}
"""
# Write a message's changes only if the conversation is still at the version that was read and no key that must
# be new (a new tip's) exists, then let go of the lock: one round trip, atomic (nothing else runs in Redis meanwhile).
# KEYS: conversation, lock. ARGV: version read, lock token, how many keys must be new, those keys, then each write
# as: argument count, command, arguments.
# Returns STALE or TAKEN (nothing written), else the error texts of writes that failed.
COMMIT = """
local version = tonumber(redis.call('hget', KEYS[1], 'v') or '0')
local new_keys = tonumber(ARGV[3])
local outcome = 0
if version ~= tonumber(ARGV[1]) then outcome = -1 end
for i = 4, 3 + new_keys do
  if outcome == 0 and redis.call('exists', ARGV[i]) == 1 then outcome = -2 end
end
local errors = {}
if outcome == 0 then
  local i = 4 + new_keys
  while i <= #ARGV do
    local count = tonumber(ARGV[i])
    local reply = redis.pcall(unpack(ARGV, i + 1, i + count))
    if type(reply) == 'table' and reply.err then errors[#errors + 1] = reply.err end
    i = i + count + 1
  end
end
if redis.call('get', KEYS[2]) == ARGV[2] then redis.call('del', KEYS[2]) end
if outcome ~= 0 then return outcome end
return errors
"""
STALE, TAKEN = -1, -2
SEEN_ROTATE = 50  # dedupe marks per sender hash before it becomes ":old" (the last 50-100 messages are known)
LOCK_POLL_SECONDS = 0.02
LOCK_WAIT_SECONDS = 1.5  # then the message goes to the spool: Twilio must get an answer within seconds


class Session:
    """One message's hold on a conversation: the lock, and what was read under it.

    Two round trips on the normal path, each one server-side script: BEGIN takes the lock and reads the
    state, its version and the dedupe mark; COMMIT writes the new state (version + 1), the caller's writes
    (tip, jobs, statistics, dedupe mark) and releases the lock, all only if the version is still the one that
    was read. If anything saved the conversation meanwhile (a writer whose lock had expired), nothing is
    written and the caller gets StaleState: a late writer never overwrites newer state."""

    def __init__(self, store: ConversationStore, key: str, token: str, pipe: Pipeline, message_sid: str,
                 seen: list[str] | None, state: State | None, version: int, seen_count: int = 0,
                 drafts: list[str] | None = None) -> None:
        self.store = store
        self.key = key
        self.token = token
        self.pipe = pipe  # buffers the writes (never executed itself: COMMIT carries them)
        self.message_sid = message_sid
        self.seen = seen
        self.seen_count = seen_count  # marks in the sender's current hash (rotated at SEEN_ROTATE)
        self.state = state
        self.version = version
        self.drafts = drafts or []  # photos waiting with the interview in progress (read under the lock)
        self.new_keys: list[str] = []  # keys the commit must create, not overwrite
        self.done = False

    @contextmanager
    def saving(self, state: State) -> Iterator[Pipeline]:
        """Buffer writes for the new state; they are committed (and the lock released) when the block ends."""
        pipe = self.pipe
        pipe.hset(self.key, mapping={"v": self.version + 1, "state": json.dumps(state.to_dict())})
        if state.opted_out:
            pipe.persist(self.key)  # an opt-out must outlive the inactivity timeout
        else:
            pipe.expire(self.key, self.store.ttl)
        yield pipe
        self._commit()

    def _commit(self) -> None:
        """Run the buffered writes with COMMIT; StaleState if the conversation changed since BEGIN."""
        writes: list[Any] = []
        for args, _options in self.pipe.command_stack:
            writes.append(len(args))
            writes.extend(args)
        self.pipe.reset()
        result = self.store.commit_script([self.key, f"{self.key}:lock"],
                                          [self.version, self.token, len(self.new_keys), *self.new_keys, *writes])
        self.done = True
        if result == STALE:
            raise StaleState("the conversation changed while this message was processed")
        if result == TAKEN:
            raise KeyTaken("a key that had to be new already exists")
        if result:
            raise redis.ResponseError("; ".join(e.decode() if isinstance(e, bytes) else str(e) for e in result))

    def must_be_new(self, key: str) -> None:
        """Commit only if this key does not exist yet (else KeyTaken, and nothing is written)."""
        self.new_keys.append(key)

    def mark_seen(self, pipe: Pipeline, replies: list[str]) -> None:
        """Remember this MessageSid and its replies inside the save transaction, in the sender's own hash of
        marks (same hash slot as the conversation; delete-my-data removes it with the conversation)."""
        if self.message_sid:
            marks = f"{self.key}:seen"
            if self.seen_count >= SEEN_ROTATE:  # keep the newest SEEN_ROTATE..2x marks: memory stays bounded
                pipe.rename(marks, f"{marks}:old")
            pipe.hset(marks, self.store.seen_field(self.message_sid), json.dumps(replies))
            pipe.expire(marks, self.store.dedupe_ttl)

    def remember_handle(self, pipe: Pipeline, code: str, ttl: int) -> None:
        """Note that this sender has a follow-up handle on a tip (for delete-my-data)."""
        pipe.sadd(f"{self.key}:handles", code)
        pipe.expire(f"{self.key}:handles", ttl)

    def add_draft_media(self, pipe: Pipeline, media_id: str, ttl: int) -> None:
        """Keep a photo with the interview in progress."""
        pipe.rpush(f"{self.key}:media", media_id)
        pipe.expire(f"{self.key}:media", ttl)

    def draft_media(self) -> list[str]:
        """Photos waiting with the interview in progress (BEGIN read them; only commits under the lock add any)."""
        return list(self.drafts)

    def clear_draft_media(self, pipe: Pipeline) -> None:
        """The interview ended: its photos were moved to the tip or deleted."""
        pipe.delete(f"{self.key}:media")

    def handle_codes(self) -> list[str]:
        """Tip codes this sender has follow-up handles on."""
        return [m.decode() for m in self.store.redis.smembers(f"{self.key}:handles")]

    @contextmanager
    def forgetting(self) -> Iterator[tuple[Pipeline, list[str], list[str]]]:
        """A transaction that deletes this sender's conversation and dedupe marks instead of saving a state.

        Yields the pipeline, the tip codes this sender had follow-up handles on and the draft's photos, for the
        caller to delete. Nothing is left in Redis derived from the sender's number or their MessageSids."""
        codes = self.handle_codes()
        drafts = self.draft_media()
        pipe = self.pipe
        pipe.delete(self.key, f"{self.key}:seen", f"{self.key}:seen:old", f"{self.key}:handles", f"{self.key}:media")
        yield pipe, codes, drafts
        self._commit()


class ConversationStore:
    """Loads and saves conversation states; the only owner of conversation, lock and dedupe keys."""

    def __init__(self, client: redis.Redis, secret: str, ttl: int, dedupe_ttl: int, lock_seconds: float) -> None:
        self.redis = client
        self.secret = secret
        self.ttl = ttl
        self.dedupe_ttl = dedupe_ttl
        self.lock_seconds = lock_seconds
        scripts = ScriptRunner(client)
        self.begin_script = scripts.script(BEGIN)
        self.commit_script = scripts.script(COMMIT)

    def key(self, address: str) -> str:
        """The Redis key of one sender's conversation (hash-tagged so its lock shares the slot)."""
        return self.key_of(sender_id(self.secret, address))

    @staticmethod
    def key_of(who: str) -> str:
        """The conversation key of a sender id (sender_id of the address)."""
        return f"{PREFIX}conv:{{{who}}}"

    def seen_field(self, message_sid: str) -> str:
        """How a handled MessageSid is remembered (an HMAC of it, so Redis cannot be matched to Twilio's logs)."""
        return sender_id(self.secret, "sid:" + message_sid)[:20]

    @contextmanager
    def session(self, key: str, message_sid: str = "") -> Iterator[Session]:
        """Lock one sender's conversation and read it (BEGIN); the lock expires by itself if we die."""
        token = secrets.token_hex(16)
        field = self.seen_field(message_sid) if message_sid else ""
        keys = [key, f"{key}:lock", f"{key}:seen", f"{key}:seen:old", f"{key}:media"]
        deadline = time.monotonic() + min(self.lock_seconds * 0.8, LOCK_WAIT_SECONDS)
        while not (found := self.begin_script(keys, [token, int(self.lock_seconds * 1000), field])):
            if time.monotonic() > deadline:
                raise SenderBusy("could not take the sender lock in time")
            time.sleep(LOCK_POLL_SECONDS)
        session = None
        try:
            raw_seen, seen_count, raw_version, raw_state, raw_drafts = found
            seen = None if raw_seen is None or not message_sid else list(json.loads(raw_seen))
            state, version = self._decode(key, raw_version, raw_state)
            writes = self.redis.pipeline(transaction=True)
            writes.multi()  # only buffers (RQ expects a pipeline in MULTI mode); COMMIT carries its commands
            session = Session(self, key, token, writes, message_sid, seen, state, version, seen_count,
                              [m.decode() for m in raw_drafts])
            yield session
        finally:
            if session is None or not session.done:
                self.redis.eval(RELEASE_LOCK, 1, f"{key}:lock", token)

    @staticmethod
    def _decode(key: str, raw_version: bytes | None, raw_state: bytes | None) -> tuple[State | None, int]:
        version = int(raw_version or 0)
        if raw_state is None:
            return None, version
        try:
            return State.from_dict(json.loads(raw_state)), version
        except (ValueError, KeyError, TypeError):
            log.error("unreadable conversation state conv=%s; starting it over", log_id(key))
            return None, version

    def point_to_tip(self, key: str, flow: Flow, code: str, locale: str, now: float | None,
                     revision: int = 0) -> bool:
        """After an officer wrote to a resident, make their next message an answer to that tip.

        Left alone while the resident is in the middle of something else (an interview) or opted out; they can
        still answer by starting with the code. now=None keeps the state's time (the resident's last message).
        A conversation that had ended starts again on `revision` (the current flow revision)."""
        for _ in range(3):
            try:
                with self.session(key) as session:
                    state = session.state
                    if state is not None and not state.opted_out and now is not None and \
                            now - state.updated_at > self.ttl:
                        state = None  # it had ended (the key just had not expired yet): start it afresh
                    if state is not None and (state.opted_out or state.node not in (
                            None, flow.menu_node, flow.followup_node)):
                        return False
                    base = state or State(flow_id=flow.id, locale=locale, updated_at=now or 0.0, revision=revision)
                    pointed = base.with_(node=flow.followup_node, last_tip=code, locale=base.locale or locale,
                                         answers=(), updated_at=base.updated_at if now is None else now)
                    with session.saving(pointed):
                        pass
                    return True
            except StaleState:
                continue
        return False

    def load(self, key: str) -> tuple[State | None, int]:
        """Return (state or None, version) without locking (for tools and tests)."""
        raw_version, raw_state = self.redis.hmget(key, "v", "state")
        return self._decode(key, raw_version, raw_state)

    def ping(self) -> Any:
        """Raise if Redis cannot be reached."""
        return self.redis.ping()
