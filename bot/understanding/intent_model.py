"""A small statistical intent model: multinomial naive Bayes over words, word pairs and letter groups.

Trained from bot/understanding/data/intents.tsv, the labelled messages of tests/data/ (the shared corpus and the
sets written for training), once per training data: start-up reads the trained tables from the cache
(model_cache). A second model of the same kind tells opt-outs from everything else. It is only a hint: the engine's
rules decide danger, opt-out and language requests, and ask the model only when they find no meaning.
"""
from __future__ import annotations

import math
from functools import lru_cache
import os
from collections import Counter, defaultdict
from typing import Any, Callable, Iterable

from bot.engine.nlu import words_of

from .evaluation import Example, read_examples
from .model_cache import cached_model

TRAINING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "intents.tsv")
TRAINING_SETS = os.path.join(os.path.dirname(TRAINING), "training_sets.txt")  # the sets TRAINING joins, in order
HINTED = ("greet", "immigration", "tip", "emergency", "help", "other", "stop")  # never a language switch
MIN_MARGIN = 3.0  # log-probability over the runner-up; measured leave-one-set-out: 94 % right, 95 % answered


@lru_cache(maxsize=1024)  # both models score the same message
def features(text: str) -> frozenset[str]:
    """Words, neighbouring word pairs and four-letter groups of the normalised message."""
    words = words_of(text)
    found = set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:])}
    padded = f" {' '.join(words)} "
    found |= {"#" + padded[i:i + 4] for i in range(len(padded) - 3)}
    return frozenset(found)


def training_sets(listing: str = TRAINING_SETS) -> list[str]:
    """The names of the labelled sets under tests/data/ that make up the training data, in their order."""
    with open(listing, encoding="utf-8") as handle:
        return handle.read().split()


def hinted_label(example: Example) -> str | None:
    """The intent model's classes: the hinted intents; other examples are left out."""
    return example.intent if example.intent in HINTED else None


def opt_out_label(example: Example) -> str:
    """The opt-out model's two classes: every example is either an opt-out or not."""
    return "stop" if example.intent == "stop" else "rest"


class IntentModel:
    """Naive Bayes with add-half smoothing; predict() returns the likeliest intent and its margin."""

    def __init__(self, log_prior: dict[str, float], unseen: dict[str, float],
                 log_likelihood: dict[str, dict[str, float]]) -> None:
        self.log_prior = log_prior
        self.unseen = unseen  # a feature never seen with a class
        self.log_likelihood = log_likelihood
        self.vocabulary = set(log_likelihood)
        self._weights: dict[tuple[str, str], dict[str, float]] = {}

    @classmethod
    def train(cls, examples: Iterable[Example], label: Callable[[Example], str | None] = hinted_label) \
            -> "IntentModel":
        """Count features per class over labelled examples (those label() maps to None are left out)."""
        prior: Counter[str] = Counter()
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for example in examples:
            y = label(example)
            if y is not None:
                prior[y] += 1
                counts[y].update(features(example.text))
        size = len(set().union(*counts.values())) if counts else 0
        total = sum(prior.values())
        denominator = {y: sum(c.values()) + 0.5 * size for y, c in counts.items()}
        log_likelihood: dict[str, dict[str, float]] = defaultdict(dict)
        for y, class_counts in counts.items():
            for feature, n in class_counts.items():
                log_likelihood[feature][y] = math.log((n + 0.5) / denominator[y])
        return cls({y: math.log(n / total) for y, n in prior.items()},
                   {y: math.log(0.5 / d) for y, d in denominator.items()}, dict(log_likelihood))

    def table(self) -> dict[str, Any]:
        """Everything the model knows, as plain JSON values (for the cache)."""
        return {"log_prior": self.log_prior, "unseen": self.unseen, "log_likelihood": self.log_likelihood}

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> "IntentModel":
        """The model a table() came from."""
        return cls(table["log_prior"], table["unseen"], table["log_likelihood"])

    def scores(self, text: str) -> dict[str, float]:
        """Log-probability of each intent for the text."""
        found = [self.log_likelihood[f] for f in sorted(features(text)) if f in self.vocabulary]
        return {y: self.log_prior[y] + sum(table.get(y, self.unseen[y]) for table in found) for y in self.log_prior}

    def log_odds(self, text: str, positive: str, negative: str) -> float:
        """scores[positive] - scores[negative], with one precomputed weight per feature (a two-class model's
        whole work: about half the time of scores())."""
        key = (positive, negative)
        weights = self._weights.get(key)
        if weights is None:
            weights = self._weights[key] = {
                f: table.get(positive, self.unseen[positive]) - table.get(negative, self.unseen[negative])
                for f, table in self.log_likelihood.items()}
        return self.log_prior[positive] - self.log_prior[negative] + sum(
            weights[f] for f in features(text) if f in weights)

    def predict(self, text: str) -> tuple[str, float]:
        """(intent, margin in log-probability over the runner-up)."""
        return best(self.scores(text))


def best(scores: dict[str, float]) -> tuple[str, float]:
    """The top-scoring class and its margin over the runner-up."""
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return ranked[0][0], ranked[0][1] - ranked[1][1]


_loaded: dict[str, IntentModel] = {}
_LABELS = {"intent": hinted_label, "opt-out": opt_out_label}


def load(cache_dir: str | None = None) -> None:
    """Make both models ready: read from the cache when it holds them for this training data and this feature
    code (model_cache), else train (about a second) and save them there."""
    for name, label in _LABELS.items():
        if name not in _loaded:
            _loaded[name] = cached_model(name, lambda label=label: IntentModel.train(read_examples(TRAINING), label),
                                         IntentModel.from_table, cache_dir)


def model() -> IntentModel:
    """The process's intent model (loaded or trained once)."""
    if "intent" not in _loaded:
        load()
    return _loaded["intent"]


def opt_out_model() -> IntentModel:
    """The opt-out second opinion: the same naive Bayes, trained on opt-outs against every other message."""
    if "opt-out" not in _loaded:
        load()
    return _loaded["opt-out"]


def opt_out_margin(text: str) -> float:
    """How much likelier the opt-out model finds an opt-out than anything else (log-probability; 0.0 without
    words). The rules alone opt anyone out; a high margin only makes the line ask (nlu.MODEL_MAYBE_STOP)."""
    if not words_of(text):
        return 0.0
    return opt_out_model().log_odds(text, "stop", "rest")


def guess(text: str, min_margin: float = MIN_MARGIN) -> tuple[str | None, float]:
    """(intent, margin) for a message; (None, 0.0) when it has no words to go on or is not sure."""
    if not words_of(text):
        return None, 0.0
    intent, margin = model().predict(text)
    return (intent, margin) if margin >= min_margin else (None, 0.0)


def intent_hint(text: str, min_margin: float = MIN_MARGIN) -> str | None:
    """The model's intent for a message, or None when it has no words to go on or is not sure."""
    return guess(text, min_margin)[0]
