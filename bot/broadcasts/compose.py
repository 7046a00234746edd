"""The checks of an alert's two texts before it can be saved or approved: both languages present and short
enough, and the safety lint (an alert never asks about immigration status or papers)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.flows import sms
from bot.flows.check import status_term

MAX_CHARS = 612            # 4 GSM-7 segments; Spanish with accents (UCS-2) is held by MAX_SEGMENTS first
MAX_SEGMENTS = 4           # the SMS segments an alert may take (each is billed)
LOCALES = ("en", "es")
# An alert may say that police never ask about status; it must never ask the resident for it. A sentence that
# mentions a status term and reads as a request (a question, "send", "bring", "tell us"...) is refused.
_REQUEST_RE = re.compile(
    r"\?|¿|\b(send|bring|show|tell us|text us|reply with|share|provide|upload|what is your|do you have|are you|"
    r"envie|envíe|mande|traiga|muestre|diganos|díganos|comparta|responda con|cual es su|cuál es su|tiene usted|"
    r"es usted)\b", re.IGNORECASE)
_SENTENCE_RE = re.compile(r"(?<=[.!?;:\n])\s+")


@dataclass(frozen=True)
class Check:
    """The texts' SMS facts and the problems that block saving the alert."""

    segments: dict[str, int]
    encodings: dict[str, str]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the alert may be saved and approved."""
        return not self.problems


def asks_for_status(text: str) -> str | None:
    """The status term of a sentence that asks the resident about immigration status or papers, or None."""
    for sentence in _SENTENCE_RE.split(text):
        term = status_term(sentence)
        if term and _REQUEST_RE.search(sentence):
            return term
    return None


def check_texts(texts: dict[str, str], audience: str = "all") -> Check:
    """Check the English and Spanish texts of an alert (only the audience's language is needed for one language)."""
    needed = LOCALES if audience == "all" else (audience,)
    problems = []
    segments, encodings = {}, {}
    for locale in LOCALES:
        text = texts.get(locale, "")
        if not text.strip():
            if locale in needed:
                problems.append(f"{locale}: the text is empty")
            continue
        segments[locale], encodings[locale] = sms.segments(text), sms.encoding(text)
        if len(text) > MAX_CHARS or segments[locale] > MAX_SEGMENTS:
            problems.append(f"{locale}: too long ({len(text)} characters, {segments[locale]} SMS segments; "
                            f"at most {MAX_CHARS} characters and {MAX_SEGMENTS} segments)")
        term = asks_for_status(text)
        if term:
            problems.append(f"{locale}: asks about immigration status or papers ({term!r}). Police never ask "
                            "this; an alert must not either")
    return Check(segments, encodings, tuple(problems))
