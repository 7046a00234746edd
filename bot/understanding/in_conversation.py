"""How the line answers labelled messages sent in the middle of a conversation: at the menu, or as the answer to
the interview's first question. Danger now must get the call-911 guidance there too, and past crimes must not."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from bot.engine import EmergencyShown, Flow, Inbound, advance
from bot.engine.engine import start

from .evaluation import Example

Hints = Callable[[str], tuple[str | None, str | None, float]]
STATES = ("menu", "interview")
NOW = 1_800_000_000.0


@dataclass
class InConversation:
    """Emergencies answered with the 911 guidance, and past crimes that got it anyway."""

    where: str
    emergencies: int = 0
    shown: int = 0
    tips: int = 0
    false_alarms: int = 0
    missed: list[str] = field(default_factory=list)
    alarmed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of emergencies that got the 911 guidance."""
        return self.shown / self.emergencies if self.emergencies else 1.0

    @property
    def false_alarm_rate(self) -> float:
        """Share of non-urgent reports that got it."""
        return self.false_alarms / self.tips if self.tips else 0.0

    def lines(self) -> list[str]:
        """The report as printable lines."""
        out = [f"state: {self.where}",
               f"emergency recall: {self.recall:.1%} ({self.shown}/{self.emergencies})",
               f"false alarms on tips: {self.false_alarm_rate:.1%} ({self.false_alarms}/{self.tips})"]
        out += [f"  missed emergency: {text}" for text in self.missed]
        out += [f"  false alarm: {text}" for text in self.alarmed]
        return out


def evaluate_in(flow: Flow, examples: Iterable[Example], where: str, hints: Hints,
                intent_hint: Hints | None = None) -> InConversation:
    """Send each emergency and each tip as the next message of a conversation waiting at the menu or at the
    interview's first question, in the example's language, as the webhook would: every hint at the menu, only
    the intent model's in an answer (intent_hint; without it, none)."""
    node = {"menu": flow.menu_node, "interview": flow.intents.get("tip")}[where]
    report = InConversation(where)
    for example in examples:
        if example.intent not in ("emergency", "tip"):
            continue
        state = start(flow, NOW, locale=example.reply_lang).with_(node=node)
        language, intent, margin = hints(example.text) if where == "menu" else \
            intent_hint(example.text) if intent_hint else (None, None, 0.0)
        outcome = advance(flow, state, Inbound(example.text, fresh_code="K7QF-3MZP", language_hint=language,
                                               intent_hint=intent, intent_confidence=margin), NOW + 60)
        shown = any(isinstance(e, EmergencyShown) for e in outcome.effects) or \
            flow.messages.emergency in {reply.key for reply in outcome.replies}
        if example.intent == "emergency":
            report.emergencies += 1
            report.shown += shown
            if not shown:
                report.missed.append(example.text)
        else:
            report.tips += 1
            report.false_alarms += shown
            if shown:
                report.alarmed.append(example.text)
    return report
