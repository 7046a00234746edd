"""The Twilio webhook: signatures, SMS and WhatsApp, odd input, duplicates, health. Real redis-server."""
from __future__ import annotations

import pytest

from bot import create_app
from tests.conftest import AUTH_TOKEN, WEBHOOK_URL, inbound_form, post_signed, production_config, replies, sign

RESIDENT = "+15551230001"


def test_signed_sms_gets_a_spanish_answer(client):
    texts = replies(post_signed(client, inbound_form(RESIDENT, "hola")))
    assert texts[0].startswith("Hola. Esta es la línea")
    assert "Responda con un número" in "\n".join(texts)


def test_signed_whatsapp_gets_an_english_answer(client):
    texts = replies(post_signed(client, inbound_form("whatsapp:" + RESIDENT, "Hi there")))
    assert "This is the police tip line" in texts[0]
    assert "Reply with a number" in "\n".join(texts)


def test_sms_and_whatsapp_from_one_phone_are_separate_conversations(client):
    replies(post_signed(client, inbound_form(RESIDENT, "hola")))
    replies(post_signed(client, inbound_form(RESIDENT, "2")))
    texts = replies(post_signed(client, inbound_form("whatsapp:" + RESIDENT, "hello")))
    assert "This is the police tip line" in texts[0]


@pytest.mark.parametrize("headers", [
    {},
    {"X-Twilio-Signature": ""},
    {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
])
def test_missing_or_bad_signature_is_refused(client, headers):
    form = inbound_form(RESIDENT, "hola")
    response = client.post("/twilio/messages", data=form, headers=headers)
    assert response.status_code == 403
    assert b"<Message>" not in response.data


def test_signature_for_another_url_or_token_is_refused(client):
    form = inbound_form(RESIDENT, "hola")
    for signature in (sign(form, url="https://evil.example/twilio/messages"), sign(form, token="other-token")):
        response = client.post("/twilio/messages", data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 403


def test_tampered_body_is_refused(client):
    form = inbound_form(RESIDENT, "hola")
    signature = sign(form)
    form["Body"] = "STOP"
    response = client.post("/twilio/messages", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_query_string_is_part_of_the_signed_url(client):
    form = inbound_form(RESIDENT, "hello")
    url = WEBHOOK_URL + "?line=main"
    response = client.post("/twilio/messages?line=main", data=form, headers={"X-Twilio-Signature": sign(form, url)})
    assert "This is the police tip line" in replies(response)[0]


@pytest.mark.parametrize("body, expected", [
    ("", "Responda 1 para ESPAÑOL"),                       # empty body: bilingual language offer
    ("   \n\t ", "Reply 2 for ENGLISH"),
    ("😀🙏🏽", "Responda 1 para ESPAÑOL"),                   # emoji only
    ("hola\x00\x07 amigo\r\n", "Hola. Esta es la línea"),  # NUL and control characters
    ("{{7*7}} %{code} ${x}", "Reply 2 for ENGLISH"),       # template syntax is just text
    # markup is only text: "alert" alone is no opt-out (the intent and meaning models both read something else),
    # so the line gives its bilingual welcome, which says how to stop
    ("<script>alert(1)</script>", "Reply MENU for options, STOP to stop"),
])
def test_odd_bodies_get_a_clear_answer(client, body, expected):
    texts = replies(post_signed(client, inbound_form(RESIDENT, body)))
    assert expected in "\n".join(texts)


@pytest.mark.parametrize("body, expected, not_expected", [
    ("si llamo al 911 viene migracion?", "NO hace cumplir leyes de inmigración", "LLAME AL 911"),
    ("if I call 911 will they ask for my papers?", "do NOT enforce immigration law", "CALL 911"),
    ("is this the same as calling 911?", "In danger now? Call 911.", "CALL 911"),   # help, with the reminder
    ("llamen al 911 estan disparando en la esquina", "LLAME AL 911", "NO hace cumplir"),
])
def test_911_as_a_topic_gets_its_answer_and_danger_now_the_911_guidance(client, body, expected, not_expected):
    text = "\n".join(replies(post_signed(client, inbound_form(RESIDENT, body))))
    assert expected in text and not_expected not in text


@pytest.mark.parametrize("body", ["ok", "OK.", "Okay", "k"])
def test_a_bare_ok_first_gets_the_choice_of_language_whatever_the_model_guesses(client, body):
    text = "\n".join(replies(post_signed(client, inbound_form(RESIDENT, body))))
    assert "Responda 1 para ESPAÑOL" in text and "Reply 2 for ENGLISH" in text


def test_ten_thousand_characters_are_kept_up_to_the_limit_and_the_resident_is_told(client, app):
    for text in ("hola", "2"):
        replies(post_signed(client, inbound_form(RESIDENT, text)))
    texts = replies(post_signed(client, inbound_form(RESIDENT, "robo " * 2000)))
    joined = "\n".join(texts)
    assert "Guardamos los primeros 1600 caracteres" in joined
    assert "¿Dónde pasó?" in joined


@pytest.mark.parametrize("sender", ["", "client:alice", "not a number", "whatsapp:", "+1 (555) 123-0002"])
def test_unknown_sender_formats_never_fail(client, sender):
    texts = replies(post_signed(client, inbound_form(sender, "hola")))
    assert texts and all(texts)


@pytest.mark.parametrize("url", [
    "http://line.example.test/twilio/messages",         # http instead of https
    "https://line.example.test:8443/twilio/messages",   # another port (:443 is the same URL to Twilio's validator)
    "https://LINE.example.test/twilio/messages",
    "https://line.example.test/twilio/messages/",
])
def test_signatures_for_url_variants_are_refused(client, url):
    form = inbound_form(RESIDENT, "hola")
    response = client.post("/twilio/messages", data=form, headers={"X-Twilio-Signature": sign(form, url)})
    assert response.status_code == 403


def test_spoofed_forwarding_headers_do_not_change_the_url_checked(client):
    form = inbound_form(RESIDENT, "hola")
    forged = "https://evil.example/twilio/messages"
    response = client.post("/twilio/messages", data=form, headers={
        "X-Twilio-Signature": sign(form, forged), "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https", "Host": "evil.example"})
    assert response.status_code == 403


@pytest.mark.parametrize("extra", [{"NumMedia": "-1"}, {"NumMedia": "abc"}, {"NumMedia": "3", "MediaUrl0": "x"},
                                   {"Unknown": "param", "Body2": "hola"}])
def test_lies_and_unknown_parameters_are_harmless(client, extra):
    texts = "\n".join(replies(post_signed(client, inbound_form(RESIDENT, "hola", **extra))))
    assert "Hola." in texts
    assert ("No guardamos su foto" in texts) is ("MediaUrl0" in extra)  # a photo with no report to join


def test_duplicate_parameters_are_signed_and_read_as_twilio_sends_them(client):
    form = inbound_form(RESIDENT, "hola")
    pairs = list(form.items()) + [("Body", "otro")]
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator
    from werkzeug.datastructures import MultiDict
    signature = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK_URL, MultiDict(pairs))
    response = client.post("/twilio/messages", data=urlencode(pairs),
                           content_type="application/x-www-form-urlencoded", headers={"X-Twilio-Signature": signature})
    assert replies(response)[0].startswith("Hola.")  # the first Body counts


@pytest.mark.parametrize("body", ["\u202eSTOP\u202c", "ho\u0301la", "e\u0301mergencia ya"])
def test_right_to_left_overrides_and_combining_marks_never_fail(client, body):
    assert replies(post_signed(client, inbound_form(RESIDENT, body)))


def test_invalid_utf8_escapes_are_kept_as_text_not_fatal(client):
    form = inbound_form(RESIDENT, "hola%FF")  # Werkzeug leaves an invalid escape as it came
    from urllib.parse import urlencode
    raw = urlencode({k: v for k, v in form.items() if k != "Body"}) + "&Body=hola%FF"
    response = client.post("/twilio/messages", data=raw, content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": sign(form)})
    assert replies(response)[0].startswith("Hola.")


def test_missing_from_gets_a_bilingual_help_answer(client):
    form = inbound_form(RESIDENT, "hola")
    del form["From"]
    texts = replies(post_signed(client, form))
    joined = "\n".join(texts)
    assert "Línea de denuncias" in joined and "Police tip line" in joined


def test_invalid_choice_is_answered_in_the_residents_language(client):
    replies(post_signed(client, inbound_form(RESIDENT, "hola")))
    texts = replies(post_signed(client, inbound_form(RESIDENT, "7")))
    assert texts[0].startswith("Perdón, no entendí")


def test_a_redelivered_message_sid_is_answered_once_and_applied_once(client, redis_client):
    replies(post_signed(client, inbound_form(RESIDENT, "hola")))
    form = inbound_form(RESIDENT, "2")
    first = replies(post_signed(client, form))
    again = replies(post_signed(client, form))
    assert first == again
    texts = replies(post_signed(client, inbound_form(RESIDENT, "me robaron")))
    assert texts[0].startswith("¿Dónde pasó?")  # the duplicate did not advance the interview twice


def test_after_stop_the_answer_is_empty_twiml(client):
    replies(post_signed(client, inbound_form(RESIDENT, "hello")))
    assert "You will not get more messages" in replies(post_signed(client, inbound_form(RESIDENT, "STOP")))[0]
    response = post_signed(client, inbound_form(RESIDENT, "hello?"))
    assert replies(response) == []
    assert b"<Response" in response.data


def test_twiml_replies_are_escaped_xml(client):
    texts = replies(post_signed(client, inbound_form(RESIDENT, "hello")))
    assert any("<" not in t for t in texts)  # parsed back as text, not markup


def test_healthz_answers_200_when_redis_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200


def test_healthz_answers_503_and_the_webhook_still_answers_when_redis_is_down(clock, twilio_http):
    from tests.conftest import free_port
    app = create_app(production_config(f"redis://127.0.0.1:{free_port()}/0",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    texts = replies(post_signed(client, inbound_form(RESIDENT, "hola")))
    joined = "\n".join(texts)
    assert "911" in joined and "Recibimos su mensaje" in joined and "We received your message" in joined
    assert len(app.extensions["linea"].spool.pending()) == 1  # kept for later, see tests/reliability/test_spool.py


def test_when_neither_redis_nor_the_spool_can_take_a_message_the_resident_is_asked_to_resend(clock, tmp_path):
    from tests.conftest import free_port
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the spool directory should be")
    app = create_app(production_config(f"redis://127.0.0.1:{free_port()}/0", spool_dir=str(blocked),
                                       extra={"clock": clock}))
    joined = "\n".join(replies(post_signed(app.test_client(), inbound_form(RESIDENT, "hola"))))
    assert "911" in joined and "Envíelo otra vez" in joined and "send it again" in joined


def test_simulator_is_not_served_in_production(client):
    assert client.get("/simulator").status_code == 404
    assert client.get("/simulator/outbox.json").status_code == 404


def test_oversized_request_is_refused_before_parsing(client):
    form = inbound_form(RESIDENT, "x" * (300 * 1024))
    response = client.post("/twilio/messages", data=form, headers={"X-Twilio-Signature": sign(form)})
    assert response.status_code == 413


def test_local_mode_accepts_unsigned_requests_and_serves_the_simulator(redis_url, clock):
    app = create_app({"mode": "local", "redis_url": redis_url, "extra": {"clock": clock}})
    client = app.test_client()
    texts = replies(client.post("/twilio/messages", data=inbound_form(RESIDENT, "hola")))
    assert texts[0].startswith("Hola.")
    page = client.get("/simulator")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/simulator/outbox.json").get_json() == []


def test_production_without_credentials_stops_start_up(redis_url):
    from bot import ConfigError
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app({"redis_url": redis_url})
