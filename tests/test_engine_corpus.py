"""What residents really text (tests/data/messages.tsv) as first messages: keywords route, language is never wrong."""
from __future__ import annotations

import csv
import os

import pytest

from bot.engine import EmergencyShown, Inbound, OptedOut, advance
from bot.engine.nlu import pleads_for_help
from bot.flows.files import load_flow_file

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
    """A bare plea ("Ayuda por favor") could be a cry: the call-911 guidance comes first, then the help."""
    expected = ["flows.emergency", "flows.help"] if pleads_for_help(text) else ["flows.help"]
    assert [r.key for r in first(text).replies] == expected


@pytest.mark.parametrize("lang, text", rows("greet"))
def test_greetings_get_the_welcome_and_menu_in_their_language_or_a_bilingual_offer(lang, text):
    outcome = first(text)
    assert outcome.state.locale in (lang, None)
    expected = ["flows.welcome", "flows.menu"] if outcome.state.locale else ["flows.choose_language"]
    assert [r.key for r in outcome.replies] == expected


@pytest.mark.parametrize("lang, text", rows("immigration"))
def test_status_questions_get_the_policy_at_once(lang, text):
    outcome = first(text)
    assert outcome.state.locale == lang
    assert [r.key for r in outcome.replies] == ["flows.policy", "flows.policy_invite"]
    assert outcome.state.node == "menu"


@pytest.mark.parametrize("lang, text", rows("tip"))
def test_reports_start_the_interview_keeping_a_described_crime_as_the_first_answer(lang, text):
    outcome = first(text)
    assert outcome.state.locale == lang
    keys = [r.key for r in outcome.replies]
    assert keys[0] == "flows.first_contact"  # the line says it is safe before the first question
    if outcome.state.answers:
        assert outcome.state.answers == (("what", text),)
        assert keys[1:] == ["flows.ask_where"]
    else:
        assert keys[1:] == ["flows.ask_what"]


def test_a_described_crime_with_a_deportation_threat_gets_the_policy_first():
    text = "they took my wallet and said if I call police I get deported"
    outcome = first(text)
    assert [r.key for r in outcome.replies] == ["flows.policy", "flows.ask_where"]
    assert outcome.state.answers == (("what", text),)
