"""The Twilio blueprint: verify the signature, parse, let the Line answer, reply with TwiML. Never a 500."""
from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from .channels.twilio import parse_form, read_form, signature_is_valid, twiml
from .jobs import record
from .line import Line, current_line

log = logging.getLogger("linea.webhook")
bp = Blueprint("twilio", __name__)


def public_url(base: str, path: str, query: bytes) -> str:
    """The URL Twilio signed: the configured public base, the path, and the query string if any."""
    url = base.rstrip("/") + path
    return f"{url}?{query.decode('latin-1')}" if query else url


@bp.post("/twilio/messages")
def incoming_message() -> Response:
    """Twilio's "A message comes in" webhook for SMS and WhatsApp senders."""
    line = current_line()
    form = _form()
    if not _signed_by_twilio(line, form):
        return Response("invalid signature\n", status=403, mimetype="text/plain")
    message = parse_form(form)
    try:
        texts = line.receive(message)
    except OSError as exc:  # neither Redis nor the spool could take it
        log.error("could not process or spool a message: %s", type(exc).__name__)
        texts = line.trouble(message.channel)
    except Exception:
        log.exception("unexpected error while processing a message")
        texts = line.trouble(message.channel)
    return Response(twiml(texts), mimetype="application/xml")


@bp.post("/twilio/status")
def message_status() -> Response:
    """Twilio's status callback for messages the line sent: updates the notification's result on its tip."""
    line = current_line()
    form = _form()
    if not _signed_by_twilio(line, form):
        return Response("invalid signature\n", status=403, mimetype="text/plain")
    sid = str(form.get("MessageSid") or "")[:64]
    status = str(form.get("MessageStatus") or "").strip().lower()[:20]
    error = str(form.get("ErrorCode") or "").strip()[:10]
    try:
        found = line.deliveries.tracked(sid) if sid and status.isalpha() else None
        if found is not None:
            code, name = found
            record(line, code, name, f"{status}: {error}" if error and status in ("failed", "undelivered")
                   else status)
    except redis.RedisError as exc:  # Twilio retries callbacks that fail
        log.error("could not record a message status: %s", type(exc).__name__)
        return Response("try again\n", status=503, mimetype="text/plain")
    return Response(status=204)


def _form() -> MultiDict:
    """The posted form: Twilio posts application/x-www-form-urlencoded (read directly); anything else as Flask
    parses it (size limited by MAX_CONTENT_LENGTH either way)."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return read_form(request.get_data())
    return request.form


def _signed_by_twilio(line: Line, form: MultiDict) -> bool:
    """True in local mode, or when X-Twilio-Signature matches the public URL and form."""
    config = line.config
    if config.local:
        return True
    url = public_url(config.public_base_url, request.path, request.query_string)
    if signature_is_valid(config.twilio_auth_token, url, form, request.headers.get("X-Twilio-Signature")):
        return True
    log.warning("rejected a request with a missing or invalid Twilio signature")
    return False


@bp.get("/healthz")
def healthz() -> Response:
    """200 when Redis answers, 503 otherwise."""
    try:
        current_line().store.ping()
    except redis.RedisError:
        return Response("redis unreachable\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")
