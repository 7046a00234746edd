"""The message loop around the engine: receive a message, advance its conversation, commit the outcome and
its effects in one transaction, render the replies. Everything it works with is built by create_app()."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Callable

import redis

from bot.broadcasts.subscribers import Subscriber, Subscribers
from bot.channels.outbound import DeliveryError
from bot.channels.senders import Senders
from bot.channels.twilio import InboundMessage
from bot.engine import (AlertsJoined, AlertsLeft, AttachToTip, EmergencyShown, Flow, ForgetMe, Inbound, OptedIn, OptedOut, Outcome, Reply, State,
                        SubmitTip, advance, nlu, policy_keys)
from bot.engine.engine import is_expired
from bot.engine.matching import chosen_number
from bot.flows import i18n
from bot.flows.rendering import Renderer
from bot.flows.revisions import FlowRevisions
from bot.officers.directory import OfficerDirectory, officer_id
from bot.platform.config import Config
from bot.platform.jobqueue import JobQueue
from bot.platform.keys import sender_id
from bot.tips.deliveries import Deliveries
from bot.tips.handles import Handle, HandleStore
from bot.tips.photos import PhotoStore
from bot.tips.repository import Tip, TipRepository, new_code
from bot.understanding.models import hints, intent_only, stop_hint

from . import photo_intake
from .photo_intake import PhotoIntake, in_interview
from .spool import Spool, SpoolError
from .stats import Stats
from .store import ConversationStore, KeyTaken, Session, StaleState, StoreError, log_id

log = logging.getLogger("linea.line")

SHELL_KEYS = ("line.trouble", "line.truncated", "line.received_later", "line.followup_on", "line.officer_message",
              "flows.unknown_code", "flows.code_needs_text") + photo_intake.SHELL_KEYS
SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class _Message:
    """One message being handled: its conversation's flow revision, and the time."""

    revision: int
    flow: Flow
    now: float


class Line:
    """One tip line's message loop: receive, advance, commit, render."""

    def __init__(self, config: Config, clock: Callable[[], float], *, store: ConversationStore,
                 revisions: FlowRevisions, renderer: Renderer, tips: TipRepository, handles: HandleStore,
                 photos: PhotoStore, intake: PhotoIntake, deliveries: Deliveries, stats: Stats, spool: Spool,
                 officers: OfficerDirectory, jobs: JobQueue, senders: Senders, subscribers: Subscribers) -> None:
        self.config = config
        self.clock = clock
        self.store = store
        self.revisions = revisions
        self.renderer = renderer
        self.tips = tips
        self.handles = handles
        self.photos = photos
        self.intake = intake
        self.deliveries = deliveries
        self.stats = stats
        self.spool = spool
        self.officers = officers
        self.jobs = jobs
        self.senders = senders
        self.subscribers = subscribers

    # --- receive --------------------------------------------------------------------------------------
    def receive(self, message: InboundMessage) -> list[str]:
        """Answer a webhook message now, or keep it in the spool when Redis cannot take it (nothing lost).

        While a sender has spooled messages, their new ones are spooled too, so that order is kept."""
        if not message.sender:
            return self.handle(message)
        if self.officers.is_officer(message.sender):
            return self.officer_wrote(message)
        who = sender_id(self.config.hash_secret, message.sender)
        if not self.spool.pending(who):
            try:
                return self.handle(message, who)
            except (redis.RedisError, StoreError) as exc:
                log.error("Redis could not take a message (%s); spooling it", type(exc).__name__)
        self.spool.put({"sender": message.sender, "to": message.recipient, "body": message.body,
                        "channel": message.channel, "sid": message.message_sid, "media": list(message.media)}, who)
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
            self.senders.resident.send(record["sender"], text, from_=record.get("to") or None)
        except DeliveryError as exc:  # applied but unanswered: the resident can write again
            log.warning("a reply to a spooled message could not be sent (%s)", exc.code or "error")

    def officer_wrote(self, message: InboundMessage) -> list[str]:
        """An officer texted the line: that opens their WhatsApp 24-hour window; point them to the dashboard."""
        self.deliveries.open_window(officer_id(message.sender))
        log.info("an officer wrote to the line (WhatsApp window open for 24 h)")
        return [i18n.text("officer.window_open", self.config.officer_locale)]

    def handle(self, message: InboundMessage, who: str | None = None) -> list[str]:
        """Answer one inbound message with the texts to send back (empty: deliberately silent).

        who: the sender's id (sender_id) when the caller has already computed it."""
        if not message.sender:
            return self.render([Reply(self.revisions.flow.messages.help)], None, message.channel)
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

    # --- advance --------------------------------------------------------------------------------------
    def hints_needed(self, state: State | None, now: float, text: str, flow: Flow | None = None) -> str:
        """Which model hints can matter for this message: "all" (a new conversation, an unknown language, free
        text at a menu), "intent" (an answer to an interview question or after a tip: the intent model is the
        second opinion on danger now, the language is known) or "none" (a menu option's number, or after STOP),
        so the ~0.15 ms of model work is spent only where it can change the outcome (tests/test_line.py checks
        that the outcome is the same with every hint). flow: the conversation's flow (default: the current one)."""
        if state is None or state.locale is None or is_expired(state, now, self.config.conversation_ttl):
            return "all"
        node = (flow or self.revisions.flow).nodes.get(state.node or "")
        if state.opted_out:
            return "none"
        if node is not None and node.type in ("question", "followup"):
            return "intent"
        return "all" if node is None or node.type != "menu" or chosen_number(text, len(node.options)) is None \
            else "none"

    def _is_fresh(self, state: State | None, now: float, flow: Flow) -> bool:
        return state is None or state.flow_id != flow.id or is_expired(state, now, self.config.conversation_ttl)

    def _advance(self, state: State | None, message: InboundMessage, body: str, at: _Message) \
            -> tuple[Outcome, str]:
        """The engine's outcome, and the topic of the message if it starts a conversation (for statistics)."""
        needed = self.hints_needed(state, at.now, body, at.flow)
        read = nlu.model_text(body, at.flow.keywords.local)  # the flow's streets set aside, its slang in plain words
        language, intent, confidence = hints(read) if needed == "all" else intent_only(read) if needed == "intent" \
            else (None, None, 0.0)
        stop_confidence = stop_hint(read) if needed == "all" else 0.0  # asked only where free text is read
        topic = ""
        if self._is_fresh(state, at.now, at.flow):
            topic = nlu.understand(body, language, intent, confidence, stop_confidence, at.flow.keywords.local).intent
        inbound = Inbound(text=body, channel=message.channel, fresh_code=new_code(), language_hint=language,
                          intent_hint=intent, intent_confidence=confidence, stop_confidence=stop_confidence,
                          has_media=bool(message.media))
        # a code drawn twice (1 in ~10^11 per tip) fails the commit with KeyTaken, and handle() tries again
        outcome = advance(at.flow, state, inbound, at.now, expire_after=self.config.conversation_ttl)
        return replace(outcome, state=outcome.state.with_(revision=at.revision)), topic

    # --- commit ---------------------------------------------------------------------------------------
    def _apply(self, session: Session, message: InboundMessage, body: str, notes: list[Reply]) -> list[str]:
        """Handle a message on its conversation's flow revision: a conversation finishes on the revision it
        started with; a new one (or one that expired) starts on the current revision."""
        now = self.clock()
        state = session.state
        fresh = self._is_fresh(state, now, self.revisions.flow)
        revision, flow = self.revisions.pinned(self.revisions.current_revision() if fresh else state.revision)
        at = _Message(revision, flow, now)
        outcome, topic = self._advance(state, message, body, at)
        photos = self.intake.plan(flow, outcome, message)
        replies = [] if outcome.silent else notes + (photos.replies() if photos else []) + list(outcome.replies)
        if any(isinstance(effect, ForgetMe) for effect in outcome.effects):
            return self._forget(session, outcome, replies, message, at)
        leaving_interview = state is not None and in_interview(flow, state.node) \
            and not in_interview(flow, outcome.state.node)
        drafts = session.draft_media() if leaving_interview else []
        with session.saving(outcome.state) as pipe:
            for effect in outcome.effects:
                replies.extend(self._carry_out(pipe, effect, at, message, session))
            self.intake.settle_drafts(flow, session, outcome, pipe, drafts)
            self.stats.count(pipe, now, self._counters(flow, state, outcome, message.channel, topic))
            if photos and not outcome.silent:
                self.intake.carry_out(session, pipe, photos, message, outcome.state.locale or "es")
            texts = self.render(replies, outcome.state.locale, message.channel, at.revision)
            session.mark_seen(pipe, texts)
        # Every step at DEBUG, steps with an effect (a tip, an opt-out, an emergency...) at INFO: by default the
        # log does not keep a trail of each resident's conversation.
        log.log(logging.INFO if outcome.effects else logging.DEBUG,
                "message handled conv=%s node=%s locale=%s effects=%s replies=%d", log_id(session.key),
                outcome.state.node, outcome.state.locale,
                ",".join(type(e).__name__ for e in outcome.effects) or "-", len(texts))
        return texts

    def _counters(self, flow: Flow, before: State | None, outcome: Outcome, channel: str, topic: str) -> list[str]:
        """Which daily statistics this message adds to (aggregates only; see bot/conversations/stats.py)."""
        names = [f"channel|{channel}", f"topic|{topic}"] if topic else []
        if (topic or (before is not None and before.locale is None)) and outcome.state.locale:
            names.append(f"language|{outcome.state.locale}")
        if policy_keys(flow) & {reply.key for reply in outcome.replies}:
            names.append("outcome|policy")
        was_in_interview = not topic and before is not None and in_interview(flow, before.node)
        if in_interview(flow, outcome.state.node) and not was_in_interview:
            names.append("outcome|tip_started")
        for effect in outcome.effects:
            name = {SubmitTip: "tip_finished", OptedOut: "opted_out", EmergencyShown: "emergency"}.get(type(effect))
            if name:
                names.append(f"outcome|{name}")
        return names

    def _forget(self, session: Session, outcome: Outcome, replies: list[Reply], message: InboundMessage,
                at: _Message) -> list[str]:
        """Delete-my-data: the conversation, dedupe marks, follow-up handles and the community-alerts subscription
        go; tips stay, unlinked."""
        with session.forgetting() as (pipe, codes, drafts):
            for code in codes:
                pipe.delete(self.handles.key(code))
                self.tips.end_followup(code, pipe)
            self.photos.delete(drafts, pipe)
            self.subscribers.leave(pipe, sender_id(self.config.hash_secret, message.sender))
        log.info("a resident's data was deleted on request (%d follow-up handles)", len(codes))
        return self.render(replies, outcome.state.locale, message.channel, at.revision)

    def _carry_out(self, pipe: redis.client.Pipeline, effect: object, at: _Message, message: InboundMessage,
                   session: Session) -> list[Reply]:
        now = at.now
        if isinstance(effect, SubmitTip):
            session.must_be_new(self.tips.key(effect.code))
            ttl = self.config.followup_ttl
            self.tips.create(pipe, Tip(code=effect.code, created_at=now, locale=effect.locale,
                                        channel=effect.channel, answers=effect.answers,
                                        followup_until=now + ttl if effect.followup else 0))
            self.jobs.enqueue(pipe, "bot.jobs.deliver_tip", effect.code)
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
            self.subscribers.leave(pipe, sender_id(self.config.hash_secret, message.sender))  # ... and alerts
            log.info("event OptedOut (%d follow-up handles removed)", len(codes))
            return []
        if isinstance(effect, AlertsJoined):
            self.subscribers.join(pipe, sender_id(self.config.hash_secret, message.sender),
                                  Subscriber(message.sender, message.recipient, effect.locale, effect.channel), now,
                                  consent=f"{effect.consent}@r{at.revision}")
            log.info("event AlertsJoined locale=%s channel=%s", effect.locale, effect.channel)
            return []
        if isinstance(effect, AlertsLeft):
            self.subscribers.leave(pipe, sender_id(self.config.hash_secret, message.sender))
            log.info("event AlertsLeft")
            return []
        if isinstance(effect, AttachToTip):
            params = {"code": effect.code}
            if not effect.text:
                return [Reply("flows.code_needs_text", params)]
            if not self.tips.exists(effect.code):
                return [Reply("flows.unknown_code", params)]
            index = self.tips.addendum_count(effect.code)
            self.tips.add_addendum(pipe, effect.code, effect.text, now)
            self.jobs.enqueue(pipe, "bot.jobs.deliver_addendum", effect.code, index)
            return [Reply(at.flow.messages.addendum_received, params)]
        if isinstance(effect, (OptedIn, EmergencyShown)):
            log.info("event %s", type(effect).__name__)
            return []
        raise TypeError(f"unknown effect {effect!r}")

    # --- render ---------------------------------------------------------------------------------------
    def render(self, replies: list[Reply], locale: str | None, channel: str, revision: int | None = None) \
            -> list[str]:
        """Render replies in the resident's language with a revision's texts (default: the current one)."""
        return self.renderer.render(replies, locale, channel, revision)

    def trouble(self, channel: str) -> list[str]:
        """The bilingual answer when the line cannot process a message right now."""
        return self.renderer.trouble(channel)
