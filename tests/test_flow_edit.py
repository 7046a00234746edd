"""Adding and removing interview questions, and editing the vocabulary, from forms: the YAML stays readable (its
comments too) and the result is checked."""
from __future__ import annotations

import os

import pytest

from bot.flows.edit import EditError, VocabularyError, add_question, remove_question, set_vocabulary, vocabulary_of
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


# --- the vocabulary page's groups -------------------------------------------------------------------------------

def test_the_vocabulary_is_shown_one_entry_a_line_and_saving_it_unchanged_changes_nothing():
    shown = vocabulary_of(SHIPPED)
    assert shown["streets"].split("\n")[:2] == ["Troost", "Independence Ave"]
    assert "cuete = pistola" in shown["slang"].split("\n")
    assert set_vocabulary(SHIPPED, shown) == SHIPPED


def test_only_the_changed_group_is_rewritten_and_comments_stay():
    text = set_vocabulary(SHIPPED, {"streets": "Troost\n<b>Calle 24</b>\n'yes'", "slang": "carnal = hermano"})
    keywords = parse_flow_text(text, "t").keywords.local
    assert keywords.streets == (("troost",), ("b", "calle", "24", "b"), ("yes",)) and keywords.slang == (
        (("carnal",), ("hermano",)),)
    changed = [line for line in text.split("\n") if line not in SHIPPED.split("\n")]
    assert [line.split(":")[0] for line in changed] == ["  slang", "  streets"]
    assert "# Local slang = the standard words" in text and text.count("\n") == SHIPPED.count("\n")


def test_a_group_the_flow_does_not_have_yet_is_added_to_its_keywords():
    bare = "\n".join(line for line in SHIPPED.split("\n") if not line.startswith("  streets:"))
    assert parse_flow_text(set_vocabulary(bare, {"streets": "Gunnison"}), "t").keywords.local.streets == (
        ("gunnison",),)


@pytest.mark.parametrize("group, typed, code", [
    ("slang", "cuete pistola", "slang_line"), ("slang", "= pistola", "slang_line"),
    ("streets", "stop", "street_is_keyword"), ("stop", "", "needs_one"),
])
def test_a_refused_vocabulary_says_which_group_and_why(group, typed, code):
    with pytest.raises(VocabularyError) as refused:
        set_vocabulary(SHIPPED, {group: typed})
    assert (refused.value.group, refused.value.code) == (group, code)
