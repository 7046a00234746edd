"""Measure the line's understanding on labelled messages (TSV: reply_lang, intent, text)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Callable, Iterable

from bot.engine.nlu import MAYBE_STOP  # the line asks whether to stop: an opt-out caught, not one made

Classifier = Callable[[str], tuple[str, str]]
COLUMNS = ("reply_lang", "intent", "text")


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    reply_lang: str
    intent: str
    text: str


@dataclass
class Report:
    """Accuracy figures and the lines the classifier got wrong."""

    total: int = 0
    language_right: int = 0
    intent_right: int = 0
    emergencies: int = 0
    emergencies_found: int = 0
    stops_predicted: int = 0
    stops_right: int = 0
    stops: int = 0
    stops_asked: int = 0      # opt-outs the line asked about ("Reply STOP"): caught, but not opted out
    asked_wrongly: int = 0    # other messages it asked about
    misses: list[tuple[Example, str, str]] = field(default_factory=list)

    @property
    def language_accuracy(self) -> float:
        """Share of messages answered in the right language."""
        return self.language_right / self.total if self.total else 0.0

    @property
    def intent_accuracy(self) -> float:
        """Share of messages given the right intent."""
        return self.intent_right / self.total if self.total else 0.0

    @property
    def emergency_recall(self) -> float:
        """Share of real emergencies recognised as emergencies."""
        return self.emergencies_found / self.emergencies if self.emergencies else 1.0

    @property
    def stop_precision(self) -> float:
        """Share of messages taken as STOP that really were opt-outs."""
        return self.stops_right / self.stops_predicted if self.stops_predicted else 1.0

    @property
    def stop_recall(self) -> float:
        """Share of real opt-outs caught: taken as STOP, or asked about (the resident then replies STOP)."""
        return (self.stops_right + self.stops_asked) / self.stops if self.stops else 1.0

    def lines(self) -> list[str]:
        """The report as printable lines."""
        out = [f"messages: {self.total}",
               f"language accuracy: {self.language_accuracy:.1%} ({self.language_right}/{self.total})",
               f"intent accuracy: {self.intent_accuracy:.1%} ({self.intent_right}/{self.total})",
               f"emergency recall: {self.emergency_recall:.1%} ({self.emergencies_found}/{self.emergencies})",
               f"stop precision: {self.stop_precision:.1%} ({self.stops_right}/{self.stops_predicted})",
               f"stop recall: {self.stop_recall:.1%} ({self.stops_right + self.stops_asked}/{self.stops})"]
        if self.stops_asked or self.asked_wrongly:
            out.append(f"asked whether to stop: {self.stops_asked} opt-outs (counted as caught), "
                       f"{self.asked_wrongly} other messages")
        out += [f"misclassified: {len(self.misses)}"]
        for example, lang, intent in self.misses:
            out.append(f"  expected {example.reply_lang}/{example.intent}, got {lang}/{intent}: {example.text}")
        return out


def read_examples(path: str) -> list[Example]:
    """Read a labelled TSV file with the columns reply_lang, intent, text."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        return [Example(row["reply_lang"], row["intent"], row["text"]) for row in reader]


def evaluate(examples: Iterable[Example], classify: Classifier) -> Report:
    """Classify every example and count what came out right."""
    report = Report()
    for example in examples:
        lang, intent = classify(example.text)
        asked = intent == MAYBE_STOP
        if asked and example.intent == "stop":
            intent = "stop"  # the right handling of an opt-out the rules were not sure of
            report.stops_asked += 1
        elif asked:
            report.asked_wrongly += 1
        report.total += 1
        report.language_right += lang == example.reply_lang
        report.intent_right += intent == example.intent
        if example.intent == "emergency":
            report.emergencies += 1
            report.emergencies_found += intent == "emergency"
        report.stops += example.intent == "stop"
        if intent == "stop" and not asked:
            report.stops_predicted += 1
            report.stops_right += example.intent == "stop"
        if lang != example.reply_lang or intent != example.intent:
            report.misses.append((example, lang, intent))
    return report
