"""The shell around the engine: lock the sender, load state, advance, carry out effects, save, render."""
from __future__ import annotations

import hashlib
import logging
import time
from contextvars import ContextVar
from dataclasses import replace
from functools import cached_property
from typing import Callable, Iterable

import redis
from flask import current_app
from rq import Callback, Queue, Retry
from rq.serializers import JSONSerializer

from . import i18n, photo_intake, sms
from .understanding import hints
from .channels.email import EmailSender
from .channels.outbound import DeliveryError, OutboxSender, Sender, TwilioSender
from .channels.twilio import InboundMessage
from .config import Config
from .engine import (AttachToTip, EmergencyShown, Flow, ForgetMe, Inbound, OptedIn, OptedOut, Outcome, Reply,
                     State, SubmitTip, advance)
from .engine import nlu
from .engine.engine import is_expired
from .engine.matching import chosen_number
from .deliveries import Deliveries
from .duty import DutyRoster
from .flow_library import Bundle, FlowLibrary, shipped_bundle
from .flows import parse_flow_text
from .handles import Handle, HandleStore
from .media import Fetcher, HttpFetcher
from .photos import PhotoStore
from .stats import Stats
from .spool import Spool, SpoolError
from .store import ConversationStore, KeyTaken, Outbox, Session, StaleState, StoreError, log_id, sender_id
from .tips import Tip, TipRepository, new_code

log = logging.getLogger("linea.line")

SHELL_KEYS = ("line.trouble", "line.truncated", "line.received_later", "line.followup_on", "line.officer_message",
              "flows.unknown_code", "flows.code_needs_text") + photo_intake.SHELL_KEYS
JOB_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])
JOB_TIMEOUT = 120  # seconds; a job whose worker died is noticed after this (plus the worker's maintenance pass)
SAVE_ATTEMPTS = 3


_MESSAGE_FLOW: ContextVar[tuple[int, Flow] | None] = ContextVar("linea_message_flow", default=None)
REVISION_CHECK_SECONDS = 2.0
ROSTER_CHECK_SECONDS = 5.0


def policy_keys(flow: Flow) -> set[str]:
    """The texts that state the immigration policy (the immigration intent's node, and the reassurance)."""
    node = flow.nodes.get(flow.intents.get("immigration", ""))
    return set(node.say if node else ()) | {flow.messages.reassurance}


def current_line() -> "Line":
    """The Line of the Flask app handling this request, command or job."""
    return current_app.extensions["linea"]


def officer_id(address: str) -> str:
    """Short stable id of an officer address, so job arguments carry no phone numbers."""
    return hashlib.sha256(address.encode()).hexdigest()[:12]


class Line:
    """One tip line: configuration, Redis, the flow, and the loop that answers each message."""

    def __init__(self, config: Config, client: redis.Redis, flow: Flow, clock: Callable[[], float]) -> None:
        self.config = config
        self.redis = client
        self._flows: dict[int, Flow] = {0: flow}  # parsed revisions by number (0: the shipped files)
        self._current = (0, float("-inf"))          # (revision number, when it was last read from Redis)
        self.library = FlowLibrary(client, shipped_bundle(config.flows_dir, config.translations_dir))
        self.clock = clock
        self.store = ConversationStore(client, config.hash_secret, config.conversation_ttl, config.dedupe_ttl,
                                       config.lock_seconds)
        self.tips = TipRepository(client)
        self.handles = HandleStore(client, config.hash_secret, config.followup_ttl)
        self.deliveries = Deliveries(client, config.hash_secret, config.dedupe_ttl)
        self.photos = PhotoStore(client, config.hash_secret)
        self.roster = DutyRoster(client)
        self._roster_cache: tuple[tuple[str, ...], float] = ((), float("-inf"))
        self.stats = Stats(client, config.timezone)

        self.outbox = Outbox(client)
        self.spool = Spool(config.spool_dir, config.hash_secret)
        self.queue = Queue(config.queue_name, connection=client, serializer=JSONSerializer)

    # --- flow revisions ---------------------------------------------------------------------------------
    @property
    def flow(self) -> Flow:
        """The flow of the message being handled (its conversation's revision), else the current one."""
        pinned = _MESSAGE_FLOW.get()
        return pinned[1] if pinned else self.flow_for(self.current_revision())

    @property
    def overlay(self) -> str:
        """The translation-key prefix of that flow's revision ("" for the shipped texts)."""
        pinned = _MESSAGE_FLOW.get()
        number = pinned[0] if pinned else self.current_revision()
        return f"rev{number}." if number else ""

    def current_revision(self) -> int:
        """The published revision new conversations start on (re-read from Redis every few seconds)."""
        number, checked = self._current
        if time.monotonic() - checked > REVISION_CHECK_SECONDS:
            try:
                number = self.library.current_number()
            except redis.RedisError:
                pass  # keep the one we know
            self._current = (number, time.monotonic())
        return number

    def flow_for(self, number: int) -> Flow:
        """The parsed flow of a revision, its texts installed under rev<number>. (the current one if unknown)."""
        if number not in self._flows:
            revision = self.library.get(number)
            if revision is None:
                log.error("conversation on unknown flow revision %d; using the current one", number)
                return self.flow_for(self.current_revision()) if number != self.current_revision() else self._flows[0]
            i18n.install_overlay(f"rev{number}.", revision.bundle.texts)
            self._flows[number] = parse_flow_text(revision.bundle.flow, f"revision {number}")
        return self._flows[number]

    def publish(self, bundle: Bundle, author: str, comment: str, reverts: int | None = None) -> int:
        """Publish a checked bundle as the new current revision (this process uses it at once)."""
        number = self.library.publish(bundle, author, self.clock(), comment, reverts)
        self._current = (number, time.monotonic())
        return number

    # --- answering residents -------------------------------------------------------------------------
    def receive(self, message: InboundMessage) -> list[str]:
        """Answer a webhook message now, or keep it in the spool when Redis cannot take it (nothing lost).

        While a sender has spooled messages, their new ones are spooled too, so that order is kept."""
        if not message.sender:
            return self.handle(message)
        if message.sender in self.config.officer_numbers or message.sender in self._on_duty():
            return self.officer_wrote(message)
        who = sender_id(self.config.hash_secret, message.sender)
        if not self.spool.pending(who):
            try:
                return self.handle(message, who)
            except (redis.RedisError, StoreError) as exc:
                log.error("Redis could not take a message (%s); spooling it", type(exc).__name__)
        self.spool.put({"sender": message.sender, "to": message.recipient, "body": message.body,
                        "channel": message.channel, "sid": message.message_sid, "media": list(message.media)},
                       who)
        return self.render([Reply("line.received_later")], None, message.channel)

    def drain(self) -> int:
        """Apply spooled messages in arrival order and text the replies; stop at the first Redis failure."""
        done = 0
        if not self.spool.pending():
            return 0
        with self.spool.draining() as mine:
            if not mine:
                return 0
            for name in self.spool.pending():
                try:
                    record = self.spool.read(name)
                except SpoolError:
                    log.error("a spooled message cannot be read and stays in the spool: %s", name)
                    continue
                message = InboundMessage(sender=record["sender"], body=record["body"], channel=record["channel"],
                                         message_sid=record["sid"],
                                         media=tuple(tuple(m) for m in record.get("media", ())),
                                         recipient=record.get("to", ""))
                try:
                    texts = self.handle(message)
                except (redis.RedisError, StoreError):
                    return done  # still down: try again later, in the same order
                self.spool.remove(name)
                done += 1
                for text in texts:
                    self._reply_later(record, text)
        if done:
            log.info("applied %d spooled messages", done)
        return done

    def _reply_later(self, record: dict, text: str) -> None:
        try:
            self.resident_sender.send(record["sender"], text, from_=record.get("to") or None)
        except DeliveryError as exc:  # applied but unanswered: the resident can write again
            log.warning("a reply to a spooled message could not be sent (%s)", exc.code or "error")

    def handle(self, message: InboundMessage, who: str | None = None) -> list[str]:
        """Answer one inbound message with the texts to send back (empty: deliberately silent).

        who: the sender's id (sender_id) when the caller has already computed it."""
        if not message.sender:
            return self.render([Reply(self.flow.messages.help)], None, message.channel)
        body, notes = self._limit(message.body)
        key = self.store.key_of(who) if who else self.store.key(message.sender)
        for attempt in range(SAVE_ATTEMPTS):
            try:
                with self.store.session(key, message.message_sid) as session:
                    if session.seen is not None:
                        log.info("duplicate delivery ignored conv=%s", log_id(key))
                        return session.seen
                    return self._apply(session, message, body, notes)
            except KeyTaken:
                log.warning("a new tip code was already taken, drawing another conv=%s", log_id(key))
            except StaleState:
                log.warning("stale conversation state, retrying conv=%s attempt=%d", log_id(key), attempt + 1)
        raise StaleState("conversation kept changing under us")

    def _limit(self, body: str) -> tuple[str, list[Reply]]:
        limit = self.config.max_body_chars
        if len(body) <= limit:
            return body, []
        return body[:limit], [Reply("line.truncated", {"limit": str(limit)})]

    def needs_hints(self, state: State | None, now: float, text: str) -> bool:
        """Whether the models' hints can matter: a new conversation, an unknown language, or free text at a
        menu. An answer to an interview question (or after a tip) is taken as written, and a menu option's
        number picks it, so the ~0.15 ms of model work is skipped for most messages (tests/test_line.py
        checks the outcome is the same)."""
        if state is None or state.locale is None or is_expired(state, now, self.config.conversation_ttl):
            return True
        node = self.flow.nodes.get(state.node or "")
        if state.opted_out or (node is not None and node.type in ("question", "followup")):
            return False
        return node is None or node.type != "menu" or chosen_number(text, len(node.options)) is None

    def _advance(self, state: State | None, message: InboundMessage, body: str, now: float) -> tuple[Outcome, str]:
        """The engine's outcome, and the topic of the message if it starts a conversation (for statistics)."""
        language, intent, confidence = hints(body) if self.needs_hints(state, now, body) else (None, None, 0.0)
        topic = ""
        if self._is_fresh(state, now):
            topic = nlu.understand(body, language, intent, confidence).intent
        inbound = Inbound(text=body, channel=message.channel, fresh_code=new_code(), language_hint=language,
                          intent_hint=intent, intent_confidence=confidence, has_media=bool(message.media))
        # a code drawn twice (1 in ~10^11 per tip) fails the commit with KeyTaken, and handle() tries again
        return advance(self.flow, state, inbound, now, expire_after=self.config.conversation_ttl), topic

    def _is_fresh(self, state: State | None, now: float) -> bool:
        return state is None or state.flow_id != self.flow.id or is_expired(state, now, self.config.conversation_ttl)

    def _counters(self, before: State | None, outcome: Outcome, channel: str, topic: str) -> list[str]:
        """Which daily statistics this message adds to (aggregates only; see bot/stats.py)."""
        names = [f"channel|{channel}", f"topic|{topic}"] if topic else []
        if (topic or (before is not None and before.locale is None)) and outcome.state.locale:
            names.append(f"language|{outcome.state.locale}")
        if policy_keys(self.flow) & {reply.key for reply in outcome.replies}:
            names.append("outcome|policy")
        was_in_interview = not topic and before is not None and photo_intake.in_interview(self, before.node)
        if photo_intake.in_interview(self, outcome.state.node) and not was_in_interview:
            names.append("outcome|tip_started")
        for effect in outcome.effects:
            name = {SubmitTip: "tip_finished", OptedOut: "opted_out", EmergencyShown: "emergency"}.get(type(effect))
            if name:
                names.append(f"outcome|{name}")
        return names

    def _apply(self, session: Session, message: InboundMessage, body: str, notes: list[Reply]) -> list[str]:
        """Handle a message on its conversation's flow revision: a conversation finishes on the revision it
        started with; a new one (or one that expired) starts on the current revision."""
        now = self.clock()
        state = session.state
        number = self.current_revision() if self._is_fresh(state, now) else state.revision
        flow = self.flow_for(number)
        if number not in self._flows:  # that revision is gone: a safe restart on the current one
            number = self.current_revision()
        token = _MESSAGE_FLOW.set((number, flow))
        try:
            return self._apply_on(session, message, body, notes, now, number)
        finally:
            _MESSAGE_FLOW.reset(token)

    def _apply_on(self, session: Session, message: InboundMessage, body: str, notes: list[Reply], now: float,
                  revision: int) -> list[str]:
        outcome, topic = self._advance(session.state, message, body, now)
        outcome = replace(outcome, state=outcome.state.with_(revision=revision))
        photos = photo_intake.plan(self, outcome, message)
        replies = [] if outcome.silent else notes + (photos.replies() if photos else []) + list(outcome.replies)
        if any(isinstance(effect, ForgetMe) for effect in outcome.effects):
            return self._forget(session, outcome, replies, message.channel)
        leaving_interview = session.state is not None and photo_intake.in_interview(self, session.state.node) \
            and not photo_intake.in_interview(self, outcome.state.node)
        drafts = session.draft_media() if leaving_interview else []
        with session.saving(outcome.state) as pipe:
            for effect in outcome.effects:
                replies.extend(self._carry_out(pipe, effect, now, message, session))
            photo_intake.settle_drafts(self, session, outcome, pipe, drafts)
            self.stats.count(pipe, now, self._counters(session.state, outcome, message.channel, topic))
            if photos and not outcome.silent:
                photo_intake.carry_out(self, session, pipe, photos, message, outcome.state.locale or "es")
            texts = self.render(replies, outcome.state.locale, message.channel)
            session.mark_seen(pipe, texts)
        # Every step at DEBUG, steps with an effect (a tip, an opt-out, an emergency...) at INFO: by default the
        # log does not keep a trail of each resident's conversation.
        log.log(logging.INFO if outcome.effects else logging.DEBUG,
                "message handled conv=%s node=%s locale=%s effects=%s replies=%d", log_id(session.key),
                outcome.state.node, outcome.state.locale,
                ",".join(type(e).__name__ for e in outcome.effects) or "-", len(texts))
        return texts

    def _forget(self, session: Session, outcome: Outcome, replies: list[Reply], channel: str) -> list[str]:
        """Delete-my-data: the conversation, dedupe marks and follow-up handles go; tips stay, unlinked."""
        with session.forgetting() as (pipe, codes, drafts):
            for code in codes:
                pipe.delete(self.handles.key(code))
                self.tips.end_followup(code, pipe)
            self.photos.delete(drafts, pipe)
        log.info("a resident's data was deleted on request (%d follow-up handles)", len(codes))
        return self.render(replies, outcome.state.locale, channel)

    def _carry_out(self, pipe: redis.client.Pipeline, effect: object, now: float, message: InboundMessage,
                   session: Session) -> list[Reply]:
        if isinstance(effect, SubmitTip):
            session.must_be_new(self.tips.key(effect.code))
            ttl = self.config.followup_ttl
            self.tips.create(pipe, Tip(code=effect.code, created_at=now, locale=effect.locale, channel=effect.channel,
                                       answers=effect.answers, followup_until=now + ttl if effect.followup else 0))
            self.enqueue(pipe, "bot.jobs.deliver_tip", effect.code)
            if not effect.followup:
                return []
            self.handles.put(pipe, effect.code, Handle(message.sender, message.recipient, effect.locale))
            session.remember_handle(pipe, effect.code, ttl)
            return [Reply("line.followup_on", {"code": effect.code, "hours": str(round(ttl / 3600))})]
        if isinstance(effect, OptedOut):
            codes = session.handle_codes()
            for code in codes:  # STOP also ends officers' follow-up questions
                pipe.delete(self.handles.key(code))
                self.tips.end_followup(code, pipe)
            log.info("event OptedOut (%d follow-up handles removed)", len(codes))
            return []
        if isinstance(effect, AttachToTip):
            params = {"code": effect.code}
            if not effect.text:
                return [Reply("flows.code_needs_text", params)]
            if not self.tips.exists(effect.code):
                return [Reply("flows.unknown_code", params)]
            index = self.tips.addendum_count(effect.code)
            self.tips.add_addendum(pipe, effect.code, effect.text, now)
            self.enqueue(pipe, "bot.jobs.deliver_addendum", effect.code, index)
            return [Reply(self.flow.messages.addendum_received, params)]
        if isinstance(effect, (OptedOut, OptedIn, EmergencyShown)):
            log.info("event %s", type(effect).__name__)
            return []
        raise TypeError(f"unknown effect {effect!r}")

    def schedule_purge(self) -> bool:
        """Queue the retention purge once a day (whichever process asks first); True if it queued it now."""
        try:
            if not self.deliveries.claim_daily("purge"):
                return False
            self.enqueue(None, "bot.jobs.purge_expired_tips")
        except redis.RedisError:
            return False  # Redis is down: the spool is busy anyway; try again on the next round
        return True

    def enqueue(self, pipe: redis.client.Pipeline | None, function: str, *args: object) -> None:
        """Queue a job by dotted name with JSON arguments (ids only), inside a transaction when given."""
        self.queue.enqueue_call(function, args=list(args), retry=JOB_RETRY, pipeline=pipe, timeout=JOB_TIMEOUT,
                                result_ttl=24 * 3600, failure_ttl=30 * 24 * 3600,
                                on_failure=Callback("bot.jobs.job_failed"))

    def render(self, replies: Iterable[Reply], locale: str | None, channel: str) -> list[str]:
        """Render replies in the resident's language (both, Spanish first, while it is unknown) and pack them."""
        texts = []
        notice = self.notice_params()
        overlay = self.overlay
        for reply in replies:
            for each in ((locale,) if locale else ("es", "en")):
                texts.append(i18n.render(reply, each, notice, overlay))
        return sms.pack(texts, channel)

    def notice_params(self) -> dict[str, str]:
        """The retention settings as texts may quote them (so the privacy notice always matches the settings)."""
        config = self.config
        return {"conversation_hours": str(round(config.conversation_ttl / 3600)),
                "followup_hours": str(round(config.followup_ttl / 3600)),
                "tip_days": str(config.tip_retention_days),
                "dedupe_days": str(round(config.dedupe_ttl / 86400))}

    def trouble(self, channel: str) -> list[str]:
        """The bilingual answer when the line cannot process a message right now."""
        return self.render([Reply("line.trouble")], None, channel)

    # --- officers ------------------------------------------------------------------------------------
    @cached_property
    def sender(self) -> Sender:
        """Where officer notifications go: Twilio in production, the outbox in local mode."""
        if self.config.local:
            return OutboxSender(self.outbox, self.clock)
        return TwilioSender(self.config.twilio_account_sid, self.config.twilio_auth_token, self.config.sms_from,
                            self.config.whatsapp_from, self.config.messaging_service_sid,
                            http_client=self.config.extra.get("twilio_http_client"),
                            status_callback=self.config.public_base_url.rstrip("/") + "/twilio/status")

    @cached_property
    def resident_sender(self) -> Sender:
        """Where replies to spooled messages go: Twilio in production; in local mode the outbox, unaddressed."""
        if self.config.local:
            return OutboxSender(self.outbox, self.clock, anonymous=True)
        return self.sender

    @cached_property
    def media_fetcher(self) -> Fetcher:
        """How photos are downloaded from Twilio (a fake in tests)."""
        return self.config.extra.get("media_fetcher") or HttpFetcher()

    @cached_property
    def email_sender(self) -> Sender:
        """Where officer emails go: the SMTP server in production, the outbox in local mode."""
        if self.config.local and not self.config.smtp_url:
            return OutboxSender(self.outbox, self.clock)
        return EmailSender(self.config.smtp_url, self.config.email_from)

    def officers(self) -> dict[str, str]:
        """Who gets alerts now, by short id: OFFICER_NUMBERS / OFFICER_EMAILS and the roster's on-duty contacts."""
        addresses = self.config.officer_numbers + tuple(f"mailto:{e.removeprefix('mailto:')}"
                                                        for e in self.config.officer_emails)
        return {officer_id(address): address for address in addresses + self._on_duty()}

    def _on_duty(self) -> tuple[str, ...]:
        """The roster's on-duty contacts, re-read from Redis every few seconds (not once per message)."""
        addresses, checked = self._roster_cache
        if time.monotonic() - checked > ROSTER_CHECK_SECONDS:
            try:
                addresses = tuple(self.roster.on_duty())
            except redis.RedisError:
                log.warning("the on-duty roster could not be read; using the last known one")
            self._roster_cache = (addresses, time.monotonic())
        return addresses

    def roster_changed(self) -> None:
        """Forget the cached roster (this process changed it)."""
        self._roster_cache = ((), float("-inf"))

    def officer_wrote(self, message: InboundMessage) -> list[str]:
        """An officer texted the line: that opens their WhatsApp 24-hour window; point them to the dashboard."""
        self.deliveries.open_window(officer_id(message.sender))
        log.info("an officer wrote to the line (WhatsApp window open for 24 h)")
        return [i18n.text("officer.window_open", self.config.officer_locale)]
