"""The checks a draft must pass: structure (exact paths), both languages, the safety lint, the SMS lint."""
from __future__ import annotations

import os

import pytest

from bot.flows import i18n
from bot.flows.check import check_bundle, status_term
from bot.flows.library import shipped_bundle

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
i18n.configure(os.path.join(ROOT, "translations"))
SHIPPED = shipped_bundle(os.path.join(ROOT, "flows"), os.path.join(ROOT, "translations"))


def edited(flow: str | None = None, **texts: str):
    """The shipped bundle with some texts replaced: es__flows__ask_what="..." sets flows.ask_what in es."""
    new = {locale: dict(values) for locale, values in SHIPPED.texts.items()}
    for name, value in texts.items():
        locale, key = name.split("__", 1)
        new[locale][key.replace("__", ".")] = value
    return type(SHIPPED)(flow=flow if flow is not None else SHIPPED.flow, texts=new)


def errors(bundle) -> list[tuple[str, str]]:
    return [(f.where, f.message) for f in check_bundle(bundle).errors]


def test_the_shipped_flow_passes_every_check():
    report = check_bundle(SHIPPED)
    assert report.errors == [] and report.flow is not None
    assert {(row.locale, row.encoding) for row in report.sms} >= {("en", "GSM-7"), ("es", "UCS-2")}


@pytest.mark.parametrize("change, where, message", [
    (("next: ask_where", "next: ask_wen"), "nodes.ask_what.next", "ask_wen"),
    (("type: question\n    prompt: flows.ask_where", "type: riddle\n    prompt: flows.ask_where"),
     "nodes.ask_where.type", "unknown node type"),
    (("  emergency:\n    type: message", "  emergency:\n    type: message\n    bogus: 1"), "nodes.emergency", "bogus"),
    (("wait_at: menu\n\n  emergency", "next: policy\n\n  emergency"), "nodes.policy", "loop"),
    (("      - {match: [espanol, spanish, es, \"en espanol\"], locale: es, next: welcome}\n"
      "      - {match: [english, ingles, en, \"in english\"], locale: en, next: welcome}", "      []"),
     "nodes.choose_language.options", ""),
    (("nodes:", "nodes: ["), "(yaml)", "not valid YAML"),
])
def test_structural_errors_name_the_path(change, where, message):
    old, new = change
    assert old in SHIPPED.flow
    found = errors(edited(flow=SHIPPED.flow.replace(old, new, 1)))
    assert found, "expected an error"
    assert found[0][0].startswith(where) and message in found[0][1], found


def test_an_unreachable_node_is_an_error():
    flow = SHIPPED.flow + "\n  orphan:\n    type: message\n    say: [flows.policy]\n    wait_at: menu\n"
    ((where, message),) = errors(edited(flow=flow))
    assert where == "nodes.orphan" and "unreachable" in message


@pytest.mark.parametrize("texts, where, message", [
    ({"es__flows__ask_what": ""}, "flows.ask_what [es]", "missing or empty"),
    ({"en__flows__tip_received": "Thanks. Your code: %{cod}"}, "flows.tip_received [en]", "unknown placeholder"),
    ({"es__flows__addendum_received": "Gracias, lo agregamos."}, "flows.addendum_received", "different %{...}"),
])
def test_both_languages_are_checked(texts, where, message):
    assert any(w == where and message in m for w, m in errors(edited(**texts))), errors(edited(**texts))


@pytest.mark.parametrize("text, term", [
    ("What is your immigration status?", "immigration"),
    ("Do you have papers?", "papers"),
    ("Do you have a Green Card or a visa?", "visa"),
    ("What is your Social Security number?", "social security"),
    ("¿Tiene papeles?", "papeles"),
    ("¿Cuál es su ESTATUS?", "estatus"),
    ("¿Tiene pasaporte?", "pasaporte"),
    ("¿Cuál es su número de seguro social?", "seguro social"),
    ("¿Es usted ciudadano?", "ciudadano"),
    ("¿En qué país nació? ¿Dónde nació?", "donde nacio"),
    ("What happened?", None),
    ("¿Qué pasó? ¿Dónde pasó?", None),
    ("Is anyone hurt?", None),
    ("¿Hay alguien herido?", None),
    ("Please describe the papers they stole", "papers"),  # when in doubt, a coordinator rephrases
])
def test_status_terms_are_found_in_either_language_without_accents_or_case(text, term):
    assert status_term(text) == term


@pytest.mark.parametrize("locale, text", [("es", "¿Tiene papeles? Puede decir SALTAR."),
                                          ("en", "Do you have a green card? Reply SKIP to skip.")])
def test_a_question_about_status_blocks_publishing_and_says_why(locale, text):
    found = errors(edited(**{f"{locale}__flows__ask_who": text}))
    ((where, message),) = [(w, m) for w, m in found if w.startswith("nodes.ask_who.prompt")]
    assert where == f"nodes.ask_who.prompt [{locale}]" and "Residents who fear deportation" in message


def test_the_policy_message_may_talk_about_status_because_it_asks_nothing():
    assert "status" in SHIPPED.texts["en"]["flows.policy"].lower()
    assert errors(SHIPPED) == []


def test_long_messages_get_a_segment_warning_not_an_error():
    long_spanish = "¿Qué pasó? " + "Cuéntenos todo lo que recuerde, por favor. " * 6
    report = check_bundle(edited(es__flows__ask_what=long_spanish))
    assert report.errors == []
    ((where, message),) = [(f.where, f.message) for f in report.findings if f.level == "warning"]
    assert where == "flows.ask_what [es]" and "UCS-2" in message


def test_only_conversation_texts_may_be_used():
    flow = SHIPPED.flow.replace("prompt: flows.ask_where", "prompt: officer.new_tip")
    assert ("officer.new_tip", "the conversation's texts are flows.* keys (this one belongs to another part of "
                               "the line)") in errors(edited(flow=flow))
