"""The models around the rules: naive Bayes first, joined with the meaning model when naive Bayes is unsure."""
from __future__ import annotations

import pytest

from bot.engine import nlu
from bot.understanding import intent_model, models
from bot.understanding.intent_model import model


@pytest.fixture
def meaning_says(monkeypatch):
    """Replace the meaning model's opinion; records which messages it was asked about."""
    asked: list[str] = []

    def install(opinion: dict[str, float] | None):
        def fake(text: str):
            asked.append(text)
            return opinion
        monkeypatch.setattr(models, "meaning_log_probs", fake)
        models.guess.cache_clear()
        return asked
    yield install
    models.guess.cache_clear()


def _nb(text: str) -> tuple[str, float]:
    return model().predict(text)


SURE = {"emergency": -30.0, "greet": -30.0, "help": -30.0, "immigration": -30.0, "other": 0.0, "stop": -30.0,
        "tip": -30.0}


def test_a_message_naive_bayes_is_sure_of_never_pays_for_the_meaning_model(meaning_says):
    text = "me robaron la bicicleta ayer en la tarde afuera de la tienda de la esquina"
    assert _nb(text)[1] >= models.MEANING_BELOW
    asked = meaning_says(SURE)
    assert models.guess(text) == _nb(text) and asked == []


def test_an_unsure_message_is_decided_by_both(meaning_says):
    text = "what can you do for me and my family"
    assert _nb(text)[1] < models.MEANING_BELOW
    asked = meaning_says(SURE)
    assert models.guess(text)[0] == "other" and asked == [text]


def test_the_meaning_model_may_add_danger(meaning_says):
    text = "what can you do for me and my family"
    meaning_says({**SURE, "other": -30.0, "emergency": 0.0})
    intent, margin = models.guess(text)
    assert intent == "emergency" and margin >= 10


def test_a_meaning_model_that_only_leans_elsewhere_does_not_take_danger_away(meaning_says):
    text = "guy at the bar pulled a gun and everyone is running"
    intent, margin = _nb(text)
    assert intent == "emergency" and intent_model.MIN_MARGIN <= margin < models.MEANING_BELOW
    leaning = {**SURE, "emergency": -2.0, "tip": 0.0}  # joint margin under MEANING_OVERRULES_DANGER
    asked = meaning_says(leaning)
    assert models.guess(text) == (intent, margin) and asked == [text]


@pytest.mark.parametrize("text", ["guy at the bar pulled a gun and everyone is running",
                                  "silver minivan with a dent in the back door"])
def test_a_meaning_model_sure_of_something_else_outweighs_naive_bayess_unsure_danger(meaning_says, text):
    """Naive Bayes reads danger into bare places and descriptions; the joint reading decides when it is sure."""
    intent, margin = _nb(text)
    assert intent == "emergency" and margin < models.MEANING_BELOW
    meaning_says({**SURE, "tip": 0.0, "other": -30.0})
    intent, margin = models.guess(text)
    assert intent == "tip" and margin >= models.MEANING_OVERRULES_DANGER


@pytest.mark.parametrize("text", ["7", "hurry", "en casa", "no se", "gorra roja"])
def test_fragments_of_fewer_than_three_words_are_left_to_naive_bayes(meaning_says, text):
    """e5 reads sentences; one or two words are naive Bayes's (models.MEANING_MIN_WORDS): e5 adds no danger to them."""
    meaning_says({**SURE, "other": -30.0, "emergency": 0.0})
    assert models.guess(text) == intent_model.guess(text)


@pytest.mark.parametrize("text", ["hurry", "no se"])
def test_but_naive_bayess_unsure_danger_in_a_fragment_is_checked_by_the_meaning_model(meaning_says, text):
    intent, margin = _nb(text)
    assert intent == "emergency" and margin < models.MEANING_BELOW
    asked = meaning_says(SURE)
    assert models.guess(text)[0] == "other" and asked == [text]


@pytest.mark.parametrize("text", ["7", "en casa", "gorra roja"])
def test_and_only_that(meaning_says, text):
    asked = meaning_says(SURE)
    assert models.guess(text) == intent_model.guess(text) and asked == []


@pytest.mark.parametrize("text", ["what can you do for me and my family",
                                  "shots fired right now near the elementary school",
                                  "hola buenas tardes a todos", "ok"])
def test_without_the_meaning_model_naive_bayes_decides_alone(meaning_says, text):
    meaning_says(None)
    assert models.guess(text) == intent_model.guess(text)


def test_no_words_no_opinion(meaning_says):
    asked = meaning_says(SURE)
    assert models.guess("!!! ???") == (None, 0.0) and asked == []


# --- the opt-out margin: naive Bayes's, raised to the asking threshold when the meaning model reads an opt-out ----

OPT_OUT = {**SURE, "other": -30.0, "stop": 0.0}
QUESTION = {**SURE, "other": -30.0, "help": 0.0}


def test_an_opt_out_naive_bayes_only_half_hears_makes_the_line_ask(meaning_says, monkeypatch):
    monkeypatch.setattr(models, "opt_out_margin", lambda text: 2.0)  # above ASK_MEANING_ABOVE, below asking
    asked = meaning_says(OPT_OUT)
    assert models.stop_hint("lose my number") == nlu.MODEL_MAYBE_STOP and asked == ["lose my number"]


def test_the_meaning_model_is_not_asked_when_naive_bayes_is_sure_of_no_opt_out(meaning_says, monkeypatch):
    monkeypatch.setattr(models, "opt_out_margin", lambda text: -40.0)
    asked = meaning_says(OPT_OUT)
    assert models.stop_hint("whatever it says") == -40.0 and asked == []


def test_nor_when_naive_bayes_and_the_intent_model_both_hear_an_opt_out(meaning_says, monkeypatch):
    monkeypatch.setattr(models, "opt_out_margin", lambda text: 25.0)
    monkeypatch.setattr(models, "_guess", lambda text: ("stop", 40.0))
    asked = meaning_says(QUESTION)
    assert models.stop_hint("whatever it says") == 25.0 and asked == []


@pytest.mark.parametrize("opinion", [SURE, {**SURE, "stop": -0.5}, None])  # something else, not sure, no model
def test_otherwise_the_opt_out_margin_is_naive_bayess(meaning_says, monkeypatch, opinion):
    monkeypatch.setattr(models, "opt_out_margin", lambda text: 2.0)
    meaning_says(opinion)
    assert models.stop_hint("get me off this thing") == 2.0


def test_an_opt_out_only_naive_bayess_opt_out_model_hears_in_a_question_about_the_line_is_not_asked(meaning_says,
                                                                                                   monkeypatch):
    """ "who reads these texts?": the opt-out model hears "these texts", the intent and meaning models a question."""
    monkeypatch.setattr(models, "opt_out_margin", lambda text: 15.0)
    monkeypatch.setattr(models, "_guess", lambda text: ("help", 40.0))
    asked = meaning_says(QUESTION)
    assert models.stop_hint("who reads these texts?") == 0.0 and asked == ["who reads these texts?"]


@pytest.mark.parametrize("intent, opinion", [
    ("stop", QUESTION),                                                 # the intent model hears an opt-out too
    (None, QUESTION),                                                   # the intent model is not sure
    ("help", {**QUESTION, "stop": -models.MEANING_NOT_STOP_MARGIN + 0.5}),  # the meaning model is not sure enough
    ("help", OPT_OUT),                                                  # the meaning model hears an opt-out
    ("help", None),                                                     # no meaning model here
])
def test_otherwise_the_opt_out_model_makes_the_line_ask(meaning_says, monkeypatch, intent, opinion):
    monkeypatch.setattr(models, "opt_out_margin", lambda text: 15.0)
    monkeypatch.setattr(models, "_guess", lambda text: (intent, 40.0))
    meaning_says(opinion)
    assert models.stop_hint("please remove these texts") == 15.0


def test_a_sense_of_danger_that_comes_only_from_the_word_911_in_a_question_about_it_is_not_kept(monkeypatch):
    """Both models once learnt "911" from real emergencies (trained on every labelled set since session 10, they no
    longer read this question as one, so the models' danger here is stood in for)."""
    asked: list[str] = []

    def models_read(text: str) -> tuple[str, float]:
        asked.append(text)
        return ("emergency", 20.0) if "911" in text else ("help", 9.0)
    monkeypatch.setattr(models, "_guess", models_read)
    models.guess.cache_clear()
    text = "la ultima vez que llame al 911 me colgaron porque no entendian mi ingles, hay otra forma?"
    assert models.guess(text) == ("help", 9.0)
    assert len(asked) == 2 and "911" not in asked[1]
    models.guess.cache_clear()


def test_a_sense_of_danger_that_comes_only_from_calling_911_in_a_joke_about_it_is_not_kept(monkeypatch):
    """ "my daughter is learning to call 911 at school lol": the models are asked again without 911 and without the
    verb of calling it, as the rules read the rest of such a message (cross-validated, this joke had the emergency
    script)."""
    asked: list[str] = []

    def models_read(text: str) -> tuple[str, float]:
        asked.append(text)
        return ("emergency", 20.0) if "911" in text or "call" in text.split() else ("other", 9.0)
    monkeypatch.setattr(models, "_guess", models_read)
    models.guess.cache_clear()
    assert models.guess("my daughter is learning to call 911 at school lol") == ("other", 9.0)
    assert asked[1] == "my daughter is learning to at school lol"
    models.guess.cache_clear()


def test_danger_the_models_read_only_in_what_a_question_about_911_supposes_is_not_kept(monkeypatch):
    """"si veo a alguien con pistola ..." only supposes the gun: the models are asked about what is said outside it."""
    asked: list[str] = []

    def models_read(text: str) -> tuple[str, float]:
        asked.append(text)
        return ("emergency", 20.0) if "pistola" in text or "911" in text else ("help", 9.0)
    monkeypatch.setattr(models, "_guess", models_read)
    models.guess.cache_clear()
    text = "si veo a alguien con pistola en la calle es para el 911 o para aqui?"
    assert models.guess(text) == ("help", 9.0)
    assert "pistola" not in asked[1] and "911" not in asked[1]
    models.guess.cache_clear()


def test_danger_the_models_still_see_without_the_word_911_is_kept():
    text = "he is choking and not breathing, 911 says they are coming, what do i do?"
    assert models.guess(text)[0] == "emergency"
