"""Single sign-on through an OpenID Connect provider (Microsoft Entra ID, Okta, ...): the authorisation code flow
with PKCE, state and nonce (Authlib), and the ID token's RS256 signature and claims checked against the provider's
JWKS (joserfc). Roles come from a group claim; an identity in no mapped group is refused."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable

import redis
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from bot.platform.config import Config, role_groups
from bot.platform.keys import PREFIX

STATE_TTL = 10 * 60       # seconds between leaving for the provider and coming back
NONCE_TTL = 24 * 3600     # a nonce once used is refused for this long (longer than any ID token lives)
CACHE_SECONDS = 3600      # discovery document and keys are fetched again after this
LEEWAY = 60               # seconds of clock difference allowed on exp / iat
HTTP_TIMEOUT = 10
ROLE_RANK = {"officer": 1, "coordinator": 2, "admin": 3}


class SignOnRefused(Exception):
    """The provider's answer does not sign anyone in; .reason names why (for the page and the audit log)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """Who the provider signed in: a stable subject (issuer + sub), a user name to show, and the mapped role."""

    subject: str
    name: str
    role: str
    next_url: str
    binding: str  # what the browser that started the sign-in holds (its cookie)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class SingleSignOn:
    """The line as an OpenID Connect relying party (one provider, from LINE_OIDC_*)."""

    def __init__(self, client: redis.Redis, config: Config, clock: Callable[[], float],
                 http: requests.Session | None = None) -> None:
        self.redis = client
        self.issuer = config.oidc_issuer.rstrip("/")
        self.client_id = config.oidc_client_id
        self.client_secret = config.oidc_client_secret
        self.groups_claim = config.oidc_groups_claim
        self.groups = role_groups(config.oidc_role_groups)
        self.clock = clock
        self.http = http or requests.Session()
        self._discovery: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None

    # --- the provider's documents --------------------------------------------------------------------
    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self.http.get(url, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SignOnRefused("provider_unreachable", f"{url}: {exc.__class__.__name__}") from None

    def discovery(self) -> dict[str, Any]:
        """The provider's /.well-known/openid-configuration (cached); its issuer must be the configured one."""
        if self._discovery and time.monotonic() - self._discovery[0] < CACHE_SECONDS:
            return self._discovery[1]
        document = self._get_json(self.issuer + "/.well-known/openid-configuration")
        if str(document.get("issuer", "")).rstrip("/") != self.issuer:
            raise SignOnRefused("provider_misconfigured", "the discovery document names another issuer")
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not document.get(field):
                raise SignOnRefused("provider_misconfigured", f"the discovery document has no {field}")
        self._discovery = (time.monotonic(), document)
        return document

    def _key_set(self, kid: str | None) -> KeySet:
        """The provider's signing keys; fetched again when a token names a key not seen yet (key rotation)."""
        if self._keys and time.monotonic() - self._keys[0] < CACHE_SECONDS:
            if kid is None or any(key.kid == kid for key in self._keys[1].keys):
                return self._keys[1]
        try:
            keys = KeySet.import_key_set(self._get_json(self.discovery()["jwks_uri"]))
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise SignOnRefused("provider_misconfigured", f"unreadable JWKS: {exc}") from None
        self._keys = (time.monotonic(), keys)
        return keys

    # --- the flow ------------------------------------------------------------------------------------
    def _session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(self.client_id, self.client_secret, scope="openid profile email",
                             redirect_uri=redirect_uri, code_challenge_method="S256", default_timeout=HTTP_TIMEOUT)

    def begin(self, redirect_uri: str, next_url: str, binding: str) -> str:
        """Remember a fresh state, nonce and PKCE verifier (with where to go next and the browser's binding), and
        return the provider's authorisation URL."""
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        key = f"{PREFIX}sso-state:{_digest(state)}"
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"nonce": nonce, "verifier": verifier, "next": next_url, "binding": binding})
            pipe.expire(key, STATE_TTL)
            pipe.execute()
        url, _ = self._session(redirect_uri).create_authorization_url(
            self.discovery()["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce)
        return url

    def finish(self, redirect_uri: str, state: str, code: str, error: str = "") -> Identity:
        """Check the provider's answer, exchange the code and verify the ID token; raise SignOnRefused if any part
        fails. A state works once."""
        key = f"{PREFIX}sso-state:{_digest(state[:128])}"
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.delete(key)
            stored = {k.decode(): v.decode() for k, v in pipe.execute()[0].items()}
        if not state or not stored:
            raise SignOnRefused("state", "unknown or expired state (sign-in took too long, or was replayed)")
        if error:
            raise SignOnRefused("provider_error", error[:100])
        if not code:
            raise SignOnRefused("provider_error", "no code")
        try:
            token = self._session(redirect_uri).fetch_token(
                self.discovery()["token_endpoint"], grant_type="authorization_code", code=code[:2048],
                code_verifier=stored["verifier"])
        except SignOnRefused:
            raise
        except Exception as exc:  # Authlib raises OAuthError, requests its own; both mean no token
            raise SignOnRefused("token", exc.__class__.__name__) from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignOnRefused("token", "the provider sent no ID token")
        claims = self.verify_id_token(id_token, stored["nonce"])
        return Identity(subject=f"{self.issuer} {claims['sub']}", name=self._name(claims),
                        role=self.role(claims), next_url=stored.get("next", ""), binding=stored.get("binding", ""))

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims if its RS256 signature matches the provider's keys and iss, aud, exp, iat and
        nonce are right (a nonce is accepted once); else SignOnRefused."""
        try:
            kid = jws.extract_compact(id_token.encode()).headers().get("kid")
        except (JoseError, ValueError):
            raise SignOnRefused("signature", "not a signed JWT") from None
        try:
            decoded = jwt.decode(id_token, self._key_set(kid), algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            raise SignOnRefused("signature", exc.__class__.__name__) from None
        claims = decoded.claims
        checks = jwt.JWTClaimsRegistry(
            now=lambda: int(self.clock()), leeway=LEEWAY, iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id}, sub={"essential": True},
            exp={"essential": True}, iat={"essential": True})
        try:
            checks.validate(claims)
        except JoseError as exc:
            raise SignOnRefused("claims", exc.__class__.__name__) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SignOnRefused("claims", "several audiences and azp is not this line")
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
            raise SignOnRefused("nonce", "the ID token was issued for another sign-in")
        if not self.redis.set(f"{PREFIX}sso-nonce:{_digest(nonce)}", "1", nx=True, ex=NONCE_TTL):
            raise SignOnRefused("nonce", "the ID token was used before")
        return claims

    def role(self, claims: dict[str, Any]) -> str:
        """The highest role any of the identity's groups maps to; SignOnRefused("no_group") if none does."""
        groups = claims.get(self.groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        roles = [self.groups[g] for g in groups if isinstance(g, str) and g in self.groups]
        if not roles:
            raise SignOnRefused("no_group", f"none of the groups in '{self.groups_claim}' is mapped to a role")
        return max(roles, key=ROLE_RANK.__getitem__)

    @staticmethod
    def _name(claims: dict[str, Any]) -> str:
        for claim in ("preferred_username", "email", "upn"):
            if isinstance(claims.get(claim), str) and claims[claim].strip():
                return claims[claim]
        return ""
