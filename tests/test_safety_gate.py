"""The safety gate before publishing: every labelled message replayed with the draft flow and the published one;
a draft that gives fewer emergencies the 911 guidance, or opts out someone who did not ask, is refused."""
from __future__ import annotations

import os

import pytest

from bot.flows.files import load_flows, parse_flow_text
from bot.understanding import safety_gate
from bot.understanding.evaluation import Example
from bot.understanding.safety_gate import STATES, labelled_examples, regressions, safety_figures
from tests.conftest import Staff
from tests.test_editor import draft_of, save

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOW_TEXT = open(os.path.join(ROOT, "flows", "main.yml"), encoding="utf-8").read()
PUBLISHED = load_flows(os.path.join(ROOT, "flows"))["main"]
EXAMPLES = (Example("es", "emergency", "auxilio"), Example("en", "emergency", "someone is shooting right now"),
            Example("es", "emergency", "me estan siguiendo ahorita, tengo miedo"),
            Example("es", "greet", "hola"), Example("en", "tip", "my bike was stolen last week"),
            Example("es", "stop", "PARAR"), Example("en", "other", "gracias"))


def with_stop_words(*words: str) -> str:
    """The shipped flow with more STOP keywords (as a coordinator would add them in the editor)."""
    return FLOW_TEXT.replace("  stop: [stop, stopall,", f"  stop: [{', '.join(words)}, stop, stopall,", 1)


def test_the_published_flow_is_as_safe_as_itself():
    figures = safety_figures(PUBLISHED, EXAMPLES)
    assert figures.emergencies == 3 and figures.others == 3
    assert all(figures.recall(where) == 1.0 for where in STATES) and not figures.opted_out
    assert regressions(figures, safety_figures(PUBLISHED, EXAMPLES)) == []


def test_a_stop_word_that_is_an_alarm_loses_emergencies_and_is_refused():
    figures = safety_figures(parse_flow_text(with_stop_words("auxilio"), "flow"), EXAMPLES)
    reasons = regressions(safety_figures(PUBLISHED, EXAMPLES), figures)
    assert figures.missed["first message"] == {"auxilio"}
    assert any(str(r).startswith("1 emergencies would no longer get the call-911 guidance (first message")
               and r.examples == ("auxilio",) for r in reasons)


def test_a_stop_word_that_people_say_anyway_is_a_false_opt_out_and_is_refused():
    figures = safety_figures(parse_flow_text(with_stop_words("hola", "gracias"), "flow"), EXAMPLES)
    assert figures.opted_out == {"hola", "gracias"}
    (reason,) = regressions(safety_figures(PUBLISHED, EXAMPLES), figures)
    assert (reason.kind, reason.count, reason.examples) == ("opted_out", 2, ("gracias", "hola"))


def test_a_safe_new_stop_word_passes():
    figures = safety_figures(parse_flow_text(with_stop_words("dejen de mandarme"), "flow"), EXAMPLES)
    assert regressions(safety_figures(PUBLISHED, EXAMPLES), figures) == []


def test_every_labelled_set_is_replayed():
    texts = {example.text for example in labelled_examples()}
    assert len(texts) > 6000 and "BAJA" in texts  # the training data and tests/data (twentyfourth's first line)


@pytest.fixture
def small_gate(monkeypatch):
    """The gate over a handful of messages (the full replay, ~7 000 messages, takes seconds), with its own cache of
    the published flow's figures (the process keeps them otherwise)."""
    from bot.web import editor
    monkeypatch.setattr(safety_gate, "labelled_examples", lambda: EXAMPLES)
    monkeypatch.setattr(editor, "_published_figures", {})


def test_publishing_a_less_safe_draft_is_refused_with_the_reasons(app, small_gate):
    coordinator = Staff(app, "coord", "coordinator")
    save(coordinator, app, flow=with_stop_words("hola"))
    coordinator.get("/dashboard/flows/")
    response = coordinator.post("/dashboard/flows/publish", {"comment": "more ways to say stop"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="safety-gate"' in html and "<q>hola</q>" in html
    assert "1 messages that are not opt-outs would stop all messages to the resident" in html
    line = app.extensions["linea"]
    assert line.revisions.current_revision() == 0 and line.library.draft() is not None  # kept, not published
    assert line.audit.recent()[0].action == "flow_publish_blocked"


def test_publishing_a_safe_keyword_change_goes_through(app, small_gate):
    coordinator = Staff(app, "coord", "coordinator")
    save(coordinator, app, flow=with_stop_words("dejen de mandarme"))
    coordinator.get("/dashboard/flows/")
    assert "done=published" in coordinator.post("/dashboard/flows/publish", {"comment": "one more stop"}).location
    assert "dejen de mandarme" in draft_of(app).flow


def test_reverting_to_a_less_safe_revision_is_refused_too(app, small_gate, monkeypatch):
    line = app.extensions["linea"]
    coordinator = Staff(app, "coord", "coordinator")
    monkeypatch.setattr(safety_gate, "labelled_examples", lambda: ())  # publish an unsafe revision 1 unchecked
    save(coordinator, app, flow=with_stop_words("hola"))
    coordinator.get("/dashboard/flows/")
    coordinator.post("/dashboard/flows/publish", {"comment": "unsafe, before the gate saw it"})
    save(coordinator, app, flow=FLOW_TEXT)
    coordinator.get("/dashboard/flows/")
    coordinator.post("/dashboard/flows/publish", {"comment": "safe again"})
    assert line.revisions.current_revision() == 2
    monkeypatch.setattr(safety_gate, "labelled_examples", lambda: EXAMPLES)
    from bot.web import editor
    editor._published_figures.clear()  # the figures without examples were kept for this revision's text
    coordinator.get("/dashboard/flows/")
    assert coordinator.post("/dashboard/flows/revert/1").status_code == 409
    assert line.revisions.current_revision() == 2


# --- the local vocabulary (stop phrases, immigration words, slang, streets) goes through the same gate -----------

HOSTILE = "<script>alert(1)</script> hola"
KNIFE = "tiene cuchillo"  # an emergency that names nothing but its weapon (the models, unsure, follow the rules)
WITH_VOCABULARY = EXAMPLES + (Example("en", "help", "help"), Example("es", "help", "ayuda como funciona esto"),
                              Example("es", "emergency", KNIFE),
                              Example("es", "greet", HOSTILE))


def with_entry(group: str, entry: str) -> str:
    """The shipped flow with one more entry in a local vocabulary list (as the Vocabulary page writes it)."""
    return FLOW_TEXT.replace(f"  {group}: [", f'  {group}: ["{entry}", ', 1)


@pytest.mark.parametrize("group, entry, kind, example", [
    ("stop_phrases", "help", "opted_out", "help"),
    ("stop_phrases", "ayuda", "opted_out", "ayuda como funciona esto"),
    ("stop_phrases", "hola", "opted_out", HOSTILE),
    ("streets", "cuchillo", "missed", KNIFE),  # set aside as a place name: the danger is gone
])
def test_a_harmful_vocabulary_entry_is_refused_with_the_figure_that_drops(group, entry, kind, example):
    published = safety_figures(PUBLISHED, WITH_VOCABULARY)
    reasons = regressions(published, safety_figures(parse_flow_text(with_entry(group, entry), "flow"), WITH_VOCABULARY))
    assert reasons and {r.kind for r in reasons} == {kind} and all(example in r.examples for r in reasons)
    if kind == "missed":  # in an answer, where the rules are strictest (the models may still sense it elsewhere)
        assert "interview" in {r.where for r in reasons}


@pytest.mark.parametrize("group, entry", [("streets", "Prospect Ave"), ("immigration", "los de la perrera"),
                                          ("stop_phrases", "ya no me escriban nada")])
def test_a_harmless_vocabulary_entry_passes(group, entry):
    draft = parse_flow_text(with_entry(group, entry), "flow")
    assert draft != PUBLISHED  # a vocabulary change alone is a different flow: it is replayed, not waved through
    assert regressions(safety_figures(PUBLISHED, WITH_VOCABULARY), safety_figures(draft, WITH_VOCABULARY)) == []


def test_the_shipped_vocabulary_is_as_safe_as_none_on_every_labelled_message():
    from dataclasses import replace
    plain = replace(PUBLISHED, keywords=replace(PUBLISHED.keywords, local=None))
    assert regressions(safety_figures(plain), safety_figures(PUBLISHED)) == []


def test_a_vocabulary_change_that_opts_out_greetings_is_refused_on_publish_with_the_reason(app, small_gate,
                                                                                         monkeypatch):
    monkeypatch.setattr(safety_gate, "labelled_examples", lambda: WITH_VOCABULARY)
    coordinator = Staff(app, "coord", "coordinator")
    coordinator.get("/dashboard/flows/vocabulary")
    saved = coordinator.post("/dashboard/flows/vocabulary", {"stop_phrases": "ya no me textees\nhola"})
    assert saved.location.endswith("/dashboard/flows/vocabulary?saved=1")
    coordinator.get("/dashboard/flows/")
    response = coordinator.post("/dashboard/flows/publish", {"comment": "hola means stop here"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="safety-gate"' in html
    assert "messages that are not opt-outs would stop all messages to the resident" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hola" in html and "<script>alert(1)" not in html
    assert app.extensions["linea"].revisions.current_revision() == 0
