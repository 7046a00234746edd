"""Delivering an approved alert: the audience is cut into chunks of subscriber ids (never numbers), each chunk
is one RQ job, and every recipient is claimed in Redis before the send, so a chunk that is run again (its worker
was killed, or it ran out of time and continued) sends nobody the alert twice. The pace is the shared rate
limit of the sender (pacing.Pacer), quiet hours pause it, Twilio's 429 backs it off.

A recipient claimed by a worker that died before Twilio answered is not sent again (Twilio cannot say whether
it took the message): counted as skipped, reason "interrupted". In local mode the send is a write to the outbox
in the same transaction as the mark, so there is no such window and a claimed recipient is simply sent."""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Callable

import redis

from bot.channels.outbound import DeliveryError
from bot.channels.outbox import Outbox
from bot.channels.senders import Senders
from bot.platform.config import Config
from bot.platform.jobqueue import JobQueue
from bot.tips.deliveries import WHATSAPP_WINDOW_SECONDS

from .pacing import Pacer
from .quiet import QuietHours
from .store import Broadcast, BroadcastStore, pace_field
from .subscribers import Subscriber, Subscribers

log = logging.getLogger("linea.broadcasts")

CHUNK_SECONDS = 60.0     # a chunk job works this long, then queues its own continuation (RQ's timeout is 120 s)
RATE_LIMIT_TRIES = 6     # 429s in a row for one message before the chunk job gives up and RQ retries it later
DONE_TTL = 30 * 86400    # how long per-recipient marks stay after an alert is done (its counts stay)
START_JOB = "bot.jobs.start_alert"
CHUNK_JOB = "bot.jobs.send_alert_chunk"

# Claim one recipient of an alert. KEYS: the alert's recipient marks, the subscriber's record, the alert's
# counts. ARGV: the subscriber id, "1" when a claim left by a dead worker may be sent (local mode), the mark pos.
_CLAIM = """
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev and prev ~= 'c' then return {'done'} end
if prev == 'c' and ARGV[2] ~= '1' then
  redis.call('HSET', KEYS[1], ARGV[1], 'x')
  redis.call('HINCRBY', KEYS[3], 'skipped', 1)
  redis.call('HINCRBY', KEYS[3], 'skipped:interrupted', 1)
  return {'interrupted'}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], 'x')
  redis.call('HINCRBY', KEYS[3], 'skipped', 1)
  redis.call('HINCRBY', KEYS[3], 'skipped:unsubscribed', 1)
  return {'unsubscribed'}
end
redis.call('HSET', KEYS[1], ARGV[1], 'c')
local f = redis.call('HMGET', KEYS[2], 'addr', 'locale', 'channel')
return {'go', f[1] or '', f[2] or '', f[3] or ''}
"""
# A status callback. KEYS: the alert's sent-message marks, its counts. ARGV: the hashed MessageSid, the status.
_STATUS = """
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if not prev or prev == 'delivered' or prev == 'undelivered' then return 0 end
local s = ARGV[2]
if s == 'failed' then s = 'undelivered' end
redis.call('HSET', KEYS[1], ARGV[1], s)
if s == 'delivered' or s == 'undelivered' then
  redis.call('HINCRBY', KEYS[2], s, 1)
  return 1
end
return 0
"""


class PlanningBusy(RuntimeError):
    """Another worker holds the alert's planning mark; the start job is retried later (RQ's retry)."""


def masked(address: str) -> str:
    """An address as the outbox and pages may show it: the channel and the last two digits only."""
    digits = [c for c in address if c.isdigit()]
    prefix = "whatsapp:" if address.startswith("whatsapp:") else ""
    return f"{prefix}•••{''.join(digits[-2:])}"


PACE_BUCKET = 10          # seconds per counter of recipients dealt with
PACE_WINDOW = 3           # complete buckets that make the current pace (the last 30 s)


@dataclass(frozen=True)
class Progress:
    """How far an alert has gone, for its page's progress bar."""

    total: int
    processed: int
    percent: int
    per_second: float
    seconds_left: float | None


class Broadcaster:
    """Plans, paces and sends community alerts; records their status callbacks."""

    def __init__(self, config: Config, client: redis.Redis, store: BroadcastStore, subscribers: Subscribers,
                 pacer: Pacer, quiet: QuietHours, jobs: JobQueue, senders: Senders, outbox: Outbox,
                 clock: Callable[[], float], last_message_at: Callable[[str], float | None],
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.redis = client
        self.store = store
        self.subscribers = subscribers
        self.pacer = pacer
        self.quiet = quiet
        self.jobs = jobs
        self.senders = senders
        self.outbox = outbox
        self.clock = clock
        self.last_message_at = last_message_at  # the resident's last message (WhatsApp's 24-hour window)
        self.sleep = sleep
        self._claim = client.register_script(_CLAIM)
        self._status = client.register_script(_STATUS)

    # --- approval and start -----------------------------------------------------------------------------
    def starts_at(self, alert: Broadcast) -> float:
        """When an approved alert starts: its schedule, or now, moved past quiet hours."""
        return self.quiet.next_allowed(max(self.clock(), alert.send_after))

    def schedule(self, alert: Broadcast) -> None:
        """Queue the start of an approved alert for its time (RQ's scheduler holds it until then)."""
        self.jobs.enqueue_at(alert.starts_at, self.clock(), START_JOB, alert.id)

    def start(self, alert_id: str) -> str:
        """Cut the audience into chunks of ids and queue one job per chunk (once, even when run again)."""
        alert = self.store.get(alert_id)
        if alert is None:
            return "missing"
        if alert.status != "scheduled":
            return alert.status
        now = self.clock()
        at = self.quiet.next_allowed(max(now, alert.starts_at))
        if at > now:
            self.jobs.enqueue_at(at, now, START_JOB, alert_id)
            log.info("alert %s waits until %s (schedule or quiet hours)", alert_id, int(at))
            return "waiting"
        if not self.redis.set(self.store.key(alert_id, "planning"), "1", nx=True, ex=300):
            # another worker is cutting it up now, or died doing so (the mark expires): RQ tries again later
            raise PlanningBusy(f"alert {alert_id} is being planned by another worker")
        try:
            return self._plan(alert, now)
        finally:
            self.redis.delete(self.store.key(alert_id, "planning"))

    def _plan(self, alert: Broadcast, now: float) -> str:
        for key in self.redis.scan_iter(match=self.store.key(alert.id, "chunk:*"), count=1000):
            self.redis.delete(key)  # a plan cut short by a dead worker
        size, chunk, total, batch = self.config.alert_chunk_size, 0, 0, []
        with self.redis.pipeline(transaction=False) as pipe:
            for who in self.subscribers.ids(alert.audience):
                batch.append(who)
                if len(batch) == size:
                    pipe.rpush(self.store.key(alert.id, f"chunk:{chunk}"), *batch)
                    chunk, total, batch = chunk + 1, total + len(batch), []
            if batch:
                pipe.rpush(self.store.key(alert.id, f"chunk:{chunk}"), *batch)
                chunk, total = chunk + 1, total + len(batch)
            pipe.execute()
        with self.redis.pipeline(transaction=True) as pipe:
            for number in range(chunk):  # RQ opens the transaction (MULTI) itself: its jobs first
                self.jobs.enqueue(pipe, CHUNK_JOB, alert.id, number)
            pipe.hset(self.store.key(alert.id), mapping={
                "status": "sending" if chunk else "done", "started_at": repr(now), "chunks": str(chunk),
                **({} if chunk else {"finished_at": repr(now)})})
            pipe.hset(self.store.key(alert.id, "n"), "queued", total)
            pipe.execute()
        log.info("alert %s: %d recipients in %d chunks", alert.id, total, chunk)
        return "sending"

    # --- one chunk --------------------------------------------------------------------------------------
    def send_chunk(self, alert_id: str, number: int) -> str:
        """Send one chunk of an alert from where it stopped; pause in quiet hours, continue after CHUNK_SECONDS."""
        alert = self.store.get(alert_id)
        if alert is None or alert.status != "sending":
            return "not sending"
        chunk_key = self.store.key(alert_id, f"chunk:{number}")
        ids = [who.decode() for who in self.redis.lrange(chunk_key, 0, -1)]
        counts_key = self.store.key(alert_id, "n")
        position = int(self.redis.hget(counts_key, f"pos:{number}") or 0)
        until = time.monotonic() + CHUNK_SECONDS
        for index in range(position, len(ids)):
            now = self.clock()
            if self.quiet.is_quiet(now):
                self.jobs.enqueue_at(self.quiet.next_allowed(now), now, CHUNK_JOB, alert_id, number)
                log.info("alert %s chunk %d paused for quiet hours", alert_id, number)
                return "paused"
            self._recipient(alert, ids[index], number, index + 1)
            if time.monotonic() > until and index + 1 < len(ids):  # at least one recipient per job: progress
                self.jobs.enqueue(None, CHUNK_JOB, alert_id, number)
                return "continued"
        return self._chunk_done(alert_id, number)

    def _chunk_done(self, alert_id: str, number: int) -> str:
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self.store.key(alert_id, "chunks_done"), number)
            pipe.scard(self.store.key(alert_id, "chunks_done"))
            pipe.delete(self.store.key(alert_id, f"chunk:{number}"))
            _, done, _ = pipe.execute()
        if int(done) >= int(self.store.field(alert_id, "chunks") or 0):
            with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(self.store.key(alert_id), mapping={"status": "done", "finished_at": repr(self.clock())})
                for part in ("r", "sid", "chunks_done"):
                    pipe.expire(self.store.key(alert_id, part), DONE_TTL)
                pipe.execute()
            log.info("alert %s: every chunk done", alert_id)
        return "done"

    def stalled(self, alert_id: str, what: str) -> None:
        """A start or chunk job failed for good (its retries are used up): the alert is marked stalled, so its page
        says that the rest was not sent, instead of showing "sending" for ever."""
        if self.store.get(alert_id) is None:
            return
        self.store.mark(alert_id, status="stalled", stalled=what[:100])
        log.error("alert %s stalled: %s", alert_id, what[:100])

    def _recipient(self, alert: Broadcast, who: str, number: int, position: int) -> None:
        marks, counts = self.store.key(alert.id, "r"), self.store.key(alert.id, "n")
        claim = self._claim(keys=[marks, self.subscribers.key(who), counts],
                            args=[who, "1" if self.config.local else "0"])
        verdict = claim[0].decode() if isinstance(claim[0], bytes) else str(claim[0])
        if verdict != "go":
            self.redis.hset(counts, f"pos:{number}", position)
            return
        token, locale, channel = claim[1], claim[2].decode(), claim[3].decode()
        subscriber = self.subscribers.reveal(token, locale, channel)
        text = alert.texts.get(locale, "")
        if subscriber is None or not text:
            self._mark(alert.id, who, number, position, "x", "skipped", "unreadable" if subscriber is None
                       else "no_text")
            return
        try:
            self._send(alert, who, subscriber, text, number, position)
        except DeliveryError as exc:
            if not exc.permanent:
                self.redis.hdel(marks, who)  # not sent: the retried job sends it
                raise
            self._mark(alert.id, who, number, position, "f", "failed", exc.code or "error")

    def _send(self, alert: Broadcast, who: str, subscriber: Subscriber, text: str, number: int,
              position: int) -> None:
        now = self.clock()
        template = ""
        if subscriber.channel == "whatsapp":
            last = self.last_message_at(who)
            if last is None or now - last > WHATSAPP_WINDOW_SECONDS:
                if not self.config.alert_template_sid:
                    self._mark(alert.id, who, number, position, "x", "skipped", "whatsapp_window")
                    return
                template = self.config.alert_template_sid
        if self.config.local:
            wait = self.pacer.reserve(subscriber.line_address or "local")  # the simulator shows the real pace
            if wait > 0:
                self.sleep(wait)
            entry = {"kind": "alert", "alert": alert.id, "to": masked(subscriber.address),
                     "resident": self.senders.resident_key(subscriber.address), "channel": subscriber.channel,
                     "locale": subscriber.locale, "body": text, "at": now}
            if template:
                entry["template"] = template
            with self.redis.pipeline(transaction=True) as pipe:
                self.outbox.push(entry, pipe)
                self._sent(pipe, alert.id, who, number, position, "", bool(template))
                pipe.execute()
            return
        sid = self._paced(alert, subscriber, text, template)
        with self.redis.pipeline(transaction=True) as pipe:
            self._sent(pipe, alert.id, who, number, position, sid, bool(template))
            pipe.execute()

    def _paced(self, alert: Broadcast, subscriber: Subscriber, text: str, template: str) -> str:
        """Send in the sender's next slot; on Twilio's 429 hold every worker back, longer each time."""
        config = self.config
        sender = self.senders.officer
        callback = f"{config.public_base_url.rstrip('/')}/twilio/status?alert={alert.id}"
        whatsapp = subscriber.channel == "whatsapp"
        origin = "" if (config.messaging_service_sid and not whatsapp) else subscriber.line_address
        pace_key = origin or config.messaging_service_sid or config.sms_from
        for attempt in range(RATE_LIMIT_TRIES):
            wait = self.pacer.reserve(pace_key)
            if wait > 0:
                self.sleep(wait)
            try:
                if template:
                    return sender.send_template(subscriber.address, template, {"1": text}, status_callback=callback)
                return sender.send(subscriber.address, text, from_=origin or None, status_callback=callback)
            except DeliveryError as exc:
                if exc.code not in ("20429", "429"):
                    raise
                log.warning("Twilio said 429 (too many requests); holding alert %s back %d s", alert.id, 2 ** attempt)
                self.pacer.hold(pace_key, 2 ** attempt)
        raise DeliveryError("Twilio kept answering 429", permanent=False, code="20429")

    def _sent(self, pipe: redis.client.Pipeline, alert_id: str, who: str, number: int, position: int, sid: str,
              template: bool) -> None:
        pipe.hset(self.store.key(alert_id, "r"), who, "s")
        pipe.hincrby(self.store.key(alert_id, "n"), "sent", 1)
        pipe.hincrby(self.store.key(alert_id, "n"), self._pace_field(), 1)
        if template:
            pipe.hincrby(self.store.key(alert_id, "n"), "sent:template", 1)
        pipe.hset(self.store.key(alert_id, "n"), f"pos:{number}", position)
        if sid:
            pipe.hset(self.store.key(alert_id, "sid"), _sid_mark(sid), "sent")

    def _mark(self, alert_id: str, who: str, number: int, position: int, mark: str, kind: str, reason: str) -> None:
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.store.key(alert_id, "r"), who, mark)
            pipe.hincrby(self.store.key(alert_id, "n"), kind, 1)
            pipe.hincrby(self.store.key(alert_id, "n"), self._pace_field(), 1)
            pipe.hincrby(self.store.key(alert_id, "n"), f"{kind}:{reason}", 1)
            pipe.hset(self.store.key(alert_id, "n"), f"pos:{number}", position)
            pipe.execute()

    # --- status callbacks and progress --------------------------------------------------------------------
    def record_status(self, alert_id: str, sid: str, status: str) -> bool:
        """Count a status callback once per message (delivered, or undelivered/failed); True when it counted."""
        counted = self._status(keys=[self.store.key(alert_id, "sid"), self.store.key(alert_id, "n")],
                               args=[_sid_mark(sid), status])
        return bool(counted)

    def _pace_field(self) -> str:
        """The counter of recipients dealt with in the current PACE_BUCKET seconds (for the current pace)."""
        return pace_field(int(self.clock()) // PACE_BUCKET)

    def progress(self, alert: Broadcast) -> Progress:
        """The share of recipients dealt with, the current pace (the last PACE_WINDOW buckets; the average since
        the start until there are that many) and the time left at that pace."""
        total = alert.count("queued")
        processed = alert.processed
        percent = 100 if alert.status == "done" else (min(100, processed * 100 // total) if total else 0)
        now = self.clock()
        elapsed = ((alert.finished_at or now) - alert.started_at) if alert.started_at else 0.0
        per_second = processed / elapsed if elapsed > 0 and processed else 0.0
        here = int(now) // PACE_BUCKET
        if alert.status != "done" and elapsed >= (PACE_WINDOW + 1) * PACE_BUCKET:
            recent = sum(alert.count(pace_field(bucket)) for bucket in range(here - PACE_WINDOW, here))
            per_second = recent / (PACE_WINDOW * PACE_BUCKET)
        left = None if not per_second or alert.status == "done" else max(0, total - processed) / per_second
        return Progress(total, processed, percent, round(per_second, 2), left)


def _sid_mark(sid: str) -> str:
    """A sent message's id as kept in Redis: a short hash (Redis holds no Twilio ids)."""
    return hashlib.sha256(sid.encode()).hexdigest()[:16]
