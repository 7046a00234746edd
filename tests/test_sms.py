"""Specification of bot.flows.sms: GSM-7 or UCS-2, what a text costs in segments, and packing replies into messages."""
from __future__ import annotations

import pytest

from bot.flows.sms import MAX_SEGMENTS, WHATSAPP_MAX_CHARS, encoding, fits, pack, segments

A = "a"


@pytest.mark.parametrize("text, expected", [
    ("", "GSM-7"),
    ("Hello, how can we help? Reply 1, 2 or 3.", "GSM-7"),
    ("@£$¥ _!\"#%&'()*+,-./:;<=>?\n", "GSM-7"),
    ("€[]^{}|~\\", "GSM-7"),                              # the extension table is still GSM-7
    # Spanish letters that GSM 03.38 has
    ("é", "GSM-7"), ("ñ", "GSM-7"), ("Ñ", "GSM-7"), ("¿", "GSM-7"), ("¡", "GSM-7"), ("ü", "GSM-7"),
    ("É", "GSM-7"), ("à", "GSM-7"), ("¿Qué pasó? Señor, ¡gracias!", "UCS-2"),   # "ó" is not in GSM-7
    # Spanish letters that GSM 03.38 lacks force UCS-2
    ("á", "UCS-2"), ("í", "UCS-2"), ("ó", "UCS-2"), ("ú", "UCS-2"), ("Á", "UCS-2"), ("ç", "UCS-2"),
    ("información", "UCS-2"),
    ("😀", "UCS-2"),
    ("`", "UCS-2"),                                      # the backtick is not GSM-7 either
])
def test_encoding(text, expected):
    assert encoding(text) == expected




@pytest.mark.parametrize("text, expected", [
    ("", 1),
    # plain GSM-7: 160 in one segment, then 153 per segment
    (A * 160, 1),
    (A * 161, 2),
    (A * 306, 2),
    (A * 307, 3),
    (A * 459, 3),
    (A * 460, 4),
    # GSM-7 extension characters cost two septets
    ("€" * 80, 1),
    ("€" * 81, 2),
    ("[" * 80, 1),
    ("^" + A * 159, 2),
    ("^" + A * 158, 1),
    (A * 156 + "[]", 1),
    (A * 157 + "[]", 2),
    # é ñ ¿ ¡ ü stay GSM-7: 160 of them still fit one segment
    ("é" * 160, 1),
    ("ñ" * 160, 1),
    ("¿" + A * 158 + "¡", 1),
    ("ü" * 161, 2),
    # one á / í / ó / ú turns the whole text into UCS-2: 70 in one segment, then 67 per segment
    ("á" + A * 69, 1),
    ("á" + A * 70, 2),
    ("í" + A * 133, 2),
    ("ó" + A * 134, 3),
    ("ú" * 201, 3),
    ("ú" * 202, 4),
    # an emoji is two UTF-16 code units
    ("😀" * 35, 1),
    ("😀" * 36, 2),
    (A * 68 + "😀", 1),
    (A * 69 + "😀", 2),
    # double-unit characters on a segment boundary
    (A * 152 + "€" + A * 152, 3),
    (A * 66 + "😀" + A * 66, 3),
])
def test_segments(text, expected):
    assert segments(text) == expected


@pytest.mark.parametrize("text, channel, expected", [
    (A * 459, "sms", True),                    # 3 segments
    (A * 460, "sms", False),                   # 4 segments
    ("á" * 201, "sms", True),
    ("á" * 202, "sms", False),
    (A * 460, "whatsapp", True),               # WhatsApp has no segments, only Twilio's body limit
    (A * WHATSAPP_MAX_CHARS, "whatsapp", True),
    (A * (WHATSAPP_MAX_CHARS + 1), "whatsapp", False),
    ("á" * WHATSAPP_MAX_CHARS, "whatsapp", True),
])
def test_fits(text, channel, expected):
    assert MAX_SEGMENTS == 3
    assert fits(text, channel) is expected


@pytest.mark.parametrize("texts, channel, expected", [
    ([], "sms", []),
    (["Hola"], "sms", ["Hola"]),
    (["Hola", "¿En qué idioma?"], "sms", ["Hola\n\n¿En qué idioma?"]),
    (["one", "two", "three"], "sms", ["one\n\ntwo\n\nthree"]),
    # joined while the whole stays within 3 segments (459 GSM-7 characters)
    ([A * 200, "b" * 200], "sms", [A * 200 + "\n\n" + "b" * 200]),
    ([A * 200, "b" * 257], "sms", [A * 200 + "\n\n" + "b" * 257]),      # exactly 459
    ([A * 200, "b" * 258], "sms", [A * 200, "b" * 258]),                 # 460 would be a 4th segment
    ([A * 300, "b" * 200, "c" * 100], "sms", [A * 300, "b" * 200 + "\n\n" + "c" * 100]),
    # one accent makes the joined text UCS-2, so less fits
    ([A * 150, "ó" * 49], "sms", [A * 150, "ó" * 49]),                   # joined: 3 UCS-2 segments; apart: 2
    ([A * 40, "ó" * 20], "sms", [A * 40 + "\n\n" + "ó" * 20]),          # joined: 1 UCS-2 segment
    ([A * 150, "ó" * 50], "sms", [A * 150, "ó" * 50]),
    # a text too long alone stays a message of its own, and is not merged into
    ([A * 600, "b"], "sms", [A * 600, "b"]),
    (["b", A * 600, "c"], "sms", ["b", A * 600, "c"]),
    # WhatsApp packs up to 1600 characters
    ([A * 800, "b" * 798], "whatsapp", [A * 800 + "\n\n" + "b" * 798]),
    ([A * 800, "b" * 799], "whatsapp", [A * 800, "b" * 799]),
    ([A * 500, "b" * 500, "c" * 500], "whatsapp", [A * 500 + "\n\n" + "b" * 500 + "\n\n" + "c" * 500]),
])
def test_pack(texts, channel, expected):
    assert pack(texts, channel) == expected


def test_pack_uses_the_separator_given():
    assert pack(["uno", "dos"], "sms", separator=" / ") == ["uno / dos"]


@pytest.mark.parametrize("texts, channel", [
    (["Hola", "¿En qué idioma?", "Reply 1 or 2", A * 300, "b" * 300, "c" * 10], "sms"),
    ([A * 900, "b" * 900, "c" * 100], "whatsapp"),
])
def test_pack_keeps_every_text_in_order(texts, channel):
    packed = pack(texts, channel)
    assert "\n\n".join(packed) == "\n\n".join(texts)
    assert all(fits(m, channel) for m in packed if m not in texts)
