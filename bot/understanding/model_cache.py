"""Trained models kept on disk as JSON, keyed by a hash of their training data and of the code that turns text
into features, so a process starts by reading (~50 ms) instead of training (~1 s), and a change to either
retrains. Never pickle: a cache file is data, not code."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from typing import Any, Callable, Protocol, TypeVar


class Tabled(Protocol):
    """A model that can be written as plain JSON values."""

    def table(self) -> dict[str, Any]:
        """Everything the model knows."""


Model = TypeVar("Model", bound=Tabled)

_HERE = os.path.dirname(os.path.abspath(__file__))
_ENGINE = os.path.join(os.path.dirname(_HERE), "engine")
# What a trained model depends on: its data, and the normalisation and features of the text.
SOURCES = (os.path.join(_HERE, "data", "intents.tsv"), os.path.join(_HERE, "intent_model.py"),
           os.path.join(_ENGINE, "nlu.py"), os.path.join(_ENGINE, "lexicon.py"), os.path.join(_ENGINE, "matching.py"))
log = logging.getLogger("linea.models")


def training_key(sources: tuple[str, ...] = SOURCES) -> str:
    """The SHA-256 of the training data and the feature code, in order."""
    digest = hashlib.sha256()
    for path in sources:
        with open(path, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def cached_model(name: str, train: Callable[[], Model], from_table: Callable[[dict[str, Any]], Model],
                 cache_dir: str | None) -> Model:
    """The model from cache_dir if it holds one for this training key (from_table), else train() it and save its
    table() there (without a cache_dir, or if the directory cannot be written, just train)."""
    if not cache_dir:
        return train()
    path = os.path.join(cache_dir, f"{name}-{training_key()[:32]}.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return from_table(json.load(handle))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("the cached %s model could not be read; training it again", name)
    model = train()
    try:
        os.makedirs(cache_dir, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=cache_dir, prefix=f".{name}-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(model.table(), handle)
        os.replace(temporary, path)  # whole or not at all, even with several processes starting at once
    except OSError as exc:
        log.warning("the trained %s model could not be cached in %s (%s); each start trains it", name, cache_dir,
                    exc.__class__.__name__)
    return model
