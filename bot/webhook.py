"""The Twilio blueprint: verify the signature, parse, let the Line answer, reply with TwiML. Never a 500."""
from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, request

from .channels.twilio import parse_form, signature_is_valid, twiml
from .line import current_line

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
    config = line.config
    if not config.local:
        url = public_url(config.public_base_url, request.path, request.query_string)
        if not signature_is_valid(config.twilio_auth_token, url, request.form,
                                  request.headers.get("X-Twilio-Signature")):
            log.warning("rejected a request with a missing or invalid Twilio signature")
            return Response("invalid signature\n", status=403, mimetype="text/plain")
    message = parse_form(request.form)
    try:
        texts = line.receive(message, line_address=str(request.form.get("To") or ""))
    except OSError as exc:  # neither Redis nor the spool could take it
        log.error("could not process or spool a message: %s", type(exc).__name__)
        texts = line.trouble(message.channel)
    except Exception:
        log.exception("unexpected error while processing a message")
        texts = line.trouble(message.channel)
    return Response(twiml(texts), mimetype="application/xml")


@bp.get("/healthz")
def healthz() -> Response:
    """200 when Redis answers, 503 otherwise."""
    try:
        current_line().store.ping()
    except redis.RedisError:
        return Response("redis unreachable\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")
