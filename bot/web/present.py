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


class Labels:
    """The dashboard's labels in LINE_OFFICER_LOCALE (translations/dashboard.*.yml and officer.*.yml)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def t(self, key: str, **params: object) -> str:
        """A dashboard label, its placeholders filled."""
        return i18n.text(f"dashboard.{key}", self.locale, **{k: str(v) for k, v in params.items()})

    def has(self, key: str) -> bool:
        """Whether there is a dashboard label of that key."""
        return i18n.has(f"dashboard.{key}", self.locale)

    def field(self, field: str) -> str:
        """An interview answer's label ("Where"), or the field's own name when it has none."""
        return i18n.text(f"officer.{field}", self.locale) if i18n.has(f"officer.{field}", self.locale) else field

    def reply(self, result: str) -> str:
        """A delivery result of an officer's reply, in words."""
        head, _, reason = result.partition(": ")
        head = head.split(" ")[0]
        if head in ("failed", "undelivered"):
            key = f"dashboard.reason_{reason}"
            return self.t("reply_failed", reason=i18n.text(key, self.locale) if i18n.has(key, self.locale)
                          else reason or head)
        key = "reply_queued_status" if head == "queued" else f"reply_{head}"
        return self.t(key) if self.has(key) else head


def install(app: Flask, services: Services) -> None:
    """Register the template filters and the label helpers (in LINE_OFFICER_LOCALE)."""
    labels = Labels(services.config.officer_locale)
    app.jinja_env.globals.update(t=labels.t, field_label=labels.field, reply_label=labels.reply,
                                 has_label=labels.has)
    app.jinja_env.globals["officer_locale"] = labels.locale
    app.jinja_env.globals["timezone"] = services.config.timezone
    app.jinja_env.filters["visible"] = visible
    app.jinja_env.filters["when"] = lambda stamp: local_time(float(stamp), services.config.timezone)
