"""Specification of bot.flows.revisions: new conversations start on the current revision, others keep theirs,
and a revision that is gone becomes the current one (real redis-server)."""
from __future__ import annotations

import dataclasses

import pytest
import redis

from bot.flows import i18n, revisions as revisions_module
from bot.flows.files import load_flows
from bot.flows.library import FlowLibrary, shipped_bundle
from bot.flows.revisions import FlowRevisions
from bot.platform.config import Config

DIRS = (Config().flows_dir, Config().translations_dir)


@pytest.fixture
def revisions(redis_url, monkeypatch) -> FlowRevisions:
    i18n.configure(DIRS[1])
    now = [1000.0]
    monkeypatch.setattr(revisions_module.time, "monotonic", lambda: now[0])
    library = FlowLibrary(redis.Redis.from_url(redis_url), shipped_bundle(*DIRS))
    found = FlowRevisions(library, load_flows(DIRS[0])["main"], clock=lambda: 1_790_000_000.0)
    found.tick = lambda seconds: now.__setitem__(0, now[0] + seconds)  # the test's monotonic clock
    return found


def reworded(revisions: FlowRevisions, text: str):
    shipped = revisions.library.get(0).bundle
    texts = {locale: dict(values) for locale, values in shipped.texts.items()}
    texts["en"]["flows.welcome"] = text
    return dataclasses.replace(shipped, texts=texts)


def test_the_shipped_files_are_revision_zero(revisions):
    assert revisions.current_revision() == 0 and revisions.overlay(0) == "" and revisions.overlay(3) == "rev3."
    assert revisions.flow is revisions.flow_for(0)


def test_a_publish_in_this_process_is_current_at_once(revisions):
    number = revisions.publish(reworded(revisions, "Welcome, revised."), "coord", "wording")
    assert number == 1 and revisions.current_revision() == 1
    assert revisions.flow_for(1) is revisions.flow and i18n.text("rev1.flows.welcome", "en") == "Welcome, revised."


def test_another_process_publish_is_seen_within_a_few_seconds(revisions):
    assert revisions.current_revision() == 0
    revisions.library.publish(reworded(revisions, "From elsewhere."), "coord", 1.0, "elsewhere")
    assert revisions.current_revision() == 0  # still cached
    revisions.tick(revisions_module.REVISION_CHECK_SECONDS + 0.1)
    assert revisions.current_revision() == 1


def test_a_conversation_keeps_its_revision(revisions):
    revisions.publish(reworded(revisions, "One."), "coord", "one")
    revisions.publish(reworded(revisions, "Two."), "coord", "two")
    number, flow = revisions.pinned(1)
    assert number == 1 and flow is revisions.flow_for(1) and revisions.current_revision() == 2


def test_a_revision_that_is_gone_becomes_the_current_one(revisions):
    revisions.publish(reworded(revisions, "One."), "coord", "one")
    number, flow = revisions.pinned(99)
    assert number == 1 and flow is revisions.flow_for(1)


def test_redis_down_keeps_the_known_revision(revisions, monkeypatch):
    revisions.publish(reworded(revisions, "One."), "coord", "one")

    def down():
        raise redis.ConnectionError("down")
    monkeypatch.setattr(revisions.library, "current_number", down)
    revisions.tick(revisions_module.REVISION_CHECK_SECONDS + 0.1)
    assert revisions.current_revision() == 1
