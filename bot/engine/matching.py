"""Normalise what residents type and match it against keywords, choices, tip codes and languages."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

TIP_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
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
    return (len(half) == 4 and all(c in TIP_CODE_ALPHABET for c in half)
            and any(c.isdigit() for c in half) and any(c.isalpha() for c in half))


def leading_tip_code(text: str) -> tuple[str, str] | None:
    """If the message starts with a tip code (K7QF-3MZP, k7qf 3mzp), return (code, rest of message)."""
    match = _CODE_RE.match(unicodedata.normalize("NFKC", text).upper())
    if not match or not (is_tip_code_half(match.group(1)) and is_tip_code_half(match.group(2))):
        return None
    code = match.group(1) + match.group(2)
    rest_start = match.start(3)
    rest = unicodedata.normalize("NFKC", text)[rest_start:].strip()
    return f"{code[:4]}-{code[4:]}", rest


# Words that are frequent in one language and rare in the other (already normalised: no accents).
_SPANISH = frozenset(
    """
    hola buenas buenos dias tardes noches ola que quien quienes como cuando donde porque por para pero
    es esta estan estoy soy eres somos fue tengo tiene tienen tenemos quiero quiere puedo puede
    pueden necesito ayuda gracias favor senor senora usted ustedes nosotros ellos ella el la los las un una
    unos unas del al mi mis su sus tu yo me te se le nos muy mas menos tambien ahora ahorita aqui alli alla
    hay algo nada nadie alguien si no pues bueno vale numero mensaje policia policias papeles documentos
    migra inmigracion deportar deporten robo robaron asaltaron asalto golpearon carro casa calle trabajo
    semana pasada ayer hoy manana noche dinero miedo hablo habla espanol denunciar reportar informacion
    crimen delito paso pasaron dar mandan manden parada camion hombre mujer pistola arma disparando
    atacando urgente necesita pasa onda oiga disculpe perdon entiendo entender funciona esto este eso ese
    cual cuanto llamar llamo llamen estoy estamos vamos hermano hermana amigo amiga companero iglesia
    numero gente persona personas sabe se saben seguro segura ilegal parar alto
    """.split()
)
_ENGLISH = frozenset(
    """
    hello hi hey hiya good morning afternoon evening what whats who where when why how is are was were
    am i im you your we they he she it its the a an this that these those there here my me our their
    have has had do does did dont can cant could will would want need help please thanks thank sir
    anyone someone somebody report crime tip police cops call called immigration status papers
    deported deport ice illegal legal scared afraid robbed robbery attacked broke into car house
    street work week last yesterday today tonight money english speak understand service line number
    gave stop texting know knows people man woman gun shooting outside door right now up with about
    not of and or to from for in on at by be been being get got give info
    """.split()
)
# Words both languages use the same way tell us nothing.
_SHARED = frozenset({"no", "a", "me", "ok", "okay", "si", "info", "taxi", "legal"})
_SPANISH_ONLY = _SPANISH - _ENGLISH - _SHARED
_ENGLISH_ONLY = _ENGLISH - _SPANISH - _SHARED
_SPANISH_MARKS = re.compile(r"[ñÑ¿¡áéíóúÁÉÍÓÚ]")


def detect_language(text: str) -> str | None:
    """Guess "en" or "es" from a resident's message; None when it cannot tell."""
    words = tokens(text)
    spanish = sum(1 for w in words if w in _SPANISH_ONLY)
    english = sum(1 for w in words if w in _ENGLISH_ONLY)
    if _SPANISH_MARKS.search(text):
        spanish += 1
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return None
