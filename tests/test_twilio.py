"""The Twilio adapter: the TwiML twilio's own MessagingResponse builds (safe for any text), the signature its
RequestValidator computes, and the form Werkzeug parses."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict

from bot.channels.twilio import read_form, signature_is_valid, twiml


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


FORMS = [
    [("From", "+15551112222"), ("Body", "hola"), ("MessageSid", "SM1"), ("NumMedia", "0")],
    [("Body", "¿Dónde? 🙏 & = + %"), ("From", "whatsapp:+5215512345678"), ("Body2", "")],
    [("MediaUrl0", "https://api.twilio.com/x?a=1&b=2"), ("B", "2"), ("B", "1"), ("B", "2"), ("a", "lower")],
    [],
]


@pytest.mark.parametrize("pairs", FORMS)
@pytest.mark.parametrize("url", ["https://line.example.org/twilio/messages",
                                 "https://line.example.org:443/twilio/messages?x=1&y=%20"])
def test_the_signature_is_the_one_twilio_computes(pairs, url):
    form = MultiDict(pairs)
    expected = RequestValidator("token-123").compute_signature(url, form)
    assert signature_is_valid("token-123", url, form, expected)
    assert not signature_is_valid("token-124", url, form, expected)
    assert not signature_is_valid("token-123", url + "/", form, expected)
    assert not signature_is_valid("token-123", url, form, None)


def test_the_url_without_its_port_is_accepted_too_as_the_library_does():
    form = MultiDict(FORMS[0])
    signed = RequestValidator("token-123").compute_signature("https://line.example.org/twilio/messages", form)
    assert signature_is_valid("token-123", "https://line.example.org:443/twilio/messages", form, signed)


@pytest.mark.parametrize("body", [
    b"From=%2B15551112222&Body=hola+mundo&NumMedia=0",
    b"Body=hola%FF&From=x",                          # an invalid escape is kept as it came
    b"Body=%C2%BFD%C3%B3nde%3F+%F0%9F%99%8F&Body=2&Empty=&flag",
    b"Body=caf\xc3\xa9+raw&x=%zz",
    b"",
])
def test_the_form_is_the_one_werkzeug_parses(body):
    app = Flask(__name__)
    with app.test_request_context("/", method="POST", data=body,
                                  content_type="application/x-www-form-urlencoded"):
        assert list(read_form(body).items(multi=True)) == list(request.form.items(multi=True))
