"""advance() beyond the transcripts: purity, expiry boundaries, stored states the flow no longer knows."""
from __future__ import annotations

import os

import pytest

from bot.engine import Inbound, State, StepLimitExceeded, advance, parse_flow
from bot.flows.files import load_flow_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOW = load_flow_file(os.path.join(ROOT, "flows", "main.yml"))


def keys(outcome) -> list[str]:
    return [r.key for r in outcome.replies]


def test_advance_does_not_change_its_inputs_and_is_repeatable():
    state = State(flow_id="main", node="ask_where", locale="es", answers=(("what", "robo"),), updated_at=10.0)
    first = advance(FLOW, state, Inbound("Main y 5"), now=20.0)
    second = advance(FLOW, state, Inbound("Main y 5"), now=20.0)
    assert first == second
    assert state.answers == (("what", "robo"),)
    assert first.state.answers == (("what", "robo"), ("where", "Main y 5"))
    assert first.state.updated_at == 20.0


@pytest.mark.parametrize("idle, fresh", [(86400, False), (86401, True)])
def test_expiry_is_strictly_after_the_limit(idle, fresh):
    state = State(flow_id="main", node="ask_where", locale="es", updated_at=0.0)
    outcome = advance(FLOW, state, Inbound("hello"), now=float(idle))
    assert keys(outcome) == (["flows.welcome", "flows.menu"] if fresh else ["flows.ask_when"])


def test_expiry_limit_is_a_parameter():
    state = State(flow_id="main", node="ask_where", locale="es", updated_at=0.0)
    assert keys(advance(FLOW, state, Inbound("hello"), now=61.0, expire_after=60)) == ["flows.welcome",
                                                                                       "flows.menu"]


@pytest.mark.parametrize("node", ["a_node_that_was_removed", "policy"])
def test_a_state_at_a_node_the_flow_no_longer_waits_at_restarts_at_the_menu(node):
    state = State(flow_id="main", node=node, locale="en", answers=(("what", "x"),), updated_at=0.0)
    outcome = advance(FLOW, state, Inbound("2"), now=1.0)
    assert keys(outcome) == ["flows.menu"]
    assert outcome.state.node == "menu" and outcome.state.answers == ()


def test_a_state_of_another_flow_starts_this_one():
    outcome = advance(FLOW, State(flow_id="old", node="x", locale="en"), Inbound("hola"), now=1.0)
    assert keys(outcome) == ["flows.welcome", "flows.menu"] and outcome.state.locale == "es"


def test_submitting_needs_a_fresh_code_from_the_host():
    state = State(flow_id="main", node="ask_followup", locale="en")
    with pytest.raises(ValueError, match="fresh tip code"):
        advance(FLOW, state, Inbound("no", fresh_code=""), now=1.0)


def test_a_runaway_flow_stops_at_the_step_limit():
    nodes = {
        "a": {"type": "message", "say": ["k.a"], "next": "b"},
        "b": {"type": "message", "say": ["k.b"], "next": "a"},
        "menu": {"type": "menu", "prompt": "k.menu", "options": [{"match": ["x"], "next": "a"}]},
        "lang": {"type": "menu", "prompt": "k.lang", "options": [{"match": ["es"], "locale": "es", "next": "a"}]},
        "after": {"type": "followup", "prompt": "k.after"},
    }
    words = {name: [name] for name in ("stop", "start", "help", "menu", "lang_es", "lang_en", "skip")}
    words["emergency"] = {"words": ["911"], "phrases": ["help now"]}
    flow = parse_flow({"id": "loop", "start": "a", "language_node": "lang", "menu_node": "menu",
                       "followup_node": "after", "keywords": words, "nodes": nodes,
                       "messages": {name: f"k.{name}" for name in ("opted_out", "opted_in", "help", "emergency",
                                                                   "language_set", "empty", "addendum_received",
                                                                   "reassurance", "first_contact")}},
                      source="loop.yml")
    with pytest.raises(StepLimitExceeded):
        advance(flow, None, Inbound("hola"), now=1.0)


@pytest.mark.parametrize("answer, agreed", [
    ("1", True), ("si", True), ("Sí, claro", True), ("YES please", True), ("ok", True), ("dale pues", True),
    ("2", False), ("no", False), ("no gracias", False), ("skip", False), ("saltar", False),
    ("que significa eso", False), ("maybe", False), ("si no es mucha molestia no", True),
])
def test_follow_up_contact_needs_a_clear_yes_and_defaults_to_no(answer, agreed):
    state = State(flow_id="main", node="ask_followup", locale="es", answers=(("what", "x"),))
    outcome = advance(FLOW, state, Inbound(answer, fresh_code="K7QF-3MZP"), now=1.0)
    (tip,) = outcome.effects
    assert tip.followup is agreed
    assert outcome.state.followup is False and outcome.state.last_tip == "K7QF-3MZP"  # asked again next tip


# --- the flow's local vocabulary reaches every decision (flows/main.yml: slang, streets, stop phrases, immigration)

@pytest.mark.parametrize("node, text, effect, reply", [
    (None, "traen cuete afuera de mi casa ahorita", "EmergencyShown", "flows.emergency"),
    ("menu", "traen cuete afuera de mi casa ahorita", "EmergencyShown", "flows.emergency"),
    (None, "ya no me textees", "OptedOut", "flows.opted_out"),
    ("ask_what", "ya no me textees", "OptedOut", "flows.opted_out"),
    (None, "viene la perrera? me van a preguntar papeles?", None, "flows.policy"),
    ("menu", "hola, vivo en Shooters Ln", None, "flows.menu"),
])
def test_the_flows_local_vocabulary_decides_like_the_lines_own(node, text, effect, reply):
    state = State(flow_id="main", node=node, locale="es", updated_at=0.0) if node else None
    outcome = advance(FLOW, state, Inbound(text), now=10.0)
    assert [type(e).__name__ for e in outcome.effects] == ([effect] if effect else [])
    assert reply in keys(outcome)


def test_a_street_is_kept_in_the_text_of_a_tip():
    state = State(flow_id="main", node="ask_where", locale="es", answers=(("what", "robo"),), updated_at=0.0)
    outcome = advance(FLOW, state, Inbound("en Shooters Ln y Troost"), now=10.0)
    assert dict(outcome.state.answers)["where"] == "en Shooters Ln y Troost" and not outcome.effects


def test_a_model_only_emergency_that_also_sounds_like_an_opt_out_leads_with_911_then_asks():
    """Rules unsure, the intent model senses danger, the opt-out model hears an opt-out ("pls stop msging me"): the
    models disagree, so the 911 guidance comes first and the opt-out question follows; a yes then opts out."""
    doubtful = Inbound("pls stop msging me", fresh_code="K7QF-3MZP", language_hint="en", intent_hint="emergency",
                       intent_confidence=6.5, stop_confidence=20.0)
    first = advance(FLOW, None, doubtful, 1_800_000_000.0)
    assert keys(first) == ["flows.emergency", "flows.stop_confirm"] and first.state.asked_to_stop
    yes = advance(FLOW, first.state, Inbound("yes", fresh_code="K7QF-3MZQ"), 1_800_000_060.0)
    assert keys(yes) == ["flows.opted_out"] and yes.state.opted_out


@pytest.mark.parametrize("text, stop_confidence", [
    ("pls stop msging me", 0.0),                    # no opt-out heard: the emergency guidance alone
    ("they are shooting outside stop", 20.0),       # the rules' own danger is never questioned
])
def test_the_opt_out_question_never_follows_danger_the_rules_found_or_no_opt_out_heard(text, stop_confidence):
    inbound = Inbound(text, fresh_code="K7QF-3MZP", language_hint="en", intent_hint="emergency",
                      intent_confidence=6.5, stop_confidence=stop_confidence)
    outcome = advance(FLOW, None, inbound, 1_800_000_000.0)
    assert keys(outcome)[0] == "flows.emergency" and "flows.stop_confirm" not in keys(outcome)
    assert not outcome.state.asked_to_stop


@pytest.mark.parametrize("answer, alarm", [
    ("alguien anda en el patio de atras", True),                                 # the model alone senses danger
    ("me pego anoche, ahorita no esta", False),                                  # told as over
    ("mi vecina le pega a sus hijos todo el tiempo se oyen los gritos", False),  # told as a habit
    ("siempre viene de noche y ahorita anda en el patio", True),                 # a habit, but now
])
def test_the_intent_models_sense_of_danger_in_an_answer_yields_to_over_and_to_habit(answer, alarm):
    """Mid-interview, a sure model opinion of danger brings the 911 guidance, unless the answer says the danger is
    over or tells it as a habit with nothing that says now; the answer is kept either way."""
    state = State(flow_id="main", node="ask_what", locale="es", updated_at=0.0)
    inbound = Inbound(answer, intent_hint="emergency", intent_confidence=50.0)
    outcome = advance(FLOW, state, inbound, now=10.0)
    assert ("flows.emergency" in keys(outcome)) is alarm
    assert dict(outcome.state.answers)["what"] == answer


@pytest.mark.parametrize("answer", ["help", "ayuda por favor", "hlep pls", "please help"])
def test_a_bare_plea_mid_interview_gets_the_911_guidance_then_the_help_text_without_any_model(answer):
    """A cry for help and the HELP keyword look the same in an answer too: both replies, and the question waits."""
    state = State(flow_id="main", node="ask_what", locale="en", updated_at=0.0)
    outcome = advance(FLOW, state, Inbound(answer), now=10.0)
    assert keys(outcome)[:2] == ["flows.emergency", "flows.help"] and outcome.state.node == "ask_what"
