"""Specification of bot.engine.definition.parse_flow: a flow mapping becomes a Flow, or a FlowError names where."""
from __future__ import annotations

import copy
import os
from typing import Any, Callable

import pytest

from bot.engine import Flow, FlowError, parse_flow
from bot.flows.files import load_flow_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN_FLOW = os.path.join(ROOT, "flows", "main.yml")
SOURCE = "flows/tiny.yml"


def tiny_flow() -> dict[str, Any]:
    """The shape of flows/main.yml, cut down to one node of each kind the roots need."""
    return {
        "id": "tiny",
        "start": "welcome",
        "language_node": "choose_language",
        "menu_node": "menu",
        "followup_node": "after_tip",
        "keywords": {
            "stop": ["stop", "parar"],
            "start": ["start"],
            "help": ["help", "ayuda"],
            "menu": ["menu"],
            "lang_es": ["espanol"],
            "lang_en": ["english"],
            "skip": ["skip", "saltar"],
            "emergency": {"words": ["911"], "phrases": ["call 911"]},
        },
        "messages": {
            "opted_out": "flows.opted_out", "opted_in": "flows.opted_in", "help": "flows.help",
            "emergency": "flows.emergency", "language_set": "flows.language_set", "empty": "flows.empty_answer",
            "addendum_received": "flows.addendum_received",
            "reassurance": "flows.policy",
            "first_contact": "flows.first_contact",
        },
        "nodes": {
            "choose_language": {
                "type": "menu", "prompt": "flows.choose_language",
                "options": [{"match": ["espanol"], "locale": "es", "next": "welcome"},
                            {"match": ["english"], "locale": "en", "next": "welcome"}],
            },
            "welcome": {"type": "message", "say": ["flows.welcome"], "next": "menu"},
            "menu": {
                "type": "menu", "prompt": "flows.menu", "invalid": "flows.menu_invalid",
                "options": [{"match": ["policy"], "next": "policy"}, {"match": ["report"], "next": "ask_what"}],
            },
            "policy": {"type": "message", "say": ["flows.policy"], "wait_at": "menu"},
            "ask_what": {"type": "question", "prompt": "flows.ask_what", "field": "what", "next": "submit_tip"},
            "submit_tip": {"type": "submit", "fields": ["what"], "say": ["flows.tip_received"],
                           "wait_at": "after_tip"},
            "after_tip": {"type": "followup", "prompt": "flows.after_tip"},
        },
    }


@pytest.fixture
def flow_data() -> dict[str, Any]:
    return tiny_flow()


def test_the_tiny_flow_is_valid(flow_data):
    flow = parse_flow(flow_data, SOURCE)
    assert isinstance(flow, Flow)
    assert (flow.id, flow.start, flow.language_node, flow.menu_node, flow.followup_node) == (
        "tiny", "welcome", "choose_language", "menu", "after_tip")
    assert set(flow.nodes) == set(flow_data["nodes"])
    assert flow.nodes["choose_language"].options[0].locale == "es"
    assert flow.keywords.emergency_phrases == (("call", "911"),)


def test_parse_flow_normalises_keywords_and_option_words(flow_data):
    flow_data["keywords"]["lang_es"] = ["Español", "EN ESPAÑOL"]
    flow_data["nodes"]["menu"]["options"][0]["match"] = ["Inmigración", "¡Papeles!"]
    flow = parse_flow(flow_data, SOURCE)
    assert flow.keywords.lang_es == frozenset({"espanol", "en espanol"})
    assert flow.nodes["menu"].options[0].match == ("inmigracion", "papeles")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets data[a][b]... = value for the dotted path a.b... (list indexes are numbers)."""
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[part]
        del target[last]
    return mutate


@pytest.mark.parametrize("mutation, path, says", [
    (_set("nodes.welcome.type", "carousel"), "nodes.welcome.type", "unknown node type 'carousel'"),
    (_set("nodes.welcome.next", "nowhere"), "nodes.welcome.next", "'nowhere', which is not a node"),
    (_set("nodes.menu.options.1.next", "nowhere"), "nodes.menu.options.1.next", "not a node"),
    (_set("nodes.policy.wait_at", "nowhere"), "nodes.policy.wait_at", "not a node"),
    (_delete("nodes.menu.prompt"), "nodes.menu.prompt", "a menu node needs 'prompt'"),
    (_set("nodes.menu.prompt", ""), "nodes.menu.prompt", "needs 'prompt'"),
    (_delete("nodes.ask_what.next"), "nodes.ask_what.next", "a question node needs 'next'"),
    (_set("nodes.welcome.colour", "blue"), "nodes.welcome.colour", "unknown field 'colour'"),
    (_set("nodes.welcome.prompt", "flows.x"), "nodes.welcome.prompt", "a message node does not use 'prompt'"),
    (_set("nodes.menu.options.0.colour", "blue"), "nodes.menu.options.0.colour", "unknown field"),
    (_set("colour", "blue"), "colour", "unknown field"),
    (_set("nodes.menu.options.0.match", ["policy", "  "]), "nodes.menu.options.0.match.1", "must not be empty"),
    # YAML reads an unquoted yes/no/on/off as a boolean
    (_set("keywords.stop.1", True), "keywords.stop.1", "quote yes/no/on/off"),
    (_set("keywords.skip.0", False), "keywords.skip.0", "quote yes/no/on/off"),
    (_set("keywords.emergency.words.0", False), "keywords.emergency.words.0", "quote yes/no/on/off"),
    (_set("nodes.menu.options.0.match", [True]), "nodes.menu.options.0.match.0", "quote yes/no/on/off"),
    (_set("keywords.stop", []), "keywords.stop", "needs at least one word"),
    (_set("keywords.stop", "stop"), "keywords.stop", "expected a list"),
    (_set("nodes", {}), "nodes", "at least one node"),
    (_delete("nodes"), "nodes", "at least one node"),
    (_set("nodes", ["welcome"]), "nodes", "expected a mapping"),
    (_delete("start"), "start", "expected text"),
    (_set("start", "nowhere"), "start", "not a node"),
    (_set("menu_node", "nowhere"), "menu_node", "not a node"),
    (_set("nodes.policy.wait_at", "welcome"), "nodes.policy.wait_at", "'welcome' does not wait for input"),
    (_set("nodes.submit_tip.wait_at", "policy"), "nodes.submit_tip.wait_at", "does not wait for input"),
    (_set("nodes.choose_language.options.0.locale", "fr"), "nodes.choose_language.options.0.locale",
     "locale must be 'en' or 'es'"),
    (_delete("messages.empty"), "messages.empty", "expected text"),
    (_set("messages.shout", "flows.shout"), "messages.shout", "unknown field"),
])
def test_parse_flow_errors_name_the_path(flow_data, mutation, path, says):
    mutation(flow_data)
    with pytest.raises(FlowError) as caught:
        parse_flow(flow_data, SOURCE)
    error = caught.value
    assert error.path == path
    assert error.source == SOURCE
    assert says in error.message
    assert str(error).startswith(f"{SOURCE}: {path}: ")


@pytest.mark.parametrize("data, path", [
    (None, "nodes"),
    (["not", "a", "mapping"], "(top)"),
    ("just text", "(top)"),
])
def test_parse_flow_rejects_a_document_that_is_not_a_flow(data, path):
    with pytest.raises(FlowError) as caught:
        parse_flow(data, SOURCE)
    assert caught.value.path == path
    assert str(caught.value).startswith(SOURCE)


def test_parse_flow_does_not_change_its_input(flow_data):
    before = copy.deepcopy(flow_data)
    parse_flow(flow_data, SOURCE)
    assert flow_data == before


def test_the_real_flow_loads():
    flow = load_flow_file(MAIN_FLOW)
    assert flow.id == "main"
    assert flow.start in flow.nodes and flow.language_node in flow.nodes
    assert flow.nodes["submit_tip"].fields == ("what", "where", "when", "who", "hurt")


def test_a_yaml_syntax_error_names_the_file(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("id: main\nnodes:\n  welcome: {type: message, say: [flows.welcome\n", encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow_file(str(broken))
    assert caught.value.source == str(broken)
    assert caught.value.path == "(yaml)"
    assert str(caught.value).startswith(str(broken))


def test_an_unquoted_yaml_yes_is_reported_with_a_quoting_hint(tmp_path):
    with open(MAIN_FLOW, encoding="utf-8") as handle:
        text = handle.read()
    assert "skip: [skip, saltar," in text
    bad = tmp_path / "main.yml"
    bad.write_text(text.replace("skip: [skip, saltar,", "skip: [skip, saltar, no,"), encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow_file(str(bad))
    assert caught.value.path == "keywords.skip.2"
    assert "quote yes/no/on/off" in str(caught.value)
    assert str(caught.value).startswith(str(bad))


def test_a_missing_file_names_the_file(tmp_path):
    missing = str(tmp_path / "absent.yml")
    with pytest.raises(FlowError) as caught:
        load_flow_file(missing)
    assert caught.value.path == "(file)"
    assert str(caught.value).startswith(missing)


# --- the local vocabulary: stop phrases, immigration words, slang, streets (all optional) ------------------------

def test_a_flow_without_a_local_vocabulary_has_none(flow_data):
    assert parse_flow(flow_data, SOURCE).keywords.local is None


@pytest.mark.parametrize("group, written, parsed", [
    ("stop_phrases", ["Ya no me TEXTEES", "ya no me textees!"], (("ya", "no", "me", "textees"),)),
    ("immigration", ["La Perrera", "el corralón"], (("la", "perrera"), ("el", "corralon"))),
    ("slang", {"Cuete": "pistola", "la chota": "la policía"}, ((("cuete",), ("pistola",)),
                                                               (("la", "chota"), ("la", "policia")))),
    ("streets", ["Troost", "Shooters Lane", "Independence Ave."], (("troost",), ("shooters", "lane"),
                                                                  ("independence", "ave"))),
])
def test_each_local_group_is_normalised_into_hashable_phrases(flow_data, group, written, parsed):
    flow_data["keywords"][group] = written
    local = parse_flow(flow_data, SOURCE).keywords.local
    assert getattr(local, group) == parsed
    assert hash(local) == hash(parse_flow(flow_data, SOURCE).keywords.local)  # nlu caches by it


@pytest.mark.parametrize("group, value, path, code", [
    ("slang", {"cuete": ""}, "keywords.slang.cuete", "empty"),
    ("slang", {"cuete": None}, "keywords.slang.cuete", "empty"),
    ("slang", {"cuete": "zzqx"}, "keywords.slang.cuete", "unknown_meaning"),
    ("slang", ["cuete = pistola"], "keywords.slang", ""),
    ("stop_phrases", ["ok", "!!!"], "keywords.stop_phrases.1", "empty"),
    ("stop_phrases", "ya no me textees", "keywords.stop_phrases", ""),
    ("immigration", ["la " * 30], "keywords.immigration.0", "too_long"),
    ("immigration", ["uno dos tres cuatro cinco seis siete"], "keywords.immigration.0", "too_long"),
    ("streets", [f"calle {n}" for n in range(301)], "keywords.streets", "too_many"),
    ("streets", ["Troost", "STOP"], "keywords.streets.1", "street_is_keyword"),
    ("streets", ["911"], "keywords.streets.0", "street_is_keyword"),
    ("streets", ["la jura"], "keywords.streets.0", "street_is_keyword"),  # also slang (below)
])
def test_a_bad_local_entry_names_its_path_and_a_code_the_dashboard_explains(flow_data, group, value, path, code):
    flow_data["keywords"]["slang"] = {"la jura": "policia"}
    flow_data["keywords"][group] = value
    with pytest.raises(FlowError) as raised:
        parse_flow(flow_data, SOURCE)
    assert (raised.value.path, raised.value.code) == (path, code)


def test_the_shipped_flow_has_a_realistic_local_vocabulary():
    local = load_flow_file(MAIN_FLOW).keywords.local
    assert (("cuete",), ("pistola",)) in local.slang and ("shooters", "lane") in local.streets
    assert ("la", "perrera") in local.immigration and local.stop_phrases
