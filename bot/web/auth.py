"""Sign-in, sign-out, the session cookie, role checks and CSRF protection for every dashboard form."""
from __future__ import annotations

import secrets
from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, make_response, redirect, render_template, request, url_for

from bot.officers.accounts import Accounts, LoginSession, same_token
from bot.officers.audit import AuditLog
from bot.services import current_services

bp = Blueprint("auth", __name__, template_folder="templates")


def accounts() -> Accounts:
    """The app's account store."""
    return current_services().accounts


def audit() -> AuditLog:
    """The app's audit log."""
    return current_services().audit


def _secure() -> bool:
    return not current_services().config.local


def session_cookie() -> str:
    """The session cookie's name: __Host- (HTTPS only, this host only, path /) outside local mode."""
    return "__Host-linea-session" if _secure() else "linea-session"


def login_cookie() -> str:
    """The name of the cookie that carries the sign-in form's CSRF token (double submit)."""
    return "__Host-linea-login" if _secure() else "linea-login"


def client_address() -> str:
    """The client's address for login throttling (the proxy's view; see DEPLOY.md)."""
    return request.remote_addr or "unknown"


def signed_in() -> LoginSession | None:
    """The current request's session, or None."""
    return accounts().session(request.cookies.get(session_cookie(), ""))


def requires(*roles: str) -> Callable:
    """Decorator: the view needs a signed-in user with one of the roles (admins pass); POSTs need the CSRF token."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            session = signed_in()
            if session is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and not session.user.can(*roles):
                abort(403)
            if request.method == "POST" and not same_token(request.form.get("csrf", ""), session.csrf):
                abort(400, "The form expired or did not come from this site. Go back, reload the page and try again.")
            g.session = session
            return view(*args, **kwargs)
        return guarded
    return decorate


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site's dashboard (never another host)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/dashboard") and "\\" not in target:
            return target
    return url_for("dashboard.home")


@bp.after_app_request
def _no_store(response: Response) -> Response:
    """Pages with tips or sign-in forms are never cached by browsers or proxies."""
    if request.blueprint in ("auth", "dashboard", "editor"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """The sign-in form; throttled per account name and per client address."""
    token = request.cookies.get(login_cookie()) or secrets.token_urlsafe(32)
    next_url = safe_next(request.values.get("next"))
    error, status = "", 200
    if request.method == "POST":
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
            else:
                audit().write(user.name, "login")
                response = redirect(next_url)
                response.set_cookie(session_cookie(), store.start_session(user, client_address()),
                                    max_age=current_services().config.session_ttl, httponly=True, secure=_secure(),
                                    samesite="Lax", path="/")
                response.delete_cookie(login_cookie(), path="/", secure=_secure(), samesite="Lax")
                return response
    response = make_response(render_template("admin/login.html", csrf=token, error=error, next_url=next_url),
                             status)
    response.set_cookie(login_cookie(), token, max_age=3600, httponly=True, secure=_secure(), samesite="Lax",
                        path="/")
    return response


@bp.post("/logout")
@requires()
def logout() -> Response:
    """End the session now; with everywhere=1, every session of the user (other browsers and phones too)."""
    if request.form.get("everywhere") == "1":
        accounts().end_sessions(g.session.user.name)
        audit().write(g.session.user.name, "logout_everywhere")
    else:
        accounts().end_session(request.cookies.get(session_cookie(), ""))
        audit().write(g.session.user.name, "logout")
    response = redirect(url_for("auth.login"))
    response.delete_cookie(session_cookie(), path="/", secure=_secure(), samesite="Lax")
    return response
