"""SMS arithmetic: GSM-7 or UCS-2 encoding, segment counts, and packing replies into few messages."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7 = GSM7_BASIC | GSM7_EXTENSION
MAX_SEGMENTS = 3
WHATSAPP_MAX_CHARS = 1600  # Twilio's limit for one message body


def encoding(text: str) -> str:
    """"GSM-7" when every character fits the GSM 03.38 alphabet, else "UCS-2"."""
    return "GSM-7" if GSM7.issuperset(text) else "UCS-2"


def _units(text: str) -> list[int]:
    """Size of each character in septets (GSM-7) or UTF-16 code units (UCS-2); a character is never split."""
    if encoding(text) == "GSM-7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


@lru_cache(maxsize=4096)  # the line's own prompts, over and over
def segments(text: str) -> int:
    """How many SMS segments a text costs (GSM-7: 160/153 septets, UCS-2: 70/67 code units)."""
    units = _units(text)
    single, multi = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for size in units:  # an escape pair or a surrogate pair moves whole to the next segment
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return count


def fits(text: str, channel: str) -> bool:
    """True when a text can go as one sensible message on this channel."""
    if channel == "whatsapp":
        return len(text) <= WHATSAPP_MAX_CHARS
    return segments(text) <= MAX_SEGMENTS


def pack(texts: Iterable[str], channel: str, separator: str = "\n\n") -> list[str]:
    """Join consecutive texts into as few messages as fit without costing more segments than apart."""
    messages: list[str] = []
    for text in texts:
        joined = messages[-1] + separator + text if messages else ""
        if messages and fits(joined, channel) and (
                channel == "whatsapp" or segments(joined) <= segments(messages[-1]) + segments(text)):
            messages[-1] = joined
        else:
            messages.append(text)
    return messages
