"""Specification of bot.understanding.in_conversation: labelled emergencies and tips sent mid-conversation."""
from __future__ import annotations

import pytest

from bot.flows.files import load_flows
from bot.platform.config import Config
from bot.understanding.evaluation import Example
from bot.understanding.in_conversation import evaluate_in
from bot.understanding.models import hints

FLOW = load_flows(Config().flows_dir)["main"]
EXAMPLES = [Example("es", "emergency", "estan disparando ahorita en la calle"),
            Example("en", "emergency", "someone is breaking into my house right now"),
            Example("es", "tip", "me robaron el celular ayer en la parada"),
            Example("es", "greet", "hola")]  # neither an emergency nor a tip: not sent


@pytest.mark.parametrize("where", ["menu", "interview"])
def test_danger_now_gets_the_911_guidance_and_a_past_robbery_does_not(where):
    report = evaluate_in(FLOW, EXAMPLES, where, hints)
    assert (report.emergencies, report.shown, report.tips, report.false_alarms) == (2, 2, 1, 0)
    assert report.lines()[:3] == [f"state: {where}", "emergency recall: 100.0% (2/2)",
                                  "false alarms on tips: 0.0% (0/1)"]


def test_misses_and_false_alarms_are_listed():
    report = evaluate_in(FLOW, [Example("en", "emergency", "hello"), Example("en", "tip", "call 911 now")],
                         "interview", hints)
    assert report.missed == ["hello"] and report.alarmed == ["call 911 now"]
    assert report.recall == 0.0 and report.false_alarm_rate == 1.0
