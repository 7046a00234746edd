"""Local-mode simulator: a page to text the line as residents, and the officer outbox as JSON."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from bot.services import current_services

bp = Blueprint("simulator", __name__, url_prefix="/simulator")


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
