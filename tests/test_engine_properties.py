"""Random conversations (Hypothesis state machine) against the engine's invariants."""
from __future__ import annotations

import itertools
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bot.engine import EmergencyShown, Inbound, OptedOut, State, SubmitTip, advance
from bot.engine.steps import NODE_TYPES
from bot.flows import i18n, sms
from bot.flows.files import load_flow_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOW = load_flow_file(os.path.join(ROOT, "flows", "main.yml"))
i18n.configure(os.path.join(ROOT, "translations"))

MESSAGES = st.sampled_from([
    "hola", "hello", "1", "2", "3", "4", "9", "", "   ", "skip", "saltar", "STOP", "parar", "START", "HELP",
    "ayuda", "MENU", "ESPAÑOL", "english", "911", "estan disparando ahorita", "he had a gun last Tuesday",
    "me robaron la cartera", "Main y 5", "ayer", "no", "para mi hermano", "K7QF-3MZP el carro era rojo",
    "la policia pregunta si tengo papeles?", "😀", "{{7*7}} %{code} ${x}", "<b>x</b>", "ok", "Stop texting me",
]) | st.text(max_size=40)


class Conversation(RuleBasedStateMachine):
    """One resident texting whatever, whenever; the engine must stay in states its flow can represent."""

    def __init__(self) -> None:
        super().__init__()
        self.state: State | None = None
        self.now = 1_800_000_000.0
        self.outcome = None
        self.codes = itertools.count(1)

    @rule(text=MESSAGES, wait=st.sampled_from([0, 30, 3600, 90_000]))
    def text_the_line(self, text: str, wait: int) -> None:
        self.now += wait
        was_opted_out = bool(self.state and self.state.opted_out)
        self.outcome = advance(FLOW, self.state, Inbound(text, fresh_code=f"CODE-{next(self.codes)}"), self.now)
        out = self.outcome
        if out.silent:
            assert was_opted_out and not out.replies and not out.effects
        else:
            assert out.replies or out.effects, f"{text!r} got neither an answer nor an effect"
        if any(isinstance(e, OptedOut) for e in out.effects):
            assert out.state.opted_out
        if any(isinstance(e, EmergencyShown) for e in out.effects):
            assert "flows.emergency" in [r.key for r in out.replies]
        for effect in out.effects:
            if isinstance(effect, SubmitTip):
                assert [name for name, _ in effect.answers] == ["what", "where", "when", "who", "hurt"]
        self.state = out.state

    @invariant()
    def state_is_one_the_flow_can_represent(self) -> None:
        if self.state is None:
            return
        assert self.state.locale in (None, "en", "es")
        assert self.state.updated_at == self.now
        if self.state.node is not None:
            node = FLOW.nodes[self.state.node]
            assert NODE_TYPES[node.type].receive is not None, f"waiting at {node.id}, which cannot receive"
        if self.state.opted_out:
            assert self.state.node is None and self.state.answers == ()

    @invariant()
    def every_reply_renders_in_sms_sized_messages(self) -> None:
        if self.outcome is None:
            return
        locales = (self.outcome.state.locale,) if self.outcome.state.locale else ("es", "en")
        for reply in self.outcome.replies:
            for locale in locales:
                text = i18n.render(reply, locale, NOTICE)
                assert text and sms.segments(text) <= sms.MAX_SEGMENTS


NOTICE = {"conversation_hours": "24", "followup_hours": "72", "tip_days": "365", "dedupe_days": "14"}
Conversation.TestCase.settings = settings(max_examples=150, stateful_step_count=25, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestConversation = Conversation.TestCase
