"""Benchmark: time to classify one message (language + intent), against plain normalisation, same run.

    .venv/bin/python bench/nlu.py [--rounds 20]

Uses every message of tests/data/*.tsv. The baseline is bot.engine.matching.normalise alone (the least
work any classifier must do); the figures are the line's own path (`flask nlu classify` = the webhook's
code: the vocabulary rules plus the language and intent models), and the rules alone. Models load before timing;
the per-text caches are emptied before every round, so each message is classified from scratch.
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
from bot.understanding.models import classify, load_models  # noqa: E402


def per_message_us(function, texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        forget()  # no round profits from texts it has already seen
        features.cache_clear()
        started = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - started)
    return best / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    texts = [e.text for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.tsv")))
             for e in read_examples(path)]
    started = time.perf_counter()
    load_models()
    load = time.perf_counter() - started
    base = per_message_us(normalise, texts, args.rounds)
    rules = per_message_us(understand, texts, args.rounds)
    full = per_message_us(classify, texts, args.rounds)
    print(f"{len(texts)} messages, best of {args.rounds} rounds; models load and train in {load * 1000:.0f} ms (once)")
    print(f"baseline normalise():           {base:8.1f} µs/message")
    print(f"rules (engine nlu.understand):  {rules:8.1f} µs/message   ratio {rules / base:5.1f}x")
    print(f"classify (rules + both models):  {full:8.1f} µs/message   ratio {full / base:5.1f}x")


if __name__ == "__main__":
    main()
