"""Specification of bot.engine.inspect: check_flow finds what parse_flow cannot; message_keys lists every text."""
from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest
import yaml

from bot.engine import check_flow, message_keys, parse_flow
from bot.engine.model import Messages

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN_FLOW = os.path.join(ROOT, "flows", "main.yml")


@pytest.fixture(scope="module")
def main_flow_data() -> dict[str, Any]:
    with open(MAIN_FLOW, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def main_flow(main_flow_data):
    return parse_flow(main_flow_data, MAIN_FLOW)


def small_flow(**extra_nodes: dict[str, Any]) -> dict[str, Any]:
    """A valid flow with the four root nodes; extra nodes are added as given."""
    nodes = {
        "lang": {"type": "menu", "prompt": "flows.choose_language",
                 "options": [{"match": ["espanol"], "locale": "es", "next": "welcome"}]},
        "welcome": {"type": "message", "say": ["flows.welcome"], "next": "menu"},
        "menu": {"type": "menu", "prompt": "flows.menu", "options": [{"match": ["report"], "next": "ask"}]},
        "ask": {"type": "question", "prompt": "flows.ask_what", "field": "what", "next": "submit"},
        "submit": {"type": "submit", "say": ["flows.tip_received"], "wait_at": "after"},
        "after": {"type": "followup", "prompt": "flows.after_tip"},
    }
    nodes.update(extra_nodes)
    return {
        "id": "small", "start": "welcome", "language_node": "lang", "menu_node": "menu", "followup_node": "after",
        "keywords": {name: [name] for name in ("stop", "start", "help", "menu", "lang_es", "lang_en", "skip")},
        "messages": {name: f"flows.{name}" for name in
                     ("opted_out", "opted_in", "help", "emergency", "language_set", "empty", "addendum_received",
                      "reassurance", "first_contact")},
        "nodes": nodes,
    }


def test_the_real_flow_has_no_problems(main_flow):
    assert check_flow(main_flow) == []


def test_the_small_flow_has_no_problems():
    assert check_flow(parse_flow(small_flow(), "small")) == []


def test_an_unreachable_node_is_reported_by_its_path():
    flow = parse_flow(small_flow(orphan={"type": "message", "say": ["flows.policy"], "wait_at": "menu"}), "small")
    problems = check_flow(flow)
    assert len(problems) == 1
    assert problems[0].startswith("nodes.orphan: ")
    assert "unreachable" in problems[0]


def test_a_node_reached_only_from_an_unreachable_node_is_unreachable_too():
    flow = parse_flow(small_flow(orphan={"type": "message", "say": ["flows.policy"], "next": "orphan_child"},
                                 orphan_child={"type": "message", "say": ["flows.privacy"], "wait_at": "menu"}),
                      "small")
    reported = sorted(p.split(":", 1)[0] for p in check_flow(flow))
    assert reported == ["nodes.orphan", "nodes.orphan_child"]


def test_a_loop_of_message_nodes_that_never_waits_is_reported():
    data = small_flow(a={"type": "message", "say": ["flows.policy"], "next": "b"},
                      b={"type": "message", "say": ["flows.privacy"], "next": "a"})
    data["nodes"]["menu"]["options"].append({"match": ["policy"], "next": "a"})
    problems = check_flow(parse_flow(data, "small"))
    loops = [p for p in problems if "loops without waiting for input" in p]
    assert any(p.startswith("nodes.a.next: ") and "(a -> b -> a)" in p for p in loops), problems
    assert any(p.startswith("nodes.b.next: ") and "(b -> a -> b)" in p for p in loops), problems
    assert not [p for p in problems if "unreachable" in p]


def test_a_message_node_that_points_to_itself_is_a_loop():
    data = small_flow(a={"type": "message", "say": ["flows.policy"], "next": "a"})
    data["nodes"]["menu"]["options"].append({"match": ["policy"], "next": "a"})
    assert check_flow(parse_flow(data, "small")) == [
        "nodes.a.next: loops without waiting for input (a -> a)"]


@pytest.mark.parametrize("wait", [
    {"wait_at": "menu"},                  # the message hands over to a node that waits
    {"next": "menu"},                     # ... or goes on to it
])
def test_message_chains_that_reach_a_waiting_node_are_not_loops(wait):
    data = small_flow(a={"type": "message", "say": ["flows.policy"], "next": "b"},
                      b={"type": "message", "say": ["flows.privacy"], **wait})
    data["nodes"]["menu"]["options"].append({"match": ["policy"], "next": "a"})
    assert check_flow(parse_flow(data, "small")) == []


@pytest.mark.parametrize("root, node_type, node", [
    ("language_node", "message", {"type": "message", "say": ["flows.welcome"], "next": "menu"}),
    ("language_node", "question", {"type": "question", "prompt": "flows.ask_what", "field": "x", "next": "menu"}),
    ("menu_node", "followup", {"type": "followup", "prompt": "flows.after_tip"}),
    ("followup_node", "menu", {"type": "menu", "prompt": "flows.menu",
                               "options": [{"match": ["x"], "next": "menu"}]}),
])
def test_a_root_node_of_the_wrong_type_is_reported(root, node_type, node):
    data = small_flow(odd=node)
    data[root] = "odd"
    problems = check_flow(parse_flow(data, "small"))
    expected = {"language_node": "menu", "menu_node": "menu", "followup_node": "followup"}[root]
    assert f"{root}: must be a {expected} node, 'odd' is a {node_type}" in problems


def test_a_menu_without_options_is_reported():
    # parse_flow itself refuses an empty options list ("a menu node needs 'options'"), so build it directly
    flow = parse_flow(small_flow(), "small")
    empty_menu = dataclasses.replace(flow.nodes["menu"], options=())
    flow = dataclasses.replace(flow, nodes={**flow.nodes, "menu": empty_menu})
    assert "nodes.menu.options: a menu needs at least one option" in check_flow(flow)


def test_message_keys_of_the_real_flow(main_flow):
    keys = message_keys(main_flow)
    engine_keys = {getattr(main_flow.messages, f.name) for f in dataclasses.fields(Messages)}
    assert engine_keys <= keys
    assert {"flows.menu", "flows.policy", "flows.policy_invite", "flows.tip_received", "flows.choose_language",
            "flows.menu_invalid", "flows.after_tip", "flows.ask_hurt", "flows.opted_out",
            "flows.empty_answer"} <= keys
    assert all(isinstance(k, str) and k.startswith("flows.") for k in keys)


def test_message_keys_are_exactly_says_prompts_invalids_and_engine_messages():
    keys = message_keys(parse_flow(small_flow(), "small"))
    assert keys == {
        "flows.choose_language", "flows.welcome", "flows.menu", "flows.ask_what", "flows.tip_received",
        "flows.after_tip",
        "flows.opted_out", "flows.opted_in", "flows.help", "flows.emergency", "flows.language_set", "flows.empty",
        "flows.addendum_received", "flows.reassurance", "flows.first_contact",
    }


@pytest.mark.parametrize("words, messages, problem", [
    (False, (), False),
    (True, ("delete_confirm", "deleted", "delete_kept"), False),
    (True, (), True),                                  # words, but nothing to say
    (False, ("delete_confirm", "deleted", "delete_kept"), True),  # messages nobody can reach
    (True, ("delete_confirm", "deleted"), True),       # half of the messages
])
def test_delete_words_and_messages_come_together(words, messages, problem):
    data = small_flow()
    if words:
        data["keywords"]["delete"] = ["borrar"]
    for name in messages:
        data["messages"][name] = f"flows.{name}"
    problems = [p for p in check_flow(parse_flow(data, "small")) if p.startswith("keywords.delete")]
    assert bool(problems) is problem
