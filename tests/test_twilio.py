"""The Twilio adapter's TwiML: the same document twilio's own MessagingResponse builds, safe for any text."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.twilio import twiml


def texts_in(document: str) -> list[str]:
    root = ET.fromstring(document.encode())
    assert root.tag == "Response" and all(child.tag == "Message" for child in root)
    return [child.text or "" for child in root]


def library_twiml(texts: list[str]) -> str:
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return str(response)


@pytest.mark.parametrize("texts", [
    [],
    ["Hola. Esta línea es segura."],
    ["¿Dónde pasó?", "Reply 1 or 2 — Responda 1 o 2 🙏"],
    ['<script>alert("x")</script> & \'quotes\' > <', "line one\nline two"],
])
def test_the_document_is_the_one_twilio_builds(texts):
    assert twiml(texts) == library_twiml(texts)
    assert texts_in(twiml(texts)) == texts


@pytest.mark.parametrize("text, shown", [
    ("]]><Message>injected</Message>", "]]><Message>injected</Message>"),
    ("a\x00b\x1bc\x0bd", "abcd"),            # control characters XML 1.0 forbids
    ("x\ufffey\uffffz", "xyz"),
    ("lone \ud800 surrogate", "lone  surrogate"),
    ("tab\tand\nnewline", "tab\tand\nnewline"),
])
def test_any_text_gives_well_formed_xml_with_that_text(text, shown):
    assert texts_in(twiml([text, "después"])) == [shown, "después"]
