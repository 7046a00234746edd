"""The safety gate before publishing a conversation: replay every labelled message through the engine with the
draft flow and with the published one, and refuse the draft if fewer emergencies would get the call-911
guidance (first message, menu or mid-interview) or if anyone who did not ask to stop would be opted out.

A coordinator's change to the flow's keyword lists (its emergency words and phrases, its stop words) and to its local
vocabulary (stop phrases, immigration words, slang, streets: `Keywords.local`, which the engine hands to nlu and the
models read through nlu.model_text) is what this guards: any such change makes the draft's Flow differ from the
published one, and it is replayed. A change of texts alone leaves the flow's decisions as they were, and is not."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from bot.engine import EmergencyShown, Flow, Inbound, OptedOut, advance, nlu
from bot.engine.engine import start

from .evaluation import Example, read_examples
from .meaning import REMEMBERED
from .models import hints, intent_only, stop_hint

_HERE = os.path.dirname(os.path.abspath(__file__))
# Every labelled set: the training data shipped with the package, and the evaluation sets when they are present
# (a checkout; the Docker image copies them too).
LABELLED = (os.path.join(_HERE, "data", "*.tsv"),
            os.path.join(os.path.dirname(os.path.dirname(_HERE)), "tests", "data", "*.tsv"))
STATES = ("first message", "menu", "interview")
NOW = 1_800_000_000.0
SHOWN_EXAMPLES = 3


@dataclass(frozen=True)
class SafetyFigures:
    """What one flow does with the labelled messages: emergencies missed per state, and false opt-outs."""

    emergencies: int
    missed: dict[str, frozenset[str]]
    others: int
    opted_out: frozenset[str] = field(default_factory=frozenset)

    def recall(self, state: str) -> float:
        """Share of emergencies given the 911 guidance in a state."""
        return 1 - len(self.missed[state]) / self.emergencies if self.emergencies else 1.0


@lru_cache(maxsize=1)
def labelled_examples() -> tuple[Example, ...]:
    """Every labelled message once (the first label wins when sets repeat a text)."""
    seen: dict[str, Example] = {}
    for pattern in LABELLED:
        for path in sorted(glob.glob(pattern)):
            for example in read_examples(path):
                seen.setdefault(example.text, example)
    return tuple(seen.values())


@lru_cache(maxsize=REMEMBERED)
def _hints(text: str, full: bool) -> tuple[str | None, str | None, float, float]:
    language, intent, margin = hints(text) if full else intent_only(text)
    return language, intent, margin, stop_hint(text) if full else 0.0


def _outcome(flow: Flow, example: Example, where: str):
    state = None if where == "first message" else start(flow, NOW, locale=example.reply_lang).with_(
        node=flow.menu_node if where == "menu" else flow.intents.get("tip"))
    language, intent, margin, stop = _hints(nlu.model_text(example.text, flow.keywords.local), where != "interview")
    return advance(flow, state, Inbound(example.text, fresh_code="K7QF-3MZP", language_hint=language,
                                        intent_hint=intent, intent_confidence=margin, stop_confidence=stop), NOW + 60)


def safety_figures(flow: Flow, examples: Iterable[Example] | None = None) -> SafetyFigures:
    """Replay the labelled messages through the engine with this flow, as the webhook would."""
    examples = labelled_examples() if examples is None else tuple(examples)
    missed: dict[str, set[str]] = {where: set() for where in STATES}
    opted_out: set[str] = set()
    emergencies = others = 0
    for example in examples:
        if example.intent == "emergency":
            emergencies += 1
            for where in STATES:
                outcome = _outcome(flow, example, where)
                if not any(isinstance(e, EmergencyShown) for e in outcome.effects) and \
                        flow.messages.emergency not in {r.key for r in outcome.replies}:
                    missed[where].add(example.text)
        elif example.intent != "stop":
            others += 1
            if any(isinstance(e, OptedOut) for e in _outcome(flow, example, "first message").effects):
                opted_out.add(example.text)
    return SafetyFigures(emergencies, {w: frozenset(m) for w, m in missed.items()}, others, frozenset(opted_out))


@dataclass(frozen=True)
class Regression:
    """One way the draft is less safe: emergencies lost in a state ("missed"), or false opt-outs ("opted_out")."""

    kind: str
    count: int
    examples: tuple[str, ...]
    where: str = ""
    before: float = 0.0
    after: float = 0.0

    def __str__(self) -> str:
        shown = "; ".join(repr(t) for t in self.examples)
        if self.kind == "missed":
            return (f"{self.count} emergencies would no longer get the call-911 guidance ({self.where}: recall "
                    f"{self.before:.1%} -> {self.after:.1%}), e.g. {shown}")
        return f"{self.count} messages that are not opt-outs would stop all messages to the resident, e.g. {shown}"


def regressions(published: SafetyFigures, draft: SafetyFigures) -> list[Regression]:
    """Why the draft must not be published (empty when it is as safe as the published flow), with examples."""
    found = []
    for where in STATES:
        lost = sorted(draft.missed[where] - published.missed[where])
        if lost:
            found.append(Regression("missed", len(lost), tuple(lost[:SHOWN_EXAMPLES]), where,
                                    published.recall(where), draft.recall(where)))
    new_stops = sorted(draft.opted_out - published.opted_out)
    if new_stops:
        found.append(Regression("opted_out", len(new_stops), tuple(new_stops[:SHOWN_EXAMPLES])))
    return found
