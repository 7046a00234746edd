"""The email sender against a real SMTP server (aiosmtpd on 127.0.0.1): delivery, refusals, AUTH, URL parsing."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
from typing import Any, Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.channels.email import EmailSender
from bot.channels.outbound import DeliveryError
from bot.platform.mail_settings import parse_smtp_url
from tests.conftest import free_port

SENDER = "linea@example.org"
BODY = "Nueva denuncia: robo en la calle Ñandú, cerca de la estación. Teléfono público, ¿acción?"
USER, PASSWORD = "oficial", "p@ss:w/rd% ?&#"


class Recorder:
    """Accepts everything and keeps the envelopes; refuses one stage with a scripted reply if told to."""

    def __init__(self, refuse_at: str = "", reply: str = "") -> None:
        self.envelopes: list[Any] = []
        self.refuse_at = refuse_at
        self.reply = reply

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_at == "MAIL":
            return self.reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_at == "RCPT":
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_at == "DATA":
            return self.reply
        self.envelopes.append(envelope)
        return "250 Message accepted"


def check_password(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def start(handler: Recorder, **options: Any) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), server_hostname="mail.test",
                            ready_timeout=5, **options)
    controller.start()
    return controller


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, str]]:
    handler = Recorder()
    controller = start(handler)
    yield handler, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


def parsed(envelope: Any) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


@pytest.mark.parametrize("to", ["mailto:oficial@example.org", "oficial@example.org", "MAILTO:oficial@example.org"])
def test_delivers_utf8_body_and_subject(smtp: tuple[Recorder, str], to: str) -> None:
    handler, url = smtp
    message_id = EmailSender(url, SENDER, timeout=2).send(to, BODY, subject="Nueva denuncia K7QF-3MZP — ñ")
    [envelope] = handler.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["oficial@example.org"]
    message = parsed(envelope)
    assert message["Message-ID"] == message_id and message_id.endswith("@example.org>")
    assert message["Subject"] == "Nueva denuncia K7QF-3MZP — ñ"
    assert message["To"] == "oficial@example.org" and message["From"] == SENDER
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message.get_content().rstrip() == BODY


@pytest.mark.parametrize("subject, from_, want_subject, want_from", [
    (None, None, "Aviso de Línea Segura", SENDER),
    ("Tip ABCD", "mailto:otro@example.net", "Tip ABCD", "otro@example.net"),
])
def test_default_subject_and_sender_override(smtp, subject, from_, want_subject, want_from) -> None:
    handler, url = smtp
    EmailSender(url, SENDER, subject="Aviso de Línea Segura", timeout=2).send(
        "oficial@example.org", "hola", from_, subject=subject)
    [envelope] = handler.envelopes
    assert envelope.mail_from == want_from
    assert (parsed(envelope)["Subject"], parsed(envelope)["From"]) == (want_subject, want_from)


def test_subject_line_breaks_cannot_inject_headers(smtp) -> None:
    handler, url = smtp
    EmailSender(url, SENDER, timeout=2).send("oficial@example.org", BODY,
                                             subject="Tip\r\nBcc: intruso@evil.example\nX-Evil: 1")
    message = parsed(handler.envelopes[0])
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Tip Bcc: intruso@evil.example X-Evil: 1"
    assert handler.envelopes[0].rcpt_tos == ["oficial@example.org"]


@pytest.mark.parametrize("stage, reply, permanent, code", [
    ("RCPT", "550 5.1.1 No such user", True, "550"),
    ("RCPT", "451 4.3.0 Try again later", False, "451"),
    ("MAIL", "553 5.7.1 Sender not allowed", True, "553"),
    ("MAIL", "451 4.7.1 Greylisted", False, "451"),
    ("DATA", "554 5.7.1 Rejected as spam", True, "554"),
    ("DATA", "451 4.3.0 Queue full", False, "451"),
])
def test_refusals_are_classified_by_reply_code(stage, reply, permanent, code) -> None:
    handler = Recorder(refuse_at=stage, reply=reply)
    controller = start(handler)
    try:
        with pytest.raises(DeliveryError) as caught:
            EmailSender(f"smtp://127.0.0.1:{controller.port}", SENDER, timeout=2).send("oficial@example.org", BODY)
    finally:
        controller.stop()
    assert (caught.value.permanent, caught.value.code) == (permanent, code)
    assert "Ñandú" not in str(caught.value) and BODY not in str(caught.value)
    assert handler.envelopes == []


def test_nothing_listening_is_temporary() -> None:
    with pytest.raises(DeliveryError) as caught:
        EmailSender(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout=2).send("oficial@example.org", BODY)
    assert caught.value.permanent is False and caught.value.code == ""


def test_server_hanging_up_is_temporary() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    try:
        with pytest.raises(DeliveryError) as caught:
            EmailSender(f"smtp://127.0.0.1:{port}", SENDER, timeout=2).send("oficial@example.org", BODY)
    finally:
        thread.join(timeout=2)
        listener.close()
    assert caught.value.permanent is False and caught.value.code == ""


@pytest.mark.parametrize("to", [
    "oficial@example.org\r\nBcc: intruso@evil.example",
    "oficial@example.org\nX-Evil: 1",
    "ofi\rcial@example.org",
    "oficial@@example.org",
    "a@b@example.org",
    "oficial example@example.org",
    "oficial@example.org, intruso@evil.example",
    "mailto:",
    "sin-arroba.example.org",
    "@example.org",
])
def test_bad_addresses_are_permanent_and_nothing_is_sent(smtp, to: str) -> None:
    handler, url = smtp
    with pytest.raises(DeliveryError) as caught:
        EmailSender(url, SENDER, timeout=2).send(to, BODY)
    assert caught.value.permanent is True
    assert handler.envelopes == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("password, delivered", [(PASSWORD, True), ("wrong", False)])
def test_auth(password: str, delivered: bool) -> None:
    handler = Recorder()
    controller = start(handler, auth_required=True, auth_require_tls=False, authenticator=check_password)
    quoted = "".join(ch if ch.isalnum() else "%" + "%".join(f"{b:02X}" for b in ch.encode())
                     for ch in password)
    url = f"smtp://{USER}:{quoted}@127.0.0.1:{controller.port}"
    try:
        sender = EmailSender(url, SENDER, timeout=2)
        if delivered:
            message_id = sender.send("oficial@example.org", BODY)
            assert parsed(handler.envelopes[0])["Message-ID"] == message_id
        else:
            with pytest.raises(DeliveryError) as caught:
                sender.send("oficial@example.org", BODY)
            assert (caught.value.permanent, caught.value.code) == (True, "535")
            assert handler.envelopes == []
    finally:
        controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_required_but_not_given_is_permanent() -> None:
    handler = Recorder()
    controller = start(handler, auth_required=True, auth_require_tls=False, authenticator=check_password)
    try:
        with pytest.raises(DeliveryError) as caught:
            EmailSender(f"smtp://127.0.0.1:{controller.port}", SENDER, timeout=2).send("oficial@example.org", BODY)
    finally:
        controller.stop()
    assert caught.value.permanent is True and caught.value.code.startswith("5")
    assert handler.envelopes == []


def test_starttls_requested_but_not_offered_is_permanent(smtp) -> None:
    handler, url = smtp
    with pytest.raises(DeliveryError) as caught:
        EmailSender(url + "?starttls=1", SENDER, timeout=2).send("oficial@example.org", BODY)
    assert caught.value.permanent is True and handler.envelopes == []


@pytest.mark.parametrize("url, expected", [
    ("smtp://mail.example.org:2525", {"scheme": "smtp", "host": "mail.example.org", "port": 2525, "username": "",
                                      "password": "", "starttls": False, "implicit_tls": False}),
    ("smtp://mail.example.org", {"port": 25, "starttls": False, "implicit_tls": False}),
    ("smtp://user:secret@mail.example.org:587?starttls=1", {"port": 587, "username": "user", "password": "secret",
                                                            "starttls": True, "implicit_tls": False}),
    ("smtps://user:secret@mail.example.org:465", {"scheme": "smtps", "port": 465, "starttls": False,
                                                  "implicit_tls": True}),
    ("smtps://mail.example.org", {"port": 465, "implicit_tls": True}),
    ("SMTP://Mail.Example.org:25/", {"scheme": "smtp", "host": "mail.example.org"}),
    ("smtp://us%40er:p%40ss%3Aw%2Frd%25@mail.example.org:587?starttls=1",
     {"username": "us@er", "password": "p@ss:w/rd%"}),
    ("smtp://user:@mail.example.org", {"username": "user", "password": ""}),
    ("smtp://[::1]:2525?starttls=0", {"host": "::1", "port": 2525, "starttls": False}),
])
def test_parse_smtp_url_good(url: str, expected: dict[str, Any]) -> None:
    parts = parse_smtp_url(url)
    assert {key: parts[key] for key in expected} == expected


@pytest.mark.parametrize("url, message", [
    ("http://mail.example.org", "smtp:// or smtps://"),
    ("mail.example.org:25", "smtp:// or smtps://"),
    ("", "smtp:// or smtps://"),
    ("smtp://", "no host"),
    ("smtp://:25", "no host"),
    ("smtp://user:pw@:25", "no host"),
    ("smtp://mail.example.org:notaport", "malformed"),
    ("smtp://mail.example.org:70000", "malformed"),
    ("smtp://mail.example.org/path", "path"),
    ("smtp://mail.example.org?starttls=maybe", "starttls"),
    ("smtp://mail.example.org?tls=1", "unknown parameter"),
    ("smtps://mail.example.org?starttls=1", "already TLS"),
    ("smtp://user@mail.example.org", "no password"),
    ("smtp://:secret@mail.example.org", "no user name"),
    ("smtp://user:contrase%C3%B1a@mail.example.org", "ASCII"),
])
def test_parse_smtp_url_bad(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_smtp_url(url)


@pytest.mark.parametrize("sender", ["", "linea", "linea@example.org\nBcc: x@y.z", "a@b@c"])
def test_constructor_rejects_bad_sender(sender: str) -> None:
    with pytest.raises(ValueError):
        EmailSender("smtp://127.0.0.1:25", sender)
