"""Local-mode simulator: a page to text the line as residents, the officer outbox as JSON, and what the line
sent each resident later (officer replies, answers to spooled messages) so the page shows it on their phone."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from bot.services import current_services

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
PHONE_LIMIT = 100  # outbox entries searched for one phone (the outbox keeps the newest 500)


@bp.get("")
@bp.get("/")
def page() -> str:
    """The simulator page (the real webhook is called from the browser)."""
    services = current_services()
    return render_template("simulator.html", line_number=services.config.sms_from or "+15550009999")


@bp.get("/outbox.json")
def outbox() -> Response:
    """Officer notifications sent in local mode, newest first."""
    return jsonify(current_services().outbox.read())


@bp.post("/phone.json")
def phone() -> Response:
    """What the line sent one simulated phone later, oldest first. The address comes in the POST body, so it
    stays out of URLs and access logs; the outbox holds only a keyed hash of it."""
    services = current_services()
    address = str(request.form.get("address", ""))[:64]
    key = services.senders.resident_key(address)
    sent = [{"id": e["id"], "body": e["body"], "at": e["at"]} for e in services.outbox.read(PHONE_LIMIT)
            if e.get("resident") == key]
    return jsonify(sent[::-1])
