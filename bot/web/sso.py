"""Single sign-on pages: leaving for the OpenID Connect provider, and coming back with a code. The browser that
left is the one that must come back (a cookie binds it to the state), so nobody can sign someone in as themselves."""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request, url_for

from bot.officers.accounts import AccountError, same_token
from bot.officers.single_sign_on import SignOnRefused, SingleSignOn
from bot.services import current_services

from .auth import audit, open_session, safe_next, secure_cookies

bp = Blueprint("sso", __name__, url_prefix="/login/sso", template_folder="templates")

REFUSED_STATUS = {"no_group": 403, "disabled": 403, "name_taken": 409, "provider_unreachable": 502,
                  "provider_misconfigured": 502}


def _provider() -> SingleSignOn:
    provider = current_services().sso
    if provider is None:
        abort(404)
    return provider


def binding_cookie() -> str:
    """The cookie that ties a sign-in's state to the browser that started it."""
    return "__Host-linea-sso" if secure_cookies() else "linea-sso"


def redirect_uri() -> str:
    """Where the provider sends the browser back (register exactly this with the provider; see DEPLOY.md)."""
    base = current_services().config.public_base_url
    return base.rstrip("/") + url_for("sso.callback") if base else url_for("sso.callback", _external=True)


def refused(reason: str, who: str = "-", detail: str = "") -> Response:
    """The page that says why single sign-on did not sign anyone in (and the audit entry)."""
    audit().write(who, "login_refused", detail=f"sso {reason}" + (f": {detail}" if detail else ""))
    return make_response(render_template("admin/sso_refused.html", reason=reason), REFUSED_STATUS.get(reason, 400))


@bp.get("")
def start() -> Response:
    """Send the browser to the provider's sign-in page."""
    provider = _provider()
    binding = secrets.token_urlsafe(32)
    try:
        url = provider.begin(redirect_uri(), safe_next(request.args.get("next")), binding)
    except SignOnRefused as exc:
        return refused(exc.reason, detail=exc.detail)
    response = redirect(url)
    response.set_cookie(binding_cookie(), binding, max_age=600, httponly=True, secure=secure_cookies(), samesite="Lax",
                        path="/")
    return response


@bp.get("/callback")
def callback() -> Response:
    """The provider's answer: verify it, find or create the account, and open a complete session."""
    provider = _provider()
    try:
        identity = provider.finish(redirect_uri(), str(request.args.get("state", "")),
                                   str(request.args.get("code", "")), str(request.args.get("error", "")))
    except SignOnRefused as exc:
        return refused(exc.reason, detail=exc.detail)
    if not same_token(identity.binding, request.cookies.get(binding_cookie(), "")):
        return refused("state", detail="the sign-in was started in another browser")
    try:
        user = current_services().accounts.sign_in_from_provider(identity.subject, identity.name, identity.role)
    except AccountError as exc:
        return refused("name_taken", who=identity.name[:64] or "-", detail=str(exc))
    if user.disabled:
        return refused("disabled", who=user.name)
    audit().write(user.name, "login", detail=f"sso as {user.role}")
    response = open_session(user, safe_next(identity.next_url), method="sso")
    response.delete_cookie(binding_cookie(), path="/", secure=secure_cookies(), samesite="Lax")
    return response
