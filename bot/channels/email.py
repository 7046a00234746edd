"""Outbound email for officer notifications: one plain-text UTF-8 message per send, over SMTP."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.platform.mail_settings import clean_address, parse_smtp_url

from .outbound import DeliveryError

log = logging.getLogger("linea.email")


def _one_line(text: str) -> str:
    """Collapse line breaks and other control characters so the text is safe as a header value."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _code(exc: smtplib.SMTPException) -> int | None:
    """The SMTP reply code an smtplib exception carries, if any."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        return replies[0][0] if replies else None
    code = getattr(exc, "smtp_code", None)
    return code if isinstance(code, int) and code > 0 else None


class EmailSender:
    """Sends notifications as plain-text UTF-8 email through an SMTP server (see parse_smtp_url)."""

    def __init__(self, smtp_url: str, sender: str, subject: str = "Línea Segura notification",
                 timeout: float = 10.0) -> None:
        self.server = parse_smtp_url(smtp_url)
        self.sender = clean_address(sender)
        self.subject = subject
        self.timeout = timeout
        if self.server["username"] and not (self.server["starttls"] or self.server["implicit_tls"]):
            log.warning("SMTP credentials for %s will be sent without TLS (add ?starttls=1 or use smtps://)",
                        self.server["host"])

    def _connect(self) -> smtplib.SMTP:
        """Open the connection, upgrade to TLS if asked, and log in if the URL has credentials."""
        host, port = self.server["host"], self.server["port"]
        if self.server["implicit_tls"]:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=self.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        try:
            if self.server["starttls"]:
                smtp.starttls(context=ssl.create_default_context())
            if self.server["username"]:
                smtp.login(self.server["username"], self.server["password"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _message(self, to: str, sender: str, body: str, subject: str) -> EmailMessage:
        """Build the message; every header value is single-line, so nothing can be injected."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        message["Subject"] = _one_line(subject)
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])  # no DNS lookup for the FQDN
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body, subtype="plain", charset="utf-8")
        return message

    def send(self, to: str, body: str, from_: str | None = None, *, subject: str | None = None) -> str:
        """Send one email to the address; return its Message-ID; raise DeliveryError on failure."""
        try:
            recipient = clean_address(to)
            sender = clean_address(from_) if from_ else self.sender
        except ValueError as exc:
            raise DeliveryError(f"unusable email address: {exc}", permanent=True) from None
        message = self._message(recipient, sender, body, self.subject if subject is None else subject)
        try:
            smtp = self._connect()
            try:
                smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
            except BaseException:
                smtp.close()
                raise
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            raise DeliveryError(f"could not talk to the SMTP server: {type(exc).__name__}", permanent=False,
                                code=str(_code(exc) or "")) from None
        except smtplib.SMTPException as exc:
            code = _code(exc)
            if code is not None:  # 4xx replies are transient by definition, 5xx are not
                permanent = code >= 500
            else:  # no reply code: a missing extension (STARTTLS, AUTH) is configuration, retrying won't help
                permanent = not isinstance(exc, smtplib.SMTPResponseException)
            raise DeliveryError(f"SMTP server refused the message: {type(exc).__name__} {code or ''}".rstrip(),
                                permanent, str(code or "")) from None
        except OSError as exc:  # refused, unreachable, timeouts, TLS handshake failures
            raise DeliveryError(f"could not reach the SMTP server: {type(exc).__name__}", permanent=False) from None
        try:
            smtp.quit()  # the message is accepted; a failed goodbye must not cause a resend
        except (smtplib.SMTPException, OSError):
            smtp.close()
        message_id = str(message["Message-ID"])
        log.info("email %s accepted for %s", message_id, recipient.rsplit("@", 1)[1])
        return message_id
