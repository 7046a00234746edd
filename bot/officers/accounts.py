"""Dashboard accounts in Redis: users with roles and hashed passwords, server-side sessions, login throttling.

Passwords are hashed with werkzeug's scrypt; there is no default account and no default password. A
session is a random token in an HttpOnly cookie; Redis keeps only the token's SHA-256, so a copy of Redis
cannot be replayed as a login. Logging out (or disabling the user) ends sessions at once."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Callable

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from bot.platform.keys import PREFIX

ROLES = ("officer", "coordinator", "admin")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256
FAILURES_PER_NAME = 5        # failed logins for one account ...
FAILURES_PER_CLIENT = 20     # ... or from one client address ...
FAILURE_WINDOW = 15 * 60     # ... within this many seconds lock further attempts until the window ends
PARTIAL_TTL = 10 * 60        # a session waiting for its second factor lasts this long at most
_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class User:
    """A dashboard user: a login name and one role."""

    name: str
    role: str
    disabled: bool = False
    source: str = "local"    # "local" (password) or "sso" (signs in through the OpenID Connect provider only)

    def can(self, *roles: str) -> bool:
        """Whether this user has one of the roles (admins can do everything)."""
        return not self.disabled and (self.role == "admin" or self.role in roles)


@dataclass(frozen=True)
class LoginSession:
    """A signed-in user's session: who, the CSRF token their forms must carry, and whether sign-in is complete
    (a session that has passed the password but not yet the second factor reaches only the second-factor pages)."""

    user: User
    csrf: str
    complete: bool = True
    method: str = "password"   # how it was opened: "password" or "sso"
    stash: str = ""            # what the second-factor pages keep between requests (a sealed enrolment secret)


def check_password_rules(password: str) -> None:
    """Raise AccountError if a password is too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must have at most {MAX_PASSWORD} characters")


class Accounts:
    """Users, sessions and login throttling (the only owner of their Redis keys)."""

    def __init__(self, client: redis.Redis, session_ttl: int, clock: Callable[[], float],
                 session_idle: int = 30 * 60) -> None:
        self.redis = client
        self.session_ttl = session_ttl    # a session's absolute lifetime (LINE_SESSION_TTL)
        self.session_idle = session_idle  # ... and how long it survives without a request (LINE_SESSION_IDLE)
        self.clock = clock

    # --- users ---------------------------------------------------------------------------------------
    @staticmethod
    def _user_key(name: str) -> str:
        return f"{PREFIX}user:{name}"

    def create(self, name: str, role: str, password: str) -> User:
        """Create an account; raise AccountError for a bad name, role or password, or a taken name."""
        name = name.strip().lower()
        if not NAME_RE.match(name):
            raise AccountError("a user name has 2-32 characters: lowercase letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise AccountError(f"the role must be one of: {', '.join(ROLES)}")
        check_password_rules(password)
        created = self.redis.hsetnx(self._user_key(name), "role", role)
        if not created:
            raise AccountError(f"the user {name!r} already exists")
        self.redis.hset(self._user_key(name), mapping={
            "password": generate_password_hash(password), "created_at": repr(self.clock()), "disabled": "0",
            "source": "local"})
        self.redis.sadd(f"{PREFIX}users", name)
        return User(name, role)

    def sign_in_from_provider(self, subject: str, wanted_name: str, role: str) -> User:
        """The account of a single sign-on identity (subject = issuer + sub), created on its first sign-in; its role
        follows the provider's groups at every sign-in. Raise AccountError if the name belongs to someone else."""
        link = f"{PREFIX}sso-subject:{hashlib.sha256(subject.encode()).hexdigest()}"
        linked = self.redis.get(link)
        name = linked.decode() if linked else sso_name(wanted_name)
        if not linked:
            if not NAME_RE.match(name):
                raise AccountError("the provider gave no usable user name (preferred_username or email)")
            if not self.redis.hsetnx(self._user_key(name), "role", role):  # a local account, or another identity
                raise AccountError(f"the name {name!r} already belongs to another account; an admin must rename "
                                   "or remove that account first")
            self.redis.hset(self._user_key(name), mapping={"created_at": repr(self.clock()), "disabled": "0",
                                                           "source": "sso", "subject": link})
            self.redis.set(link, name)
            self.redis.sadd(f"{PREFIX}users", name)
        self.redis.hset(self._user_key(name), "role", role)
        user = self.get(name)
        assert user is not None
        return user

    def get(self, name: str) -> User | None:
        """The user with this name, or None."""
        role, disabled, source = self.redis.hmget(self._user_key(name), "role", "disabled", "source")
        if role is None:
            return None
        return User(name, role.decode(), disabled == b"1", source.decode() if source else "local")

    def last_sign_in(self, name: str) -> tuple[float, str] | None:
        """When and how (password, sso) the user last completed a sign-in, or None."""
        at, method = self.redis.hmget(self._user_key(name), "last_login", "last_login_method")
        return (float(at), method.decode() if method else "password") if at else None

    def all(self) -> list[User]:
        """Every user, by name."""
        names = sorted(n.decode() for n in self.redis.smembers(f"{PREFIX}users"))
        return [user for user in (self.get(n) for n in names) if user is not None]

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password and end their sessions."""
        check_password_rules(password)
        user = self.get(name)
        if user is None:
            raise AccountError(f"no user named {name!r}")
        if user.source == "sso":
            raise AccountError(f"{name!r} signs in through single sign-on; the provider manages the password")
        self.redis.hset(self._user_key(name), "password", generate_password_hash(password))
        self.end_sessions(name)

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (or enable again) an account; disabling ends its sessions at once."""
        if self.get(name) is None:
            raise AccountError(f"no user named {name!r}")
        self.redis.hset(self._user_key(name), "disabled", "1" if disabled else "0")
        if disabled:
            self.end_sessions(name)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is right and the account enabled; the same work is done either way."""
        name = name.strip().lower()[:64]
        stored = self.redis.hget(self._user_key(name), "password") if NAME_RE.match(name) else None  # none for SSO
        valid = check_password_hash(stored.decode() if stored else _DUMMY_HASH, password[:MAX_PASSWORD])
        user = self.get(name) if stored else None
        return user if valid and user is not None and not user.disabled else None

    # --- read markers --------------------------------------------------------------------------------
    def mark_read(self, name: str, code: str, at: float | None = None) -> None:
        """Remember that a user has opened a tip (and when, to tell later resident messages apart)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(f"{PREFIX}user:{name}:read", code)
            pipe.hset(f"{PREFIX}user:{name}:seen", code, repr(self.clock() if at is None else at))
            pipe.execute()

    def seen_at(self, name: str, codes: list[str]) -> dict[str, float]:
        """When the user last opened each of these tips (tips never opened are left out)."""
        if not codes:
            return {}
        stamps = self.redis.hmget(f"{PREFIX}user:{name}:seen", codes)
        return {code: float(stamp) for code, stamp in zip(codes, stamps) if stamp is not None}

    def read_codes(self, name: str, codes: list[str]) -> set[str]:
        """Which of these tips the user has opened."""
        if not codes:
            return set()
        flags = self.redis.smismember(f"{PREFIX}user:{name}:read", codes)
        return {code for code, flag in zip(codes, flags) if flag}

    def forget_tips(self, codes: list[str]) -> None:
        """Drop purged tips from every user's read markers."""
        if codes:
            with self.redis.pipeline(transaction=False) as pipe:
                for user in self.all():
                    pipe.srem(f"{PREFIX}user:{user.name}:read", *codes)
                    pipe.hdel(f"{PREFIX}user:{user.name}:seen", *codes)
                pipe.execute()

    # --- login throttling ----------------------------------------------------------------------------
    def _failure_keys(self, name: str, client: str) -> tuple[str, str]:
        digest = hashlib.sha256(client.encode()).hexdigest()[:24]  # no client address kept in clear
        return f"{PREFIX}login-fail:name:{name.strip().lower()[:64]}", f"{PREFIX}login-fail:client:{digest}"

    def locked_out(self, name: str, client: str) -> bool:
        """Whether too many failed logins for this name or from this client forbid trying now."""
        by_name, by_client = self._failure_keys(name, client)
        name_count, client_count = self.redis.mget(by_name, by_client)
        return int(name_count or 0) >= FAILURES_PER_NAME or int(client_count or 0) >= FAILURES_PER_CLIENT

    def login_failed(self, name: str, client: str) -> None:
        """Count a failed login against the name and the client address."""
        with self.redis.pipeline(transaction=True) as pipe:
            for key in self._failure_keys(name, client):
                pipe.incr(key)
                pipe.expire(key, FAILURE_WINDOW, nx=True)
            pipe.execute()

    # --- sessions ------------------------------------------------------------------------------------
    @staticmethod
    def _session_key(token: str) -> str:
        return f"{PREFIX}session:{hashlib.sha256(token.encode()).hexdigest()}"

    def start_session(self, user: User, client: str, complete: bool = True, method: str = "password") -> str:
        """Open a session for a user who just signed in and return its secret token (for the cookie). An incomplete
        session (second factor still to do) lasts PARTIAL_TTL at most; a complete one records the sign-in."""
        token = secrets.token_urlsafe(32)
        key = self._session_key(token)
        now = self.clock()
        lifetime = self.session_ttl if complete else min(PARTIAL_TTL, self.session_ttl)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"user": user.name, "csrf": secrets.token_urlsafe(32), "seen": repr(now),
                                    "until": repr(now + lifetime), "complete": "1" if complete else "0",
                                    "method": method})
            pipe.expire(key, lifetime)
            pipe.sadd(f"{PREFIX}user:{user.name}:sessions", key)
            if complete:
                pipe.delete(self._failure_keys(user.name, client)[0])
                pipe.hset(self._user_key(user.name), mapping={"last_login": repr(now), "last_login_method": method})
            pipe.execute()
        return token

    def complete_session(self, token: str, client: str) -> str | None:
        """The second factor is done: end the partial session and return the token of a complete one (a new token,
        so a partial cookie copied earlier never becomes a full one)."""
        current = self.session(token)
        if current is None or current.complete:
            return None
        self.end_session(token)
        return self.start_session(current.user, client, complete=True, method=current.method)

    def stash(self, token: str, value: str) -> None:
        """Keep a value with the session until it ends (used for the secret being enrolled)."""
        self.redis.hset(self._session_key(token), "stash", value)

    def session(self, token: str) -> LoginSession | None:
        """The live session of a cookie token, or None (expired, ended, unknown, or the user was disabled)."""
        if not token or len(token) > 128:
            return None
        key = self._session_key(token)
        name, csrf, seen, until, complete, method, stash = self.redis.hmget(
            key, "user", "csrf", "seen", "until", "complete", "method", "stash")
        user = self.get(name.decode()) if name else None
        if user is None or user.disabled or csrf is None:
            return None
        now = self.clock()
        if (seen is not None and now - float(seen) > self.session_idle) or (until is not None and now > float(until)):
            self.redis.delete(key)  # idle too long, or past its lifetime: signing in again is needed
            return None
        self.redis.hset(key, "seen", repr(now))
        return LoginSession(user, csrf.decode(), complete != b"0", method.decode() if method else "password",
                            stash.decode() if stash else "")

    def end_session(self, token: str) -> None:
        """Log out: the token stops working at once."""
        self.redis.delete(self._session_key(token))

    def end_sessions(self, name: str) -> None:
        """End every session of a user."""
        keys = [k.decode() for k in self.redis.smembers(f"{PREFIX}user:{name}:sessions")]
        if keys:
            self.redis.delete(*keys, f"{PREFIX}user:{name}:sessions")


def sso_name(wanted: str) -> str:
    """A dashboard user name made from the provider's preferred_username or email ("Maria.Lopez@pd.gov" ->
    "maria.lopez")."""
    local = wanted.strip().lower().split("@")[0]
    return re.sub(r"[^a-z0-9._-]", "-", local)[:32].strip("-")


def same_token(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
