"""Normalise what residents type and match it against keywords, choices and tip codes."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Iterator

TIP_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_CHARS = frozenset(TIP_CODE_ALPHABET)
_CODE_RE = re.compile(
    r"^\W*([%s]{4})[\s\-\u2010-\u2015.]?([%s]{4})(?![%s])[\s:,.;\-\u2010-\u2015]*(.*)$"
    % ((TIP_CODE_ALPHABET,) * 3),
    re.DOTALL,
)
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_APOSTROPHES_RE = re.compile(r"['\u2018\u2019\u02bc\u0060\u00b4]")
_DIGIT_RE = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Fold case, width and accents; drop apostrophes, punctuation and emoji; collapse spaces ("ＳＴＯＰ." -> "stop")."""
    folded = unicodedata.normalize("NFKC", _APOSTROPHES_RE.sub("", text))  # "I'm" -> "im", "don´t" -> "dont"
    decomposed = unicodedata.normalize("NFKD", folded.casefold())
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_TOKEN_RE.findall(no_marks))


def tokens(text: str) -> list[str]:
    """Split a message into normalised words."""
    return normalise(text).split()


def normalise_all(words: Iterable[str]) -> frozenset[str]:
    """Normalise a list of keywords or phrases."""
    return frozenset(n for n in (normalise(w) for w in words) if n)


_INDEXES: dict[int, tuple[object, dict[str, list[tuple[str, ...]]], frozenset[tuple[str, ...]]]] = {}


def phrase_index(phrases: tuple[tuple[str, ...], ...]) -> tuple[dict[str, list[tuple[str, ...]]], frozenset]:
    """The phrases by their first word, and the set of whole phrases; built once per phrase list.

    Keyed by identity (phrase lists are long-lived constants of the lexicon and of a loaded flow; the list is
    kept in the entry, so its id cannot be reused): hashing a list of hundreds of phrases on every message
    cost more than the search itself."""
    entry = _INDEXES.get(id(phrases))
    if entry is None or entry[0] is not phrases:
        if len(_INDEXES) > 1024:  # flows parsed again and again (editor previews) must not grow this forever
            _INDEXES.clear()
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            by_first.setdefault(phrase[0], []).append(phrase)
        entry = _INDEXES[id(phrases)] = (phrases, by_first, frozenset(phrases))
    return entry[1], entry[2]


def phrase_spans(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> Iterator[tuple[int, int]]:
    """(start, end) of every place one of the phrases appears as consecutive whole words, left to right."""
    by_first = phrase_index(phrases)[0]
    if by_first.keys().isdisjoint(words):  # the usual case, decided without a Python loop
        return
    for i, word in enumerate(words):
        for phrase in by_first.get(word, ()):
            if tuple(words[i:i + len(phrase)]) == phrase:
                yield i, i + len(phrase)


def contains_any_phrase(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    """True when any of the phrases appears in the words as consecutive whole words."""
    return next(phrase_spans(words, phrases), None) is not None


def contains_phrase(words: list[str], phrase: tuple[str, ...]) -> bool:
    """True when the phrase appears as consecutive whole words."""
    size = len(phrase)
    return any(tuple(words[i:i + size]) == phrase for i in range(len(words) - size + 1))


def chosen_number(text: str, count: int) -> int | None:
    """Return the option number a short answer picks ("2", "2.", "#2", "opcion 2"), else None."""
    words = tokens(text)
    if not words or len(words) > 3:
        return None
    numbers = [w for w in words if _DIGIT_RE.fullmatch(w)]
    if len(numbers) != 1:
        return None
    value = int(numbers[0])
    return value if 1 <= value <= count else None


def is_tip_code_half(half: str) -> bool:
    """Each half of a tip code mixes digits and letters, so words and numbers ("CASA 2468") are never codes."""
    return len(half) == 4 and _CODE_CHARS.issuperset(half) and not half.isdigit() and not half.isalpha()


def leading_tip_code(text: str) -> tuple[str, str] | None:
    """If the message starts with a tip code (K7QF-3MZP, k7qf 3mzp), return (code, rest of message)."""
    match = _CODE_RE.match(unicodedata.normalize("NFKC", text).upper())
    if not match or not (is_tip_code_half(match.group(1)) and is_tip_code_half(match.group(2))):
        return None
    code = match.group(1) + match.group(2)
    rest_start = match.start(3)
    rest = unicodedata.normalize("NFKC", text)[rest_start:].strip()
    return f"{code[:4]}-{code[4:]}", rest
