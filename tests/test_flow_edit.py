"""Adding and removing interview questions from forms: the YAML stays readable and the result is checked."""
from __future__ import annotations

import os

import pytest

from bot.flows.edit import EditError, add_question, remove_question
from bot.flows.files import parse_flow_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "flows", "main.yml"), encoding="utf-8") as handle:
    SHIPPED = handle.read()


def interview(text: str) -> list[str]:
    """The questions in the order a resident meets them, from the first one."""
    flow = parse_flow_text(text, "t")
    order, node = [], flow.intents["tip"]
    while flow.nodes[node].type in ("question", "consent"):
        order.append(node)
        node = flow.nodes[node].next
    return order


def submitted(text: str) -> tuple[str, ...]:
    return parse_flow_text(text, "t").nodes["submit_tip"].fields


def test_add_a_question_after_another():
    text, key = add_question(SHIPPED, "ask_where", "car")
    assert key == "flows.ask_car"
    assert interview(text) == ["ask_what", "ask_where", "ask_car", "ask_when", "ask_who", "ask_hurt", "ask_followup"]
    assert submitted(text) == ("what", "where", "car", "when", "who", "hurt")
    assert "# The main conversation of the line." in text  # comments survive
    assert text.count("\n") == SHIPPED.count("\n") + 6


@pytest.mark.parametrize("name", ["papers", "ask_papers"])
def test_a_name_written_as_the_steps_are_shown_is_not_doubled(name):
    text, key = add_question(SHIPPED, "ask_who", name)
    assert key == "flows.ask_papers" and "ask_ask_papers" not in text
    assert interview(text) == ["ask_what", "ask_where", "ask_when", "ask_who", "ask_papers", "ask_hurt",
                               "ask_followup"]


def test_remove_a_question():
    text, key = remove_question(SHIPPED, "ask_when")
    assert key == "flows.ask_when"
    assert interview(text) == ["ask_what", "ask_where", "ask_who", "ask_hurt", "ask_followup"]
    assert submitted(text) == ("what", "where", "who", "hurt")
    assert "ask_when:" not in text


def test_add_then_remove_gives_back_the_same_interview():
    text, _ = add_question(SHIPPED, "ask_hurt", "weapon")
    assert interview(remove_question(text, "ask_weapon")[0]) == interview(SHIPPED)


@pytest.mark.parametrize("call, message", [
    (lambda: add_question(SHIPPED, "menu", "car"), "after an interview question"),
    (lambda: add_question(SHIPPED, "nowhere", "car"), "after an interview question"),
    (lambda: add_question(SHIPPED, "ask_where", "Car!"), "lowercase letters"),
    (lambda: add_question(SHIPPED, "ask_where", "when"), "already a question called 'when'"),
    (lambda: remove_question(SHIPPED, "ask_what"), "starts the interview"),
    (lambda: remove_question(SHIPPED, "menu"), "only interview questions"),
    (lambda: remove_question(SHIPPED, "ask_followup"), "only interview questions"),
    (lambda: add_question("id: x\nnodes: {}", "ask_where", "car"), "would not be valid"),
])
def test_edits_that_cannot_be_made_say_why(call, message):
    with pytest.raises(EditError, match=message):
        call()
