"""Twilio inbound adapter: form -> InboundMessage, signature check, TwiML answer. Plain values only."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from twilio.request_validator import RequestValidator
from werkzeug import urls  # noqa: F401  (registers the "werkzeug.url_quote" codec error handler)
from werkzeug.datastructures import MultiDict

WHATSAPP_PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
MAX_MEDIA = 10  # Twilio sends at most 10 media items with one message
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML 1.0


@dataclass(frozen=True)
class InboundMessage:
    """One incoming message as plain values (the sender address is only used to key the conversation)."""

    sender: str
    body: str
    channel: str
    message_sid: str
    media: tuple[tuple[str, str], ...] = ()  # (MediaUrlN, MediaContentTypeN) as Twilio sent them, unchecked
    recipient: str = ""  # the line's own address the resident wrote to (replies later go out from it)


def channel_of(address: str) -> str:
    """"whatsapp" for whatsapp:+1... addresses, else "sms"."""
    return "whatsapp" if address.lower().startswith(WHATSAPP_PREFIX) else "sms"


def clean_text(text: str) -> str:
    """Drop NUL and other control characters (keep newlines and tabs); normalise CRLF to LF."""
    return _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def parse_form(form: Mapping[str, Any]) -> InboundMessage:
    """Read Twilio's "A message comes in" parameters; tolerate missing or odd values."""
    sender = clean_text(str(form.get("From") or "")).strip()
    try:
        num_media = min(MAX_MEDIA, max(0, int(str(form.get("NumMedia") or "0"))))
    except ValueError:
        num_media = 0
    media = tuple((url, clean_text(str(form.get(f"MediaContentType{i}") or "")).strip()[:100])
                  for i in range(num_media)
                  if (url := clean_text(str(form.get(f"MediaUrl{i}") or "")).strip()[:500]))
    return InboundMessage(
        sender=sender,
        body=clean_text(str(form.get("Body") or "")),
        channel=channel_of(sender),
        message_sid=clean_text(str(form.get("MessageSid") or form.get("SmsMessageSid") or "")).strip()[:64],
        media=media,
        recipient=clean_text(str(form.get("To") or "")).strip()[:64],
    )


def read_form(body: bytes) -> MultiDict:
    """An application/x-www-form-urlencoded body as a MultiDict, parsed as Werkzeug parses request.form (an invalid
    %-escape is kept as it came) without the rest of Werkzeug's form machinery."""
    return MultiDict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="werkzeug.url_quote"))


def signature_is_valid(auth_token: str, url: str, form: MultiDict, signature: str | None) -> bool:
    """Check X-Twilio-Signature against the public URL Twilio called and the posted form."""
    if not auth_token or not signature:
        return False
    if hmac.compare_digest(_signature(auth_token, url, form).encode(), signature.encode("utf-8", "replace")):
        return True  # the usual case, one HMAC; the library's validate() also tries the URL with/without its port
    return RequestValidator(auth_token).validate(url, form, signature)


def _signature(auth_token: str, url: str, form: MultiDict) -> str:
    """Twilio's signature of a form POST: HMAC-SHA1 of the URL followed by each parameter name and value, names
    sorted, each name's distinct values sorted (as RequestValidator.compute_signature; tests/test_twilio.py)."""
    signed = url + "".join(name + value for name in sorted(form) for value in sorted(set(form.getlist(name))))
    return base64.b64encode(hmac.digest(auth_token.encode(), signed.encode(), hashlib.sha1)).decode()


def signature(auth_token: str, url: str, form: Mapping[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send for this form (for the terminal chat and tools)."""
    return _signature(auth_token, url, MultiDict(form))


def twiml(messages: Iterable[str]) -> str:
    """TwiML <Response> with one <Message> per text; empty means no reply.

    Written directly rather than with twilio's MessagingResponse (an ElementTree per answer, ~50 µs): the
    same document, with the text XML-escaped and characters XML 1.0 forbids removed (tests/test_twilio.py)."""
    body = "".join(f"<Message>{escape(_NOT_XML_RE.sub('', text))}</Message>" for text in messages)
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>' if body else EMPTY_TWIML


def public_url(base: str, path: str, query: bytes) -> str:
    """The URL Twilio signed: the configured public base, the path, and the query string if any."""
    url = base.rstrip("/") + path
    return f"{url}?{query.decode('latin-1')}" if query else url
