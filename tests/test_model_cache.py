"""The trained-model cache: read when it matches the training data and feature code, trained and written when
not, and never a crash for a bad or unwritable cache."""
from __future__ import annotations

import json
import os
import stat

import pytest

from bot.understanding import model_cache
from bot.understanding.evaluation import Example
from bot.understanding.intent_model import IntentModel, opt_out_label
from bot.understanding.model_cache import cached_model, training_key

EXAMPLES = [Example("es", "stop", "ya no me manden mensajes"), Example("en", "stop", "unsubscribe me please"),
            Example("es", "tip", "me robaron la bicicleta ayer"), Example("en", "greet", "hello there")]
TEXTS = ["no me manden nada", "they stole my bike", "hola", "remove me from this list"]


class Trainer:
    """Trains the small model and counts how often it had to."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> IntentModel:
        self.calls += 1
        return IntentModel.train(EXAMPLES, opt_out_label)


def test_the_first_start_trains_and_later_starts_read_the_same_model(tmp_path):
    trainer = Trainer()
    trained = cached_model("opt-out", trainer, IntentModel.from_table, str(tmp_path))
    read = cached_model("opt-out", trainer, IntentModel.from_table, str(tmp_path))
    assert trainer.calls == 1
    assert [read.scores(t) for t in TEXTS] == [trained.scores(t) for t in TEXTS]
    (saved,) = os.listdir(tmp_path)
    assert saved == f"opt-out-{training_key()[:32]}.json" and json.loads((tmp_path / saved).read_text())


def test_the_key_changes_with_the_training_data_and_the_feature_code(tmp_path):
    data, code = tmp_path / "intents.tsv", tmp_path / "nlu.py"
    data.write_text("reply_lang\tintent\ttext\nes\tgreet\thola\n")
    code.write_text("def words_of(text): ...\n")
    before = training_key((str(data), str(code)))
    data.write_text("reply_lang\tintent\ttext\nes\tgreet\thola\nen\tgreet\thi\n")
    after_data = training_key((str(data), str(code)))
    code.write_text("def words_of(text): return text.split()\n")
    assert len({before, after_data, training_key((str(data), str(code)))}) == 3
    assert set(model_cache.SOURCES) >= {os.path.join(os.path.dirname(model_cache.__file__), "data", "intents.tsv")}


@pytest.mark.parametrize("content", ["{not json", '{"log_prior": {}}', "[1, 2]"])
def test_a_damaged_cache_file_is_trained_again_and_replaced(tmp_path, content, caplog):
    trainer = Trainer()
    (tmp_path / f"opt-out-{training_key()[:32]}.json").write_text(content)
    model = cached_model("opt-out", trainer, IntentModel.from_table, str(tmp_path))
    assert trainer.calls == 1 and "could not be read" in caplog.text
    assert model.predict("ya no me manden mensajes")[0] == "stop"
    assert cached_model("opt-out", trainer, IntentModel.from_table, str(tmp_path)) and trainer.calls == 1  # the file was rewritten


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_an_unwritable_cache_only_costs_training(tmp_path, caplog):
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        trainer = Trainer()
        assert cached_model("opt-out", trainer, IntentModel.from_table, str(tmp_path / "models")).predict("hello there")[0] == "rest"
        assert trainer.calls == 1 and "could not be cached" in caplog.text
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_an_unwritable_cache_path_only_costs_training(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    trainer = Trainer()
    assert cached_model("opt-out", trainer, IntentModel.from_table, str(blocker / "models")).predict("hello there")[0] == "rest"
    assert trainer.calls == 1 and "could not be cached" in caplog.text


def test_without_a_cache_directory_the_model_is_trained():
    trainer = Trainer()
    cached_model("opt-out", trainer, IntentModel.from_table, None)
    cached_model("opt-out", trainer, IntentModel.from_table, "")
    assert trainer.calls == 2
