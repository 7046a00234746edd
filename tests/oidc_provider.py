"""A small but real OpenID Connect provider for the tests, served over HTTP on 127.0.0.1: discovery, JWKS, a login
page, the authorisation code flow with PKCE (S256) and RS256-signed ID tokens. `misbehave` makes it send what a
broken or hostile provider would: a bad signature, a wrong audience, an expired token, a replayed nonce."""
from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "linea-test-client"
CLIENT_SECRET = "linea-test-client-secret"


@dataclass
class Person:
    """Someone the provider knows."""

    password: str
    groups: list[str]
    sub: str = field(default_factory=lambda: secrets.token_hex(8))


class Provider:
    """The provider; start() serves it on a free port of 127.0.0.1 and sets .issuer."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "signing-1", "use": "sig", "alg": "RS256"})
        self.stranger_key = RSAKey.generate_key(2048, parameters={"kid": "signing-1", "alg": "RS256"})
        self.people: dict[str, Person] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.nonces: list[str] = []
        self.misbehave = ""    # "", "bad_signature", "wrong_audience", "expired", "replayed_nonce", "no_groups"
        self.token_requests: list[dict[str, str]] = []
        self.issuer = ""
        self.clock = time.time  # the tests hand it the line's fake clock
        self._server = None

    # --- serving -------------------------------------------------------------------------------------
    def start(self) -> "Provider":
        """Serve on 127.0.0.1 in a thread."""
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server:
            self._server.shutdown()

    def wsgi(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        routes = {"/.well-known/openid-configuration": self.discovery, "/jwks": self.jwks,
                  "/authorize": self.authorize, "/token": self.token}
        handler = routes.get(request.path)
        if request.path == "/favicon.ico":
            return Response(status=204)(environ, start_response)
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)

    # --- endpoints -----------------------------------------------------------------------------------
    def discovery(self, request: Request) -> Response:
        return _json({"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                      "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                      "response_types_supported": ["code"], "subject_types_supported": ["public"],
                      "id_token_signing_alg_values_supported": ["RS256"],
                      "code_challenge_methods_supported": ["S256"]})

    def jwks(self, request: Request) -> Response:
        return _json({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request: Request) -> Response:
        params = request.values
        if params.get("client_id") != CLIENT_ID or params.get("response_type") != "code":
            return Response("bad client or response type", 400)
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return Response("PKCE (S256) is required", 400)
        error = ""
        if request.method == "POST":
            person = self.people.get(params.get("username", ""))
            if person and secrets.compare_digest(person.password, params.get("password", "")):
                code = secrets.token_urlsafe(16)
                self.codes[code] = {"username": params["username"], "nonce": params.get("nonce", ""),
                                    "challenge": params["code_challenge"], "redirect_uri": params["redirect_uri"]}
                self.nonces.append(params.get("nonce", ""))
                target = params["redirect_uri"] + "?" + urlencode({"code": code, "state": params.get("state", "")})
                return Response(status=302, headers={"Location": target})
            error = "<p id='provider-error'>Wrong username or password</p>"
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items() if k not in ("username", "password"))
        page = (f"<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>{error}"
                f"<form method='post' id='provider-login'>{hidden}<label>Username <input name='username'></label>"
                "<label>Password <input name='password' type='password'></label><button>Sign in</button></form>")
        return Response(page, mimetype="text/html")

    def token(self, request: Request) -> Response:
        form = request.form
        self.token_requests.append(dict(form))
        client_id, client_secret = _client_credentials(request)
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return _json({"error": "invalid_client"}, 401)
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code" \
                or form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant"}, 400)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if challenge.rstrip(b"=").decode() != grant["challenge"]:
            return _json({"error": "invalid_grant", "error_description": "PKCE verifier does not match"}, 400)
        return _json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                      "id_token": self.id_token(grant)})

    # --- tokens --------------------------------------------------------------------------------------
    def id_token(self, grant: dict[str, Any]) -> str:
        """The ID token for a grant, as the provider is set to misbehave."""
        person = self.people[grant["username"]]
        now = int(self.clock())
        claims: dict[str, Any] = {"iss": self.issuer, "sub": person.sub, "aud": CLIENT_ID, "iat": now,
                                  "exp": now + 300, "nonce": grant["nonce"], "preferred_username": grant["username"],
                                  "groups": person.groups}
        if self.misbehave == "wrong_audience":
            claims["aud"] = "some-other-app"
        if self.misbehave == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        if self.misbehave == "replayed_nonce" and len(self.nonces) > 1:
            claims["nonce"] = self.nonces[-2]  # the nonce of an earlier sign-in
        if self.misbehave == "no_groups":
            claims["groups"] = ["Cafeteria"]
        key = self.stranger_key if self.misbehave == "bad_signature" else self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def _client_credentials(request: Request) -> tuple[str, str]:
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username or "", request.authorization.password or ""
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _json(data: dict[str, Any], status: int = 200) -> Response:
    import json
    return Response(json.dumps(data), status, mimetype="application/json")
