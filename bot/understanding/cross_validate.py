"""Cross-validation over the labelled sets (`flask --app wsgi nlu cross-validate`, about 15 minutes): how the line does
on messages whose writers its models never read.

The sets written blind (data/training_sets.txt after the first WRITTEN_FOR_TRAINING) are dealt into folds, every
n-th set in one. For each fold, both naive Bayes models, the meaning head and its memory are trained on every other
labelled message (exact copies of the fold's texts left out) and put in this process's place, and the fold is
measured through the line's own code: as first messages (`nlu evaluate`) and, for emergencies and past crimes, as
interview answers (`--state interview`). The process's own models are put back afterwards.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from bot.engine import Flow

from . import intent_model, meaning, models
from .evaluation import Example, Report, evaluate, read_examples
from .in_conversation import InConversation, evaluate_in
from .intent_model import HINTED, IntentModel, hinted_label, opt_out_label, training_sets

FOLDS = 5
WRITTEN_FOR_TRAINING = 17  # the corpus and the sets written as training data (train_a ... train_l): never measured
SETS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tests", "data")


def folds_of(blind: Sequence[str], folds: int = FOLDS) -> list[list[str]]:
    """Every folds-th set in one fold."""
    return [list(blind[k::folds]) for k in range(folds)]


def cross_validate(flow: Flow, names: Sequence[str] | None = None, sets_dir: str = SETS, folds: int = FOLDS,
                   written_for_training: int = WRITTEN_FOR_TRAINING,
                   progress: Callable[[str], None] = lambda line: None) -> tuple[Report, InConversation]:
    """(first messages, interview answers) over every blind set, each measured by models not trained on its fold."""
    names = list(names or training_sets())
    sets = {name: read_examples(os.path.join(sets_dir, f"{name}.tsv")) for name in names}
    texts = sorted({e.text for examples in sets.values() for e in examples})
    vectors = dict(zip(texts, meaning.embed(texts)))
    first, interview = Report(), InConversation("interview")
    saved = dict(intent_model._loaded), meaning.head, meaning.memory
    try:
        for k, held_out in enumerate(folds_of(names[written_for_training:], folds)):
            measured = [e for name in held_out for e in sets[name]]
            seen = {e.text for e in measured}
            _install([e for name in names if name not in held_out for e in sets[name] if e.text not in seen], vectors)
            _add(first, evaluate(measured, models.classify))
            _add(interview, evaluate_in(flow, measured, "interview", models.hints, models.intent_only))
            progress(f"fold {k + 1} of {folds}: {', '.join(held_out)}")
    finally:
        intent_model._loaded.clear()
        intent_model._loaded.update(saved[0])
        meaning.head, meaning.memory = saved[1], saved[2]
        _forget()
    return first, interview


def _install(training: Sequence[Example], vectors: dict[str, Any]) -> None:
    """Put models trained on these examples in the process's place (naive Bayes, head and memory)."""
    # imported here, not at the top: the app imports the CLI, which imports this module, and
    # `python -m bot.understanding.train_meaning` would find itself imported before it runs
    from .train_meaning import fit
    intent_model._loaded["intent"] = IntentModel.train(training, hinted_label)
    intent_model._loaded["opt-out"] = IntentModel.train(training, opt_out_label)
    hinted = [e for e in training if e.intent in HINTED]
    rows = [vectors[e.text] for e in hinted]
    classes, weights, bias = fit(rows, [e.intent for e in hinted])
    head = meaning.MeaningHead(classes, weights, bias)
    memory = meaning.MeaningMemory(classes, rows, [classes.index(e.intent) for e in hinted])
    meaning.head, meaning.memory = (lambda: head), (lambda: memory)
    _forget()


def _forget() -> None:
    meaning.meaning_log_probs.cache_clear()
    models.guess.cache_clear()


def _add(total: Any, part: Any) -> None:
    """Add one fold's counts (and lists of misses) to the totals."""
    for name, value in vars(part).items():
        if isinstance(value, int) and not isinstance(value, bool):
            setattr(total, name, getattr(total, name) + value)
        elif isinstance(value, list):
            getattr(total, name).extend(value)
