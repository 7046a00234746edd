"""Admins' page of dashboard accounts: role, how each signs in, second factor, last sign-in; disable, enable,
reset the second factor, sign out everywhere. Every change is audited."""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from bot.officers.accounts import AccountError
from bot.services import current_services

from .auth import accounts, audit, requires

bp = Blueprint("users", __name__, url_prefix="/dashboard/users", template_folder="templates")

ACTIONS = ("disable", "enable", "reset_mfa", "sign_out")


@bp.get("")
@requires("admin")
def overview() -> str:
    """Every account with its sign-in facts."""
    services = current_services()
    rows = [{"user": user, "enrolled_at": services.second_factors.enrolled_at(user.name),
             "recovery_left": services.second_factors.recovery_left(user.name),
             "last": services.accounts.last_sign_in(user.name)} for user in services.accounts.all()]
    return render_template("admin/users.html", rows=rows, mfa=services.config.mfa)


@bp.post("/<name>")
@requires("admin")
def change(name: str) -> Response:
    """Apply one action to one account."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    services = current_services()
    if accounts().get(name) is None:
        abort(404)
    if action == "disable" and name == g.session.user.name:
        abort(400, "You cannot disable your own account (another admin can).")
    try:
        if action in ("disable", "enable"):
            services.accounts.set_disabled(name, action == "disable")
        elif action == "reset_mfa":  # the next sign-in enrols a new factor
            services.second_factors.reset(name)
            services.accounts.end_sessions(name)
        else:
            services.accounts.end_sessions(name)
    except AccountError as exc:
        abort(400, str(exc))
    audit().write(g.session.user.name, f"user_{action}", detail=name)
    return redirect(url_for("users.overview"))

