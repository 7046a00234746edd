"""Specification of bot.flows.rendering: replies in the resident's language (both, Spanish first, while it is
unknown), with the texts of the conversation's revision and the settings the privacy notice quotes."""
from __future__ import annotations

import dataclasses

import pytest
import redis

from bot.engine import Reply
from bot.flows import i18n
from bot.flows.files import load_flows
from bot.flows.library import FlowLibrary, shipped_bundle
from bot.flows.rendering import Renderer, notice_params
from bot.flows.revisions import FlowRevisions
from bot.platform.config import Config

CONFIG = Config(conversation_ttl=12 * 3600, followup_ttl=72 * 3600, tip_retention_days=90, dedupe_ttl=14 * 86400)


@pytest.fixture
def renderer(redis_url) -> Renderer:
    i18n.configure(CONFIG.translations_dir)
    library = FlowLibrary(redis.Redis.from_url(redis_url), shipped_bundle(CONFIG.flows_dir, CONFIG.translations_dir))
    revisions = FlowRevisions(library, load_flows(CONFIG.flows_dir)["main"], clock=lambda: 0.0)
    return Renderer(revisions, notice_params(CONFIG))


def test_the_notice_quotes_the_settings():
    assert notice_params(CONFIG) == {"conversation_hours": "12", "followup_hours": "72", "tip_days": "90",
                                     "dedupe_days": "14"}


def test_the_privacy_text_says_what_the_settings_say(renderer):
    (text,) = renderer.render([Reply("flows.privacy")], "en", "whatsapp")
    assert "12 hours" in text and "90 days" in text


def test_an_unknown_language_gets_spanish_then_english(renderer):
    (text,) = renderer.render([Reply("flows.welcome")], None, "whatsapp")
    assert text.index(i18n.text("flows.welcome", "es")) < text.index(i18n.text("flows.welcome", "en"))


def test_a_conversation_reads_its_own_revision(renderer):
    shipped = renderer.revisions.library.get(0).bundle
    texts = {locale: dict(values) for locale, values in shipped.texts.items()}
    texts["en"]["flows.welcome"] = "Welcome to revision one."
    renderer.revisions.publish(dataclasses.replace(shipped, texts=texts), "coord", "wording")
    assert renderer.render([Reply("flows.welcome")], "en", "sms") == ["Welcome to revision one."]
    assert renderer.render([Reply("flows.welcome")], "en", "sms", revision=0) == [i18n.text("flows.welcome", "en")]


def test_trouble_is_bilingual(renderer):
    (text,) = renderer.trouble("whatsapp")
    assert i18n.text("line.trouble", "es") in text and i18n.text("line.trouble", "en") in text
