"""The checks of an alert's texts: the safety lint (an alert never asks about status or papers; it may say that
police never ask), both languages, and the length."""
from __future__ import annotations

import pytest

from bot.broadcasts.compose import asks_for_status, check_texts

OK_EN = "Robberies of people waiting at food lines near 24th and Quincy; report safely, police never ask status."
OK_ES = "Robos a personas en la fila de comida cerca de la 24 y Quincy. Denuncie sin miedo: la policía nunca pregunta su estatus."


@pytest.mark.parametrize("text, term", [
    (OK_EN, None),
    (OK_ES, None),
    ("Police do not ask about immigration status. Call us if you saw something.", None),
    ("Are you afraid? Police never ask about papers.", None),
    ("Bring your papers to the station on Monday.", "papers"),
    ("Do you have a visa? Tell us.", "visa"),
    ("Please send us your immigration status so we can help.", "immigration"),
    ("¿Tiene papeles? Venga a la estación.", "papeles"),
    ("Traiga su pasaporte a la oficina.", "pasaporte"),
    ("Responda con su número de seguro social.", "seguro social"),
])
def test_the_safety_lint(text, term):
    assert asks_for_status(text) == term


def test_an_alert_that_asks_for_papers_is_blocked_in_either_language():
    check = check_texts({"en": OK_EN, "es": "¿Cuál es su estatus migratorio? Responda aquí."})
    assert not check.ok and check.problems[0].startswith("es: asks about immigration status")


@pytest.mark.parametrize("texts, audience, problem", [
    ({"en": OK_EN, "es": ""}, "all", "es: the text is empty"),
    ({"en": "", "es": OK_ES}, "es", None),
    ({"en": "", "es": OK_ES}, "en", "en: the text is empty"),
    ({"en": OK_EN, "es": "á" * 300}, "all", "es: too long"),
])
def test_both_languages_and_the_length(texts, audience, problem):
    check = check_texts(texts, audience)
    if problem is None:
        assert check.ok
    else:
        assert any(p.startswith(problem) for p in check.problems), check.problems


def test_the_segment_counter():
    check = check_texts({"en": OK_EN, "es": OK_ES})
    assert check.ok and check.segments == {"en": 1, "es": 2} and check.encodings == {"en": "GSM-7", "es": "UCS-2"}
