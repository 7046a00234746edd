"""What residents really text (tests/data/messages.tsv) as first messages: keywords route, language is never wrong."""
from __future__ import annotations

import csv
import os

import pytest

from bot.engine import EmergencyShown, Inbound, OptedOut, advance
from bot.flows import load_flow_file

HERE = os.path.dirname(os.path.abspath(__file__))
FLOW = load_flow_file(os.path.join(os.path.dirname(HERE), "flows", "main.yml"))
with open(os.path.join(HERE, "data", "messages.tsv"), encoding="utf-8") as handle:
    CORPUS = [(row["reply_lang"], row["intent"], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def first(text: str):
    return advance(FLOW, None, Inbound(text=text, fresh_code="K7QF-3MZP"), now=1000.0)


def rows(*intents: str):
    return [pytest.param(lang, text, id=text) for lang, intent, text in CORPUS if intent in intents]


@pytest.mark.parametrize("lang, text", rows("emergency"))
def test_emergencies_are_told_to_call_911_at_once(lang, text):
    outcome = first(text)
    assert [r.key for r in outcome.replies] == ["flows.emergency"]
    assert outcome.effects == (EmergencyShown(),)


@pytest.mark.parametrize("lang, text", rows("stop"))
def test_opt_out_requests_opt_out(lang, text):
    outcome = first(text)
    assert outcome.effects == (OptedOut(),) and outcome.state.opted_out


@pytest.mark.parametrize("lang, text", rows("lang_es", "lang_en"))
def test_language_requests_set_the_language(lang, text):
    outcome = first(text)
    assert outcome.state.locale == lang
    assert [r.key for r in outcome.replies][0] == "flows.language_set"


@pytest.mark.parametrize("lang, text", rows("help"))
def test_help_requests_get_help(lang, text):
    assert [r.key for r in first(text).replies] == ["flows.help"]


@pytest.mark.parametrize("lang, text", rows("greet", "immigration", "tip"))
def test_other_first_messages_are_answered_in_their_language_or_bilingually(lang, text):
    outcome = first(text)
    assert outcome.state.locale in (lang, None)
    expected = ["flows.welcome", "flows.menu"] if outcome.state.locale else ["flows.choose_language"]
    assert [r.key for r in outcome.replies] == expected
