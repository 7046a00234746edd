"""The second factor of dashboard sign-in: TOTP (RFC 6238) secrets and one-time recovery codes.

A user's TOTP secret is kept only Fernet-encrypted under a key derived from LINE_HASH_SECRET; recovery codes only
as HMACs. A code is accepted once: each accepted time step is remembered and no earlier or equal step passes again,
so a code seen over a shoulder or replayed from a log cannot open a second session."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Callable

import pyotp
import redis
import segno
from cryptography.fernet import Fernet, InvalidToken

from bot.platform.keys import PREFIX

ISSUER = "Línea Segura"
STEP = 30                 # seconds a TOTP code lasts
DRIFT_STEPS = 1           # codes from one step before or after are accepted (phone clocks drift)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt


@dataclass(frozen=True)
class Enrolment:
    """What a user sees while enrolling: the secret as text, the otpauth:// URI and the same as an SVG QR code."""

    secret: str
    uri: str
    qr_svg: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four letters, easier to type into an authenticator app by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def normalise_code(code: str) -> str:
    """A code as typed: spaces and dashes dropped, lowercase."""
    return "".join(ch for ch in code.strip().lower() if ch not in " -")[:32]


class SecondFactors:
    """Enrolled TOTP secrets, recovery codes and replay protection (the only owner of their Redis keys)."""

    def __init__(self, client: redis.Redis, secret: str, clock: Callable[[], float]) -> None:
        self.redis = client
        self.clock = clock
        self.fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"linea-totp:" + secret.encode()).digest()))
        self.mac_key = hashlib.sha256(b"linea-recovery:" + secret.encode()).digest()

    @staticmethod
    def _key(name: str) -> str:
        return f"{PREFIX}user:{name}:mfa"

    def _recovery_key(self, name: str) -> str:
        return f"{PREFIX}user:{name}:recovery"

    def _mac(self, name: str, code: str) -> str:
        return hmac.new(self.mac_key, f"{name}:{code}".encode(), hashlib.sha256).hexdigest()

    # --- enrolment -----------------------------------------------------------------------------------
    @staticmethod
    def new_secret() -> str:
        """A fresh random TOTP secret (160 bits, base32)."""
        return pyotp.random_base32(32)

    @staticmethod
    def enrolment(name: str, secret: str) -> Enrolment:
        """The secret, its otpauth:// URI and a QR code of it as inline SVG (no script, no image request)."""
        uri = pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=name, issuer_name=ISSUER)
        qr = segno.make(uri, error="m")
        svg = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff", svgclass="qr", omitsize=False,
                            title=f"{ISSUER}: {name}")
        return Enrolment(secret, uri, svg)

    def seal(self, secret: str) -> str:
        """A secret encrypted for keeping in a session record until enrolment is confirmed."""
        return self.fernet.encrypt(secret.encode()).decode()

    def unseal(self, sealed: str) -> str | None:
        """The secret of seal(), or None if it was tampered with."""
        try:
            return self.fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None

    def confirm(self, name: str, secret: str, code: str) -> list[str] | None:
        """Enrol the secret if the code matches it; return ten new recovery codes (shown once), or None."""
        step = self._matching_step(secret, code)
        if step is None:
            return None
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(name))
            pipe.hset(self._key(name), mapping={"secret": self.seal(secret), "enrolled_at": repr(self.clock()),
                                                "last_step": str(step)})
            pipe.execute()
        return self.new_recovery_codes(name)

    def new_recovery_codes(self, name: str) -> list[str]:
        """Replace a user's recovery codes with ten new ones; only their HMACs are kept."""
        codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._recovery_key(name))
            pipe.sadd(self._recovery_key(name), *(self._mac(name, code) for code in codes))
            pipe.execute()
        return [f"{code[:5]}-{code[5:]}" for code in codes]

    # --- state ---------------------------------------------------------------------------------------
    def enrolled(self, name: str) -> bool:
        """Whether the user has a confirmed TOTP secret."""
        return bool(self.redis.hexists(self._key(name), "secret"))

    def enrolled_at(self, name: str) -> float | None:
        """When the user's factor was confirmed, or None."""
        stamp = self.redis.hget(self._key(name), "enrolled_at")
        return float(stamp) if stamp else None

    def recovery_left(self, name: str) -> int:
        """How many unused recovery codes the user has."""
        return int(self.redis.scard(self._recovery_key(name)))

    def reset(self, name: str) -> None:
        """Remove the user's factor and recovery codes: the next sign-in enrols again."""
        self.redis.delete(self._key(name), self._recovery_key(name))

    # --- verification --------------------------------------------------------------------------------
    def _matching_step(self, secret: str, code: str) -> int | None:
        code = normalise_code(code)
        if not (len(code) == 6 and code.isdigit()):
            return None
        totp = pyotp.TOTP(secret, interval=STEP)
        now = int(self.clock())
        here = now // STEP
        for step in (here, here - DRIFT_STEPS, here + DRIFT_STEPS):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    def _accept_step(self, name: str, step: int) -> bool:
        """Record a time step as used if it is later than the last accepted one (WATCH/MULTI: two sign-ins racing
        with the same code cannot both pass)."""
        key = self._key(name)

        def accept(pipe: redis.client.Pipeline) -> bool:
            last = pipe.hget(key, "last_step")
            if last is not None and int(last) >= step:
                return False
            pipe.multi()
            pipe.hset(key, "last_step", str(step))
            return True

        return bool(self.redis.transaction(accept, key, value_from_callable=True))

    def verify(self, name: str, code: str) -> str | None:
        """Check a TOTP code or a recovery code: "totp" or "recovery" if accepted (each only once), else None."""
        sealed = self.redis.hget(self._key(name), "secret")
        secret = self.unseal(sealed.decode()) if sealed else None
        if secret is None:
            return None
        step = self._matching_step(secret, code)
        if step is not None:
            return "totp" if self._accept_step(name, step) else None
        recovery = normalise_code(code)
        if len(recovery) == 10 and self.redis.srem(self._recovery_key(name), self._mac(name, recovery)) == 1:
            return "recovery"
        return None
