"""The second factor of sign-in: entering a code (TOTP or a recovery code), and enrolling an authenticator app
(a QR code as SVG and the secret as text, confirmed with a code; ten recovery codes shown once)."""
from __future__ import annotations

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for

from bot.officers.accounts import LoginSession
from bot.services import current_services

from .auth import (accounts, audit, check_form_token, client_address, safe_next, session_cookie, set_session_cookie,
                   signed_in)

bp = Blueprint("second_factor", __name__, url_prefix="/login", template_folder="templates")


def _signed_in_or_login() -> LoginSession | Response:
    session = signed_in()
    if session is None:
        return redirect(url_for("auth.login"))
    check_form_token(session)
    return session


def _finish(session: LoginSession, response: Response) -> Response:
    """Turn a partial session into a complete one (a new cookie token); a complete session stays as it is."""
    if not session.complete:
        token = accounts().complete_session(request.cookies.get(session_cookie(), ""), client_address())
        if token is None:
            return redirect(url_for("auth.login"))
        set_session_cookie(response, token)
    return response


def _throttled(session: LoginSession) -> bool:
    return accounts().locked_out(session.user.name, client_address())


def _failed(session: LoginSession, action: str) -> None:
    accounts().login_failed(session.user.name, client_address())
    audit().write(session.user.name, action)


@bp.route("/code", methods=["GET", "POST"])
def code() -> Response:
    """After the password: the six-digit code from the authenticator app, or one recovery code."""
    session = _signed_in_or_login()
    if isinstance(session, Response):
        return session
    factors = current_services().second_factors
    next_url = safe_next(request.values.get("next"))
    if session.complete:
        return redirect(next_url)
    if not factors.enrolled(session.user.name):
        return redirect(url_for("second_factor.enrol", next=next_url))
    error, status = "", 200
    if request.method == "POST":
        if _throttled(session):
            error, status = "locked", 429
            audit().write(session.user.name, "login_locked")
        else:
            kind = factors.verify(session.user.name, str(request.form.get("code", "")))
            if kind is None:
                _failed(session, "mfa_failed")
                error, status = "wrong", 401
            else:
                detail = kind if kind == "totp" else f"recovery code, {factors.recovery_left(session.user.name)} left"
                audit().write(session.user.name, "login", detail=detail)
                return _finish(session, redirect(next_url))
    return make_response(render_template("admin/second_factor.html", session=session, error=error,
                                         next_url=next_url), status)


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Response:
    """Set up an authenticator app: at the first sign-in when a factor is required, or later by choice."""
    session = _signed_in_or_login()
    if isinstance(session, Response):
        return session
    factors = current_services().second_factors
    name = session.user.name
    next_url = safe_next(request.values.get("next"))
    if factors.enrolled(name):
        return redirect(next_url if session.complete else url_for("second_factor.code", next=next_url))
    secret = factors.unseal(session.stash) if session.stash else None
    if secret is None:
        secret = factors.new_secret()
        accounts().stash(request.cookies.get(session_cookie(), ""), factors.seal(secret))
    error, status = "", 200
    if request.method == "POST":
        if _throttled(session):
            error, status = "locked", 429
            audit().write(name, "login_locked")
        else:
            codes = factors.confirm(name, secret, str(request.form.get("code", "")))
            if codes is None:
                _failed(session, "mfa_enrol_failed")
                error, status = "wrong", 401
            else:
                audit().write(name, "mfa_enrolled")
                accounts().stash(request.cookies.get(session_cookie(), ""), "")  # the secret lives only in its store
                if not session.complete:
                    audit().write(name, "login", detail="totp (enrolment)")
                page = make_response(render_template("admin/recovery_codes.html", codes=codes, next_url=next_url))
                return _finish(session, page)
    return make_response(render_template("admin/enrol.html", session=session, enrolment=factors.enrolment(name, secret),
                                         error=error, next_url=next_url), status)
