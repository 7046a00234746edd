"""Translations: every key in en and es, same placeholders, only text, short enough for SMS."""
from __future__ import annotations

import glob
import os

import pytest
import yaml

from bot.conversations.line import SHELL_KEYS
from bot.engine import Reply, message_keys
from bot.flows import i18n, sms
from bot.flows.files import load_flow_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, "translations")
FLOW = load_flow_file(os.path.join(ROOT, "flows", "main.yml"))
RESIDENT_NAMESPACES = ("flows", "line")
i18n.configure(TRANSLATIONS)  # before collection: the tables below are built from the catalog


def resident_keys() -> list[str]:
    return sorted(k for k in i18n.catalog("en") if k.split(".")[0] in RESIDENT_NAMESPACES)


def test_translations_have_no_problems():
    assert i18n.check(message_keys(FLOW) | set(SHELL_KEYS)) == []


@pytest.mark.parametrize("key", sorted(message_keys(FLOW) | set(SHELL_KEYS)))
def test_every_key_used_exists_in_both_languages(key: str):
    for locale in ("en", "es"):
        assert i18n.has(key, locale), f"{key} missing in {locale}"


def test_both_languages_have_the_same_keys():
    assert set(i18n.catalog("en")) == set(i18n.catalog("es"))


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(TRANSLATIONS, "*.yml"))), ids=os.path.basename)
def test_yaml_holds_only_strings(path: str):
    """YAML 1.1 turns yes/no/on into booleans and 911 into a number: every value must be quoted text."""
    def walk(value, where):
        if isinstance(value, dict):
            for k, v in value.items():
                assert isinstance(k, str), f"{where}: key {k!r} is not text"
                walk(v, f"{where}.{k}")
        else:
            assert isinstance(value, str), f"{where}: {value!r} is not text (quote it)"
    with open(path, encoding="utf-8") as handle:
        walk(yaml.safe_load(handle), os.path.basename(path))


@pytest.mark.parametrize("key", resident_keys())
@pytest.mark.parametrize("locale", ["en", "es"])
def test_resident_messages_fit_three_sms_segments(key: str, locale: str):
    params = {name: "K7QF-3MZP" if name == "code" else "1600" for name in i18n.placeholders(
        i18n.catalog(locale)[key])}
    text = i18n.text(key, locale, **params)
    assert sms.segments(text) <= sms.MAX_SEGMENTS, f"{key} [{locale}] is {sms.segments(text)} segments: {text}"


def test_spanish_is_not_english():
    same = [k for k in resident_keys() if i18n.catalog("en")[k] == i18n.catalog("es")[k]]
    assert same == []


def test_render_uses_the_locale_given_not_a_global():
    reply = Reply("flows.language_set")
    assert i18n.render(reply, "es") != i18n.render(reply, "en")
    assert "español" in i18n.render(reply, "es")


def test_placeholders_are_filled_and_values_stay_literal():
    text = i18n.render(Reply("flows.addendum_received", {"code": "%{code} ${x} {{7*7}}"}), "en")
    assert "%{code} ${x} {{7*7}}" in text


def test_missing_key_is_an_error_not_the_key_text():
    with pytest.raises(i18n.TranslationError):
        i18n.text("flows.no_such_key", "es")


def test_policy_text_says_what_the_department_promises():
    en = i18n.text("flows.policy", "en") + i18n.text("flows.policy_invite", "en")
    es = i18n.text("flows.policy", "es") + i18n.text("flows.policy_invite", "es")
    for phrase in ("do NOT enforce immigration law", "never ask", "do not call immigration", "lying"):
        assert phrase in en
    for phrase in ("NO hace cumplir leyes de inmigración", "Nunca preguntamos", "no llamamos a inmigración",
                   "MIENTE"):
        assert phrase in es
