"""The models around the engine's rules, asked once per message: lingua for language, naive Bayes for intent."""
from __future__ import annotations

from bot.engine import nlu

from .intent_model import guess, load, opt_out_margin
from .language import best_guess, detector, language_hint

__all__ = ["classify", "hints", "intent_only", "load_models", "stop_hint"]


def load_models(cache_dir: str | None = None) -> None:
    """Load the language model and the two intent models now, not on a resident's first message (the intent
    models from cache_dir when it has them for this training data; see model_cache)."""
    detector()
    load(cache_dir)
    classify("hola, buenas noches")  # the first detection and scoring warm their own caches (~4 ms)


def hints(text: str) -> tuple[str | None, str | None, float]:
    """(language hint, intent hint, the intent model's margin) for the engine's Inbound."""
    intent, margin = guess(text)
    return language_hint(text), intent, margin


def intent_only(text: str) -> tuple[None, str | None, float]:
    """Only the intent model's hint (an answer in the middle of an interview: the language is already known)."""
    intent, margin = guess(text)
    return None, intent, margin


def stop_hint(text: str) -> float:
    """The opt-out model's margin for the engine's Inbound (asked where free text is understood)."""
    return opt_out_margin(text)


def classify(text: str) -> tuple[str, str]:
    """(reply language, intent) a new conversation would get: the webhook's own code (`flask nlu classify`).

    When neither the vocabulary nor a confident language model can tell, the line answers bilingually;
    the language reported here is then the model's best guess, or "en" for text without letters. The intent
    "maybe_stop" means the line asks whether the resident wants to stop (nlu.MAYBE_STOP), alone or after its answer."""
    meaning = nlu.understand(text, *hints(text), stop_confidence=stop_hint(text))
    intent = nlu.MAYBE_STOP if meaning.ask_stop else meaning.intent
    return meaning.reply_language or best_guess(text) or "en", intent
