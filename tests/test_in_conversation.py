"""Specification of bot.understanding.in_conversation: labelled emergencies and tips sent mid-conversation."""
from __future__ import annotations

import os

import pytest

from bot.flows.files import load_flows
from bot.platform.config import Config
from bot.understanding.evaluation import Example, read_examples
from bot.understanding.in_conversation import evaluate_in
from bot.understanding.models import hints, intent_only

FLOW = load_flows(Config().flows_dir)["main"]
EXAMPLES = [Example("es", "emergency", "estan disparando ahorita en la calle"),
            Example("en", "emergency", "someone is breaking into my house right now"),
            Example("es", "tip", "me robaron el celular ayer en la parada"),
            Example("es", "greet", "hola")]  # neither an emergency nor a tip: not sent


@pytest.mark.parametrize("where", ["menu", "interview"])
def test_danger_now_gets_the_911_guidance_and_a_past_robbery_does_not(where):
    report = evaluate_in(FLOW, EXAMPLES, where, hints, intent_only)
    assert (report.emergencies, report.shown, report.tips, report.false_alarms) == (2, 2, 1, 0)
    assert report.lines()[:3] == [f"state: {where}", "emergency recall: 100.0% (2/2)",
                                  "false alarms on tips: 0.0% (0/1)"]


def test_misses_and_false_alarms_are_listed():
    report = evaluate_in(FLOW, [Example("en", "emergency", "hello"), Example("en", "tip", "call 911 now")],
                         "interview", hints, intent_only)
    assert report.missed == ["hello"] and report.alarmed == ["call 911 now"]
    assert report.recall == 0.0 and report.false_alarm_rate == 1.0


def test_in_an_answer_the_intent_models_sure_opinion_of_danger_counts():
    """An emergency the rules' stricter mid-interview check misses is still found with the model's opinion."""
    examples = [Example("en", "emergency", "car just crashed into the taco truck, theres people trapped under it"),
                Example("es", "emergency", "acaba de chocar un carro contra la parada del bus y hay una señora atrapada abajo"),
                Example("es", "tip", "me robaron la cartera la semana pasada en la parada")]
    alone = evaluate_in(FLOW, examples, "interview", hints)  # the rules alone
    assert (alone.shown, alone.false_alarms) == (0, 0)
    both = evaluate_in(FLOW, examples, "interview", hints, intent_only)
    assert (both.shown, both.false_alarms) == (2, 0)


DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


# Written blind in sessions 6 to 8; first looks in bot/understanding/data/README.md (e.g. twentyfirst 41 %, twentysixth
# 90 %); each floor is the set's figure now, after the rules and the meaning model that came after its first look.
@pytest.mark.parametrize("name, least_recall, most_false_alarms", [
    ("nineteenth", 0.98, 0.02), ("twentieth", 0.96, 0.04), ("twentyfirst", 0.97, 0.02), ("twentysecond", 1.0, 0.05),
    ("twentyfifth", 0.98, 0.04), ("twentysixth", 0.97, 0.05),
    ("twentyseventh", 0.98, 0.02), ("twentyeighth", 1.0, 0.03), ("twentyninth", 1.0, 0.03),
    ("thirtieth", 0.96, 0.05), ("thirtyfirst", 0.97, 0.07),
    # written blind in session 9; first looks 98.0 % / 3.3 %, 95.0 % / 10.0 %, 100 % / 10.0 % (2 of 20)
    ("thirtysecond", 1.0, 0.02), ("thirtythird", 0.97, 0.05), ("thirtyfourth", 1.0, 0.10),
    # written blind at the end of session 9; first looks (commit 2d4f94c) 94.5 % / 0 %, 93.9 % / 3.7 %; these floors
    # are after the model's threshold in an answer went 10 -> 7
    ("thirtyfifth", 0.94, 0.01), ("thirtysixth", 0.95, 0.06),
    # written blind in session 10; first looks (commit 66ca32b) 96.4 % / 1.7 %, 92.5 % / 6.5 %; these floors are after
    # both joined the training data
    ("thirtyseventh", 1.0, 0.01), ("thirtyeighth", 0.97, 0.03),
    # written blind at the end of session 10; measured once with commit 3b6d3e5: 100 % / 5.0 %, 96.2 % / 4.6 %
    ("thirtyninth", 1.0, 0.05), ("fortieth", 0.98, 0.03),
    # written blind in session 11; first looks (commit 5f37626) 96.4 % / 1.7 %, 93.8 % / 3.7 %; floors after both
    # joined the training data
    ("fortyfirst", 1.0, 0.02), ("fortysecond", 1.0, 0.02),
    # written blind at the end of session 11; measured once with commit 2785642: 100 % / 3.3 %, 95.0 % / 2.8 %
    ("fortythird", 1.0, 0.04), ("fortyfourth", 0.98, 0.02),
    # written blind in session 12; first looks (commit ce17bfb) 100 % / 0 %, 100 % / 1.8 %; floors after both joined
    # the training data
    ("fortyfifth", 1.0, 0.01), ("fortysixth", 1.0, 0.01),
    # written blind at the end of session 12; measured once with commit 40c6512: 100 % / 0 %, 100 % / 3.6 %
    ("fortyseventh", 1.0, 0.01), ("fortyeighth", 1.0, 0.03),
    # written blind in session 13; first looks (commit 83affab) 100 % / 3.3 %, 100 % / 9.1 %; floors after both joined
    # the training data
    ("fortyninth", 1.0, 0.01), ("fiftieth", 1.0, 0.03),
    # written blind at the end of session 13; measured once with commit 9db9479: 100 % / 0 %, 100 % / 5.5 %
    ("fiftyfirst", 1.0, 0.01), ("fiftysecond", 1.0, 0.02),
    # written blind in session 14; first looks (commit c739593) 100 % / 1.7 %, 100 % / 3.6 %; floors after both joined
    # the training data
    ("fiftythird", 1.0, 0.01), ("fiftyfourth", 1.0, 0.02),
    # written blind at the end of session 14; measured once with commit 7390ed7: 100 % / 1.7 %, 100 % / 0.9 %
    ("fiftyfifth", 1.0, 0.02), ("fiftysixth", 1.0, 0.01),
    # written blind in session 15; first looks 100 % / 1.7 %, 100 % / 4.5 %; floors after both joined the training data
    ("sixtythird", 1.0, 0.01), ("sixtyfourth", 1.0, 0.01),
    # written blind at the end of session 15; measured once with its last code: 100 % / 0 %, 100 % / 2.7 %
    ("sixtyfirst", 1.0, 0.01), ("sixtysecond", 1.0, 0.01),
])
def test_emergencies_as_interview_answers_on_the_blind_sets(name, least_recall, most_false_alarms):
    report = evaluate_in(FLOW, read_examples(os.path.join(DATA, f"{name}.tsv")), "interview", hints, intent_only)
    assert report.recall >= least_recall, "\n".join(report.lines())
    assert report.false_alarm_rate <= most_false_alarms, "\n".join(report.lines())
