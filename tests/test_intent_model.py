"""The naive Bayes intent model: trained from bot/understanding/data/intents.tsv, asked only when the rules find nothing."""
from __future__ import annotations

import os

import pytest

from bot.understanding.evaluation import evaluate, read_examples
from bot.understanding.intent_model import HINTED, TRAINING, IntentModel, intent_hint, model

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
TRAINED_ON = ["messages", "heldout", "unseen", "blind", "final", "fresh", "train_a", "train_b", "train_c", "train_d",
              "train_e", "train_f", "train_g", "train_h", "train_i", "train_j", "train_l"]


def test_training_file_is_the_labelled_sets_in_order():
    expected = [e for name in TRAINED_ON for e in read_examples(os.path.join(DATA, f"{name}.tsv"))]
    assert read_examples(TRAINING) == expected


def test_the_model_knows_opt_outs_but_never_hints_a_language_switch():
    """It has a class for opt-outs so that it does not force them into another (it once read "STOP por favor ya no
    quiero" as an emergency); the engine never opts anyone out on its hint (test_nlu)."""
    assert set(model().log_prior) == set(HINTED) and "stop" in HINTED
    assert intent_hint("STOP por favor ya no quiero") == "stop"
    assert intent_hint("english please") not in ("lang_en", "lang_es")


@pytest.mark.parametrize("text, intent", [
    ("a guy keeps trying car door handles down the street", "tip"),
    ("buenas tardes, me dieron este numero en la iglesia", "greet"),
    ("hola amigo", "greet"),
])
def test_the_model_hints_an_intent_for_ordinary_messages(text, intent):
    assert intent_hint(text) == intent


@pytest.mark.parametrize("text", ["{{7*7}} %{code} ${x}", "<script></script>", "", "😀"])
def test_no_hint_without_words_or_without_a_clear_margin(text):
    assert intent_hint(text) is None


# Measured: 0.83 (train_f, greetings and look-alikes) to 0.98; the floor sits under the weakest set. train_l, plain
# interview answers (descriptions, places, times), is what the other sets lack: held out, 0.69.
@pytest.mark.parametrize("held_out", TRAINED_ON[1:])
def test_left_out_sets_are_mostly_right(held_out):
    """Trained without one set, the model alone still gets most of that set right (what new phrasing gets)."""
    trained = IntentModel.train(e for name in TRAINED_ON if name != held_out
                          for e in read_examples(os.path.join(DATA, f"{name}.tsv")))
    examples = [e for e in read_examples(os.path.join(DATA, f"{held_out}.tsv")) if e.intent in HINTED]
    report = evaluate(examples, lambda text: ("en", trained.predict(text)[0]))
    assert report.intent_accuracy >= (0.65 if held_out == "train_l" else 0.80), "\n".join(report.lines()[:7])



@pytest.mark.parametrize("text, wants_out", [
    ("no deseo recibir mas notificaciones de este numero", True),
    ("please take my number off your list", True),
    ("me robaron la bicicleta afuera de la tienda", False),
    ("hola buenas tardes", False),
    ("si llamo al 911 me van a pedir papeles?", False),
])
def test_the_opt_out_model_tells_opt_outs_from_everything_else(text, wants_out):
    from bot.engine.nlu import MODEL_MAYBE_STOP
    from bot.understanding.intent_model import opt_out_margin
    assert (opt_out_margin(text) >= MODEL_MAYBE_STOP) is wants_out


def test_the_opt_out_model_has_nothing_to_say_without_words():
    from bot.understanding.intent_model import opt_out_margin
    assert opt_out_margin("👍") == 0.0 and opt_out_margin("") == 0.0
