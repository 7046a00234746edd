"""The language model behind the line's own vocabulary: lingua, restricted to English and Spanish.

The only importer of lingua. The detector is built once per process (a few milliseconds) and answers in
tens of microseconds; it is asked only for a hint that the engine uses when its vocabulary cannot tell.
"""
from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

MIN_CONFIDENCE = 0.75
_CODES = {Language.ENGLISH: "en", Language.SPANISH: "es"}


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """The process's detector (built on first use; create_app warms it)."""
    return LanguageDetectorBuilder.from_languages(*_CODES).with_preloaded_language_models().build()


def language_hint(text: str, min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """"en" or "es" when the model is confident enough about the text, else None."""
    if not any(ch.isalpha() for ch in text):
        return None
    best = detector().compute_language_confidence_values(text)[0]
    return _CODES[best.language] if best.value >= min_confidence else None


def best_guess(text: str) -> str | None:
    """The model's top language for the text whatever its confidence (None without letters)."""
    return language_hint(text, min_confidence=0.0)

