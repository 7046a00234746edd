"""Everything checked before a coordinator's draft may be published: structure, both languages, the safety
lint (no question may ask about immigration status or papers) and the SMS lint (encoding and segments)."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine import Flow, FlowError, message_keys
from bot.engine.matching import contains_phrase, normalise

from . import i18n, sms
from .files import parse_flow_text
from .library import Bundle

# What a question to residents must never ask about (matched on normalised words: case, accents and
# punctuation ignored; both lists are applied to both languages, since residents mix them).
STATUS_TERMS = {
    "en": ("immigration", "immigrant", "status", "papers", "documents", "documented", "undocumented", "visa",
           "green card", "passport", "social security", "ssn", "citizen", "citizenship", "residency",
           "permanent resident", "work permit", "itin", "daca", "asylum", "deport", "deported", "deportation",
           "illegal", "illegally", "legal status", "alien", "born in", "country of origin", "id card"),
    "es": ("inmigracion", "inmigrante", "migracion", "migratorio", "migratoria", "estatus", "papeles",
           "documentos", "indocumentado", "indocumentada", "visa", "green card", "tarjeta verde", "mica",
           "pasaporte", "seguro social", "ciudadano", "ciudadana", "ciudadania", "residencia",
           "residente permanente", "permiso de trabajo", "itin", "daca", "asilo", "deportar", "deportado",
           "deportacion", "ilegal", "situacion legal", "migra", "donde nacio", "pais de origen", "identificacion"),
}
ASKING_TYPES = ("question", "consent")  # nodes whose prompt asks the resident for information
WHY = ("asks about immigration status or identity papers ({term!r}). Residents who fear deportation stop "
       "answering when asked this, and the department never asks it. Rephrase or remove the question.")
SAMPLE_PARAMS = {"code": "K7QF-3MZP", "limit": "1600", "hours": "72", "text": "...", "conversation_hours": "24",
                 "followup_hours": "72", "tip_days": "365", "dedupe_days": "14"}


@dataclass(frozen=True)
class Finding:
    """One problem: "error" blocks publishing, "warning" does not."""

    level: str
    where: str
    message: str


@dataclass(frozen=True)
class SmsRow:
    """How one text travels by SMS."""

    key: str
    locale: str
    encoding: str
    segments: int
    chars: int


@dataclass
class Report:
    """The result of checking a bundle."""

    flow: Flow | None = None
    findings: list[Finding] = field(default_factory=list)
    sms: list[SmsRow] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """Findings that block publishing."""
        return [f for f in self.findings if f.level == "error"]


def status_term(text: str) -> str | None:
    """The first immigration-status term a text contains, or None."""
    words = normalise(text).split()
    for terms in STATUS_TERMS.values():
        for term in terms:
            if contains_phrase(words, tuple(normalise(term).split())):
                return term
    return None


def check_bundle(bundle: Bundle) -> Report:
    """Check a draft: a parsed flow, or errors naming the path; texts in both languages; both lints."""
    report = Report()
    try:
        report.flow = parse_flow_text(bundle.flow, "flow")
    except FlowError as exc:
        report.findings.append(Finding("error", exc.path, exc.message))
        return report
    keys = sorted(message_keys(report.flow))
    for key in keys:
        if not key.startswith("flows."):
            report.findings.append(Finding("error", key, "the conversation's texts are flows.* keys (this one "
                                                         "belongs to another part of the line)"))
            continue
        _check_text(bundle, key, report)
    for node in report.flow.nodes.values():
        if node.type in ASKING_TYPES and node.prompt:
            for locale in ("en", "es"):
                term = status_term(_text(bundle, node.prompt, locale) or "")
                if term:
                    report.findings.append(Finding("error", f"nodes.{node.id}.prompt [{locale}]",
                                                   WHY.format(term=term)))
    return report


def _text(bundle: Bundle, key: str, locale: str) -> str | None:
    if key in bundle.texts.get(locale, {}):
        return bundle.texts[locale][key]
    try:
        return i18n.text(key, locale, **SAMPLE_PARAMS) if i18n.has(key, locale) else None
    except i18n.TranslationError:
        return None  # a text with other placeholders: reported as not a conversation text


def _check_text(bundle: Bundle, key: str, report: Report) -> None:
    values = {}
    for locale in ("en", "es"):
        value = _text(bundle, key, locale)
        if value is None or not value.strip():
            report.findings.append(Finding("error", f"{key} [{locale}]", "missing or empty"))
            continue
        values[locale] = value
        try:
            rendered = _fill(value)
        except KeyError as exc:
            report.findings.append(Finding("error", f"{key} [{locale}]", f"unknown placeholder %{{{exc.args[0]}}}"))
            continue
        row = SmsRow(key, locale, sms.encoding(rendered), sms.segments(rendered), len(rendered))
        report.sms.append(row)
        if row.segments > sms.MAX_SEGMENTS:
            report.findings.append(Finding("warning", f"{key} [{locale}]",
                                           f"{row.segments} SMS segments ({row.encoding}); keep it to "
                                           f"{sms.MAX_SEGMENTS} or fewer"))
    if len(values) == 2 and i18n.placeholders(values["en"]) != i18n.placeholders(values["es"]):
        report.findings.append(Finding("error", key, "the English and Spanish texts use different %{...} "
                                                     "placeholders"))


def _fill(value: str) -> str:
    for name in i18n.placeholders(value):
        if name not in SAMPLE_PARAMS:
            raise KeyError(name)
        value = value.replace(f"%{{{name}}}", SAMPLE_PARAMS[name])
    return value
