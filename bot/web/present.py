"""How tip data is shown: hostile text escaped with invisible controls made visible, times, labels."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

from bot.flows import i18n
from bot.services import Services

# Characters that reorder or hide text (bidi overrides, isolates, marks, zero-width): shown as [U+202E].
INVISIBLE_RE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def visible(text: object) -> Markup:
    """Escape text for HTML and replace each invisible control character with a visible [U+XXXX] mark."""
    escaped = str(escape("" if text is None else str(text)))
    return Markup(INVISIBLE_RE.sub(
        lambda m: f'<span class="control" title="hidden control character">[U+{ord(m.group()):04X}]</span>',
        escaped))


def local_time(stamp: float, zone: str) -> str:
    """A timestamp as YYYY-MM-DD HH:MM and the zone's abbreviation (CST, CDT) in the department's time zone."""
    return datetime.fromtimestamp(stamp, tz=ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def install(app: Flask, services: Services) -> None:
    """Register the template filters and the t() label helper (in LINE_OFFICER_LOCALE)."""
    locale = services.config.officer_locale

    def t(key: str, **params: object) -> str:
        return i18n.text(f"dashboard.{key}", locale, **{k: str(v) for k, v in params.items()})

    def field_label(field: str) -> str:
        return i18n.text(f"officer.{field}", locale) if i18n.has(f"officer.{field}", locale) else field

    def reply_label(result: str) -> str:
        head, _, reason = result.partition(": ")
        head = head.split(" ")[0]
        if head in ("failed", "undelivered"):
            key = f"dashboard.reason_{reason}"
            return t("reply_failed", reason=i18n.text(key, locale) if i18n.has(key, locale) else reason or head)
        key = "reply_queued_status" if head == "queued" else f"reply_{head}"
        return t(key) if i18n.has(f"dashboard.{key}", locale) else head

    def has_label(key: str) -> bool:
        return i18n.has(f"dashboard.{key}", locale)

    app.jinja_env.globals.update(t=t, field_label=field_label, reply_label=reply_label, has_label=has_label)
    app.jinja_env.globals["officer_locale"] = locale
    app.jinja_env.globals["timezone"] = services.config.timezone
    app.jinja_env.filters["visible"] = visible
    app.jinja_env.filters["when"] = lambda stamp: local_time(float(stamp), services.config.timezone)
