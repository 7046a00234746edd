"""Sign-in with a password, sign-out, the session cookie, role checks and CSRF protection for every dashboard form.
A password opens only a partial session when a second factor is due (bot/web/second_factor.py finishes it);
single sign-on is bot/web/sso.py."""
from __future__ import annotations

import secrets
from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, make_response, redirect, render_template, request, url_for

from bot.officers.accounts import Accounts, LoginSession, User, same_token
from bot.officers.audit import AuditLog
from bot.services import current_services

bp = Blueprint("auth", __name__, template_folder="templates")


def accounts() -> Accounts:
    """The app's account store."""
    return current_services().accounts


def audit() -> AuditLog:
    """The app's audit log."""
    return current_services().audit


def secure_cookies() -> bool:
    """Whether cookies are Secure and __Host- (everywhere but the local mode)."""
    return not current_services().config.local


def session_cookie() -> str:
    """The session cookie's name: __Host- (HTTPS only, this host only, path /) outside local mode."""
    return "__Host-linea-session" if secure_cookies() else "linea-session"


def login_cookie() -> str:
    """The name of the cookie that carries the sign-in form's CSRF token (double submit)."""
    return "__Host-linea-login" if secure_cookies() else "linea-login"


def client_address() -> str:
    """The client's address for login throttling (the proxy's view; see DEPLOY.md)."""
    return request.remote_addr or "unknown"


def signed_in() -> LoginSession | None:
    """The current request's session, or None."""
    return accounts().session(request.cookies.get(session_cookie(), ""))


def requires(*roles: str) -> Callable:
    """Decorator: the view needs a complete sign-in by a user with one of the roles (admins pass); POSTs need the
    CSRF token. A partial session (second factor not done) is sent to the second-factor page, or refused (403)."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            session = signed_in()
            if session is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not session.complete:
                if request.method == "GET" and not request.path.endswith(".json"):
                    return redirect(url_for("second_factor.code", next=request.full_path.rstrip("?")))
                abort(403)
            if roles and not session.user.can(*roles):
                abort(403)
            check_form_token(session)
            g.session = session
            return view(*args, **kwargs)
        return guarded
    return decorate


def check_form_token(session: LoginSession) -> None:
    """A POST must carry the session's CSRF token; otherwise it is refused (400) with words a person can act on."""
    if request.method == "POST" and not same_token(request.form.get("csrf", ""), session.csrf):
        abort(400, "The form expired or did not come from this site. Go back, reload the page and try again.")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site's dashboard (never another host)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/dashboard") and "\\" not in target:
            return target
    return url_for("dashboard.home")


def second_factor_due(user: User) -> bool:
    """Whether a password sign-in must be followed by a second factor: always once one is enrolled, and by LINE_MFA
    (required: everyone; officers-optional: coordinators and admins; optional, local mode only: nobody)."""
    services = current_services()
    mode = services.config.mfa
    if services.second_factors.enrolled(user.name):
        return True
    return mode == "required" or (mode == "officers-optional" and user.role != "officer")


def open_session(user: User, next_url: str, complete: bool = True, method: str = "password") -> Response:
    """Start a session and send the browser on (to next_url, or to the second factor if incomplete)."""
    token = accounts().start_session(user, client_address(), complete=complete, method=method)
    target = next_url if complete else url_for("second_factor.code", next=next_url)
    response = redirect(target)
    set_session_cookie(response, token)
    response.delete_cookie(login_cookie(), path="/", secure=secure_cookies(), samesite="Lax")
    return response


def set_session_cookie(response: Response, token: str) -> None:
    """Give the browser its session token (HttpOnly, Secure outside local mode, SameSite=Lax)."""
    response.set_cookie(session_cookie(), token, max_age=current_services().config.session_ttl, httponly=True,
                        secure=secure_cookies(), samesite="Lax", path="/")


@bp.after_app_request
def _no_store(response: Response) -> Response:
    """Pages with tips or sign-in forms are never cached by browsers or proxies."""
    if request.blueprint in ("auth", "second_factor", "sso", "users", "dashboard", "editor", "alerts"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """The sign-in form (and the single sign-on button); throttled per account name and per client address."""
    token = request.cookies.get(login_cookie()) or secrets.token_urlsafe(32)
    next_url = safe_next(request.values.get("next"))
    config = current_services().config
    error, status = "", 200
    if request.method == "POST" and config.local_login == "off":
        error, status = "local_off", 403
    elif request.method == "POST":
        name = str(request.form.get("name", ""))[:64].strip().lower()
        password = str(request.form.get("password", ""))
        store = accounts()
        if not same_token(str(request.form.get("csrf", "")), request.cookies.get(login_cookie(), "")):
            error, status = "expired", 400
        elif store.locked_out(name, client_address()):
            error, status = "locked", 429
            audit().write(name or "-", "login_locked")
        else:
            user = store.authenticate(name, password)
            if user is None:
                store.login_failed(name, client_address())
                audit().write(name or "-", "login_failed")
                error, status = "wrong", 401
            elif second_factor_due(user):
                audit().write(user.name, "login_password")  # the second factor follows
                return open_session(user, next_url, complete=False)
            else:
                audit().write(user.name, "login")
                return open_session(user, next_url)
    response = make_response(render_template("admin/login.html", csrf=token, error=error, next_url=next_url,
                                             local_login=config.local_login == "on", sso=config.sso,
                                             sso_label=config.oidc_label), status)
    response.set_cookie(login_cookie(), token, max_age=3600, httponly=True, secure=secure_cookies(), samesite="Lax",
                        path="/")
    return response


@bp.post("/logout")
def logout() -> Response:
    """End the session now (a partial one too); with everywhere=1, every session of the user (other browsers and
    phones too)."""
    session = signed_in()
    if session is None:
        return redirect(url_for("auth.login"))
    check_form_token(session)
    if request.form.get("everywhere") == "1" and session.complete:
        accounts().end_sessions(session.user.name)
        audit().write(session.user.name, "logout_everywhere")
    else:
        accounts().end_session(request.cookies.get(session_cookie(), ""))
        audit().write(session.user.name, "logout")
    response = redirect(url_for("auth.login"))
    response.delete_cookie(session_cookie(), path="/", secure=secure_cookies(), samesite="Lax")
    return response
