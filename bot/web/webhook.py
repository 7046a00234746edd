"""The Twilio blueprint: verify the signature, parse, let the Line answer, reply with TwiML. Never a 500."""
from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from bot.broadcasts.store import valid_id
from bot.channels.twilio import parse_form, public_url, read_form, signature_is_valid, twiml
from bot.services import Services, current_services

log = logging.getLogger("linea.webhook")
bp = Blueprint("twilio", __name__)


@bp.post("/twilio/messages")
def incoming_message() -> Response:
    """Twilio's "A message comes in" webhook for SMS and WhatsApp senders."""
    services = current_services()
    form = _form()
    if not _signed_by_twilio(services, form):
        return Response("invalid signature\n", status=403, mimetype="text/plain")
    message = parse_form(form)
    try:
        texts = services.line.receive(message)
    except OSError as exc:  # neither Redis nor the spool could take it
        log.error("could not process or spool a message: %s", type(exc).__name__)
        texts = services.line.trouble(message.channel)
    except Exception:
        log.exception("unexpected error while processing a message")
        texts = services.line.trouble(message.channel)
    return Response(twiml(texts), mimetype="application/xml")


@bp.post("/twilio/status")
def message_status() -> Response:
    """Twilio's status callback for messages the line sent: updates the notification's result on its tip."""
    services = current_services()
    form = _form()
    if not _signed_by_twilio(services, form):
        return Response("invalid signature\n", status=403, mimetype="text/plain")
    sid = str(form.get("MessageSid") or "")[:64]
    status = str(form.get("MessageStatus") or "").strip().lower()[:20]
    error = str(form.get("ErrorCode") or "").strip()[:10]
    alert = str(request.args.get("alert", ""))
    try:
        if alert and sid and status.isalpha():  # a community alert's message (?alert=AL000001)
            if valid_id(alert):
                services.broadcaster.record_status(alert, sid, status)
            return Response(status=204)
        found = services.deliveries.tracked(sid) if sid and status.isalpha() else None
        if found is not None:
            code, name = found
            services.alerts.record(code, name, f"{status}: {error}" if error and status in ("failed", "undelivered")
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


def _signed_by_twilio(services: Services, form: MultiDict) -> bool:
    """True in local mode, or when X-Twilio-Signature matches the public URL and form."""
    config = services.config
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
        current_services().store.ping()
    except redis.RedisError:
        return Response("redis unreachable\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")
