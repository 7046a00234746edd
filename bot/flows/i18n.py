"""The only importer of python-i18n: load translations/ once, render keys with an explicit locale."""
from __future__ import annotations

import os
import re
from typing import Iterable, Mapping

import i18n
from i18n import resource_loader, translations

from bot.engine.model import LOCALES, Reply

_FILE_RE = re.compile(r"^(?P<namespace>[a-z_]+)\.(?P<locale>[a-z]{2})\.yml$")
_PLACEHOLDER_RE = re.compile(r"%\{(\w+)\}")


class TranslationError(Exception):
    """A translation is missing or malformed."""


def configure(directory: str) -> None:
    """Load every translations/NAMESPACE.LOCALE.yml file now (never per request); safe to call again."""
    i18n.set("file_format", "yml")
    i18n.set("filename_format", "{namespace}.{locale}.{format}")
    i18n.set("available_locales", list(LOCALES))
    i18n.set("error_on_missing_translation", True)
    i18n.set("error_on_missing_placeholder", True)
    i18n.set("skip_locale_root_data", False)
    i18n.load_path[:] = [directory]
    translations.container.clear()
    for name in sorted(os.listdir(directory)):
        match = _FILE_RE.match(name)
        if match and match.group("locale") in LOCALES:
            try:
                resource_loader.load_translation_file(name, directory, match.group("locale"))
            except Exception as exc:  # python-i18n raises bare errors for broken YAML
                raise TranslationError(f"{os.path.join(directory, name)}: cannot load: {exc}") from exc


def catalog(locale: str) -> Mapping[str, object]:
    """Every loaded key and its raw value for one locale."""
    return dict(translations.container.get(locale, {}))


def has(key: str, locale: str) -> bool:
    """True when the key exists in that locale."""
    return translations.has(key, locale)


def text(key: str, locale: str, **params: str) -> str:
    """Render one key in one locale; raise TranslationError if it does not exist there."""
    if not translations.has(key, locale):
        raise TranslationError(f"missing translation {key!r} for locale {locale!r}")
    try:
        return i18n.t(key, locale=locale, **params)
    except (KeyError, ValueError) as exc:
        raise TranslationError(f"cannot render {key!r} in {locale!r}: {exc}") from exc


def render(reply: Reply, locale: str, defaults: Mapping[str, str] | None = None, overlay: str = "") -> str:
    """Render an engine Reply in the resident's locale; defaults fill placeholders the reply does not set.

    overlay: a prefix of texts installed with install_overlay (a published revision or a draft); keys it does
    not have come from the files."""
    key = reply.key
    if overlay and translations.has(overlay + key, locale):
        key = overlay + key
    return text(key, locale, **{**(defaults or {}), **reply.params})


def install_overlay(prefix: str, texts: Mapping[str, Mapping[str, str]]) -> None:
    """Load another set of texts ({locale: {key: text}}) under a key prefix, replacing what it had."""
    for locale in LOCALES:
        catalog = translations.container.setdefault(locale, {})
        for key in [k for k in catalog if k.startswith(prefix)]:
            del catalog[key]
        for key, value in (texts.get(locale) or {}).items():
            translations.add(prefix + key, value, locale=locale)


def placeholders(value: str) -> set[str]:
    """The %{name} placeholders a translation uses."""
    return set(_PLACEHOLDER_RE.findall(value))


def check(keys: Iterable[str]) -> list[str]:
    """Problems with translations: keys missing in a locale, placeholder mismatch, empty or non-text values."""
    problems = []
    by_locale = {locale: catalog(locale) for locale in LOCALES}
    all_keys = set(keys).union(*(set(c) for c in by_locale.values()))
    for key in sorted(all_keys):
        values = {}
        for locale in LOCALES:
            if key not in by_locale[locale]:
                problems.append(f"{key}: missing in {locale!r}")
                continue
            value = by_locale[locale][key]
            if not isinstance(value, str):
                problems.append(f"{key}: {locale!r} value {value!r} is not text (quote it in YAML)")
            elif not value.strip():
                problems.append(f"{key}: {locale!r} is empty")
            else:
                values[locale] = value
        if len(values) == len(LOCALES):
            marks = {locale: placeholders(v) for locale, v in values.items()}
            if len({frozenset(m) for m in marks.values()}) > 1:
                problems.append(f"{key}: placeholders differ between locales: {marks}")
    return problems
