"""Specification of bot.engine.matching: normalising what residents type, menu numbers, tip codes."""
from __future__ import annotations

import pytest

from bot.engine.matching import chosen_number, leading_tip_code, normalise

# --- normalise -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # case
    ("STOP", "stop"),
    ("Stop", "stop"),
    ("sToP", "stop"),
    # accents are dropped, ñ becomes n
    ("españól", "espanol"),
    ("Información", "informacion"),
    ("INMIGRACIÓN", "inmigracion"),
    ("pingüino", "pinguino"),
    ("e\u0301xito", "exito"),                      # decomposed accent (e + combining acute)
    # full width (some phone keyboards) folds to ASCII
    ("ＳＴＯＰ", "stop"),
    ("ｈｏｌａ　ａｍｉｇｏ", "hola amigo"),       # ideographic space too
    ("２", "2"),
    # surrounding punctuation
    ("Stop.", "stop"),
    ("¡Hola!", "hola"),
    ("¿qué?", "que"),
    ("...menu...", "menu"),
    ('"911"', "911"),
    # emoji dropped
    ("stop 🙏", "stop"),
    ("🙏🙏", ""),
    ("hola 👋🏽 amigo", "hola amigo"),
    # whitespace collapsed
    ("  main \t\n  menu  ", "main menu"),
    ("", ""),
    ("   ", ""),
    # punctuation between words separates them
    ("ayuda,por favor", "ayuda por favor"),
    ("stop_all", "stop all"),
    # apostrophes inside a word vanish (the flow's keywords are written that way)
    ("I'm being attacked", "im being attacked"),
    ("they're shooting", "theyre shooting"),
    ("I don\u2019t know", "i dont know"),                  # typographic apostrophe, as phones send it
    ("what\u02bcs up", "whats up"),                         # modifier letter apostrophe
    ("I don\u00b4t know", "i dont know"),                  # acute accent used as apostrophe
])
def test_normalise(text, expected):
    assert normalise(text) == expected


# --- chosen_number ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, count, expected", [
    ("2", 4, 2),
    ("2.", 4, 2),
    ("#2", 4, 2),
    ("opcion 2", 4, 2),
    ("opción 2", 4, 2),
    (" 2 ", 4, 2),
    ("2)", 4, 2),
    ("２", 4, 2),                 # full-width digit
    ("1", 4, 1),
    ("4", 4, 4),                 # the last option
    ("i choose 3", 4, 3),        # three words is still a short answer
    # out of range
    ("12", 4, None),
    ("5", 4, None),
    ("0", 4, None),
    ("911", 4, None),
    # ambiguous: two numbers
    ("2 or 3", 4, None),
    ("1 2", 4, None),
    # no number at all
    ("dos", 4, None),
    ("two", 4, None),
    ("", 4, None),
    ("🙏", 4, None),
    ("2nd", 4, None),
    # long sentences are not menu answers even if they hold one number
    ("I saw 2 men break into the car", 4, None),
    ("me robaron 2 veces esta semana", 4, None),
])
def test_chosen_number(text, count, expected):
    assert chosen_number(text, count) == expected


# --- leading_tip_code ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("K7QF-3MZP more info", ("K7QF-3MZP", "more info")),
    ("K7QF-3MZP", ("K7QF-3MZP", "")),
    ("k7qf 3mzp x", ("K7QF-3MZP", "x")),                          # lowercase, space separator
    ("K7QF3MZP", ("K7QF-3MZP", "")),                              # no separator
    ("K7QF3MZP el carro era rojo", ("K7QF-3MZP", "el carro era rojo")),
    ("K7QF.3MZP: he came back", ("K7QF-3MZP", "he came back")),   # dot separator, colon dropped
    ("K7QF\u20133MZP", ("K7QF-3MZP", "")),                        # en dash from autocorrect
    ("  #K7QF-3MZP  ", ("K7QF-3MZP", "")),                        # leading spaces and punctuation
    ("Ｋ７ＱＦ－３ＭＺＰ ok", ("K7QF-3MZP", "ok")),                 # full width
    ("K7QF-3MZP\nsecond line", ("K7QF-3MZP", "second line")),     # the rest keeps its text
    ("K7QF-3MZP Está aquí", ("K7QF-3MZP", "Está aquí")),          # the rest keeps its case and accents
    ("K7QF-3MZP ¿dónde?", ("K7QF-3MZP", "¿dónde?")),              # and its opening punctuation
    # eight letters without a digit are words, not a code
    ("THAT TEST", None),
    ("that test was fine", None),
    ("BEST-GEAR", None),
    # eight digits without a letter are not a code either
    ("2345-6789", None),
    ("casa 2468 en la calle Maple", None),                          # a word and a house number
    ("DEPT 2345", None),
    ("AB2C 3456", None),                                            # each half must mix digits and letters
    # codes never use O, I, L, U, 0 or 1
    ("K7QO-3MZP", None),
    ("K7QI-3MZP", None),
    ("K7QL-3MZP", None),
    ("K7QU-3MZP", None),
    ("K7Q0-3MZP", None),
    ("K7Q1-3MZP", None),
    # too long, too short
    ("K7QF-3MZPX", None),
    ("K7QF-3MZ", None),
    ("K7Q-3MZP", None),
    # a code in the middle of a message is not a leading code
    ("my code is K7QF-3MZP", None),
    ("mi codigo K7QF-3MZP", None),
    ("", None),
])
def test_leading_tip_code(text, expected):
    assert leading_tip_code(text) == expected
