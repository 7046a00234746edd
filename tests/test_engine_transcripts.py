"""Conversations as data: every transcript in tests/transcripts replayed through the pure engine."""
from __future__ import annotations

import glob
import os
from dataclasses import asdict
from typing import Any

import pytest
import yaml

from bot.engine import Inbound, State, advance
from bot.flows.files import load_flow_file

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSCRIPTS = sorted(glob.glob(os.path.join(HERE, "transcripts", "*.yml")))
FLOW = load_flow_file(os.path.join(os.path.dirname(HERE), "flows", "main.yml"))
FRESH_CODE = "K7QF-3MZP"
START = 1_800_000_000.0


def load_transcript(path: str) -> dict[str, Any]:
    """Read one transcript file."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def replay(transcript: dict[str, Any]):
    """Yield (step number, step, outcome) for each message of a transcript."""
    state: State | None = None
    now = START
    for number, step in enumerate(transcript["steps"], 1):
        now += step.get("wait", 60)
        inbound = Inbound(text=str(step["send"]), channel=transcript.get("channel", "sms"), fresh_code=FRESH_CODE,
                          stop_confidence=float(step.get("stop_confidence", 0.0)))
        outcome = advance(FLOW, state, inbound, now)
        yield number, step, outcome
        state = outcome.state


def _effect_matches(expected: Any, effect: Any) -> bool:
    if isinstance(expected, str):
        return type(effect).__name__ == expected
    (name, fields), = expected.items()
    if type(effect).__name__ != name:
        return False
    actual = asdict(effect)
    if "answers" in actual:
        actual["answers"] = dict(actual["answers"])
    return all(actual.get(k) == v for k, v in fields.items())


def test_there_are_transcripts_for_both_languages():
    texts = [load_transcript(p) for p in TRANSCRIPTS]
    locales = {step.get("locale") for t in texts for step in t["steps"]}
    assert {"en", "es"} <= locales
    assert len(TRANSCRIPTS) >= 8


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: os.path.basename(p)[:-4])
def test_transcript(path: str):
    transcript = load_transcript(path)
    assert transcript.get("description"), "every transcript says what it shows"
    for number, step, outcome in replay(transcript):
        where = f"{os.path.basename(path)} step {number} ({step['send']!r})"
        assert [r.key for r in outcome.replies] == step["replies"], where
        assert outcome.silent == step.get("silent", False), where
        if "node" in step:
            assert outcome.state.node == step["node"], where
        if "locale" in step:
            assert outcome.state.locale == step["locale"], where
        expected_effects = step.get("effects", [])
        assert len(outcome.effects) == len(expected_effects), f"{where}: effects {outcome.effects}"
        for expected, effect in zip(expected_effects, outcome.effects):
            assert _effect_matches(expected, effect), f"{where}: {effect} is not {expected}"
