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
_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class User:
    """A dashboard user: a login name and one role."""

    name: str
    role: str
    disabled: bool = False

    def can(self, *roles: str) -> bool:
        """Whether this user has one of the roles (admins can do everything)."""
        return not self.disabled and (self.role == "admin" or self.role in roles)


@dataclass(frozen=True)
class LoginSession:
    """A signed-in user's session: who, and the CSRF token their forms must carry."""

    user: User
    csrf: str


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
            "password": generate_password_hash(password), "created_at": repr(self.clock()), "disabled": "0"})
        self.redis.sadd(f"{PREFIX}users", name)
        return User(name, role)

    def get(self, name: str) -> User | None:
        """The user with this name, or None."""
        role, disabled = self.redis.hmget(self._user_key(name), "role", "disabled")
        if role is None:
            return None
        return User(name, role.decode(), disabled == b"1")

    def all(self) -> list[User]:
        """Every user, by name."""
        names = sorted(n.decode() for n in self.redis.smembers(f"{PREFIX}users"))
        return [user for user in (self.get(n) for n in names) if user is not None]

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password and end their sessions."""
        check_password_rules(password)
        if self.get(name) is None:
            raise AccountError(f"no user named {name!r}")
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
        stored = self.redis.hget(self._user_key(name), "password") if NAME_RE.match(name) else None
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

    def start_session(self, user: User, client: str) -> str:
        """Open a session for a user who just signed in and return its secret token (for the cookie)."""
        token = secrets.token_urlsafe(32)
        key = self._session_key(token)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"user": user.name, "csrf": secrets.token_urlsafe(32), "seen": repr(self.clock())})
            pipe.expire(key, self.session_ttl)
            pipe.sadd(f"{PREFIX}user:{user.name}:sessions", key)
            pipe.delete(self._failure_keys(user.name, client)[0])
            pipe.execute()
        return token

    def session(self, token: str) -> LoginSession | None:
        """The live session of a cookie token, or None (expired, ended, unknown, or the user was disabled)."""
        if not token or len(token) > 128:
            return None
        key = self._session_key(token)
        name, csrf, seen = self.redis.hmget(key, "user", "csrf", "seen")
        user = self.get(name.decode()) if name else None
        if user is None or user.disabled or csrf is None:
            return None
        now = self.clock()
        if seen is not None and now - float(seen) > self.session_idle:
            self.redis.delete(key)  # idle too long: signing in again is needed
            return None
        self.redis.hset(key, "seen", repr(now))
        return LoginSession(user, csrf.decode())

    def end_session(self, token: str) -> None:
        """Log out: the token stops working at once."""
        self.redis.delete(self._session_key(token))

    def end_sessions(self, name: str) -> None:
        """End every session of a user."""
        keys = [k.decode() for k in self.redis.smembers(f"{PREFIX}user:{name}:sessions")]
        if keys:
            self.redis.delete(*keys, f"{PREFIX}user:{name}:sessions")


def same_token(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
