"""Configuration: safe defaults, then the environment, then a test mapping; no side effects at import."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .mail_settings import clean_address, parse_smtp_url

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOCAL_HASH_SECRET = "local-mode-only-not-a-secret"
LOCAL_OFFICERS = ("+15550100001",)
_WHATSAPP_RE = re.compile(r"^whatsapp:", re.IGNORECASE)


class ConfigError(Exception):
    """The configuration cannot run the line; the message says what to set."""


@dataclass(frozen=True)
class Config:
    """Everything the line reads from its environment. Names in comments are the environment variables."""

    mode: str = "production"                      # LINE_MODE ("local" is the explicit local mode)
    redis_url: str = "redis://127.0.0.1:6379/0"   # REDIS_URL
    twilio_account_sid: str = ""                  # TWILIO_ACCOUNT_SID
    twilio_auth_token: str = ""                   # TWILIO_AUTH_TOKEN
    public_base_url: str = ""                     # PUBLIC_BASE_URL
    officer_numbers: tuple[str, ...] = ()         # OFFICER_NUMBERS (+1..., or whatsapp:+1...)
    officer_emails: tuple[str, ...] = ()          # OFFICER_EMAILS
    smtp_url: str = ""                            # LINE_SMTP_URL (smtp://user:pass@host:587?starttls=1)
    email_from: str = ""                          # LINE_EMAIL_FROM
    whatsapp_template_sid: str = ""               # TWILIO_WHATSAPP_TEMPLATE_SID (officer alerts outside 24 h)
    alert_detail: str = "full"                    # LINE_ALERT_DETAIL ("full": the tip's text; "link": code + link)
    hash_secret: str = ""                         # LINE_HASH_SECRET
    sms_from: str = ""                            # TWILIO_SMS_FROM
    whatsapp_from: str = ""                       # TWILIO_WHATSAPP_FROM
    messaging_service_sid: str = ""               # TWILIO_MESSAGING_SERVICE_SID
    conversation_ttl: int = 24 * 3600             # LINE_CONVERSATION_TTL (seconds of inactivity)
    dedupe_ttl: int = 14 * 24 * 3600              # LINE_DEDUPE_TTL (seconds a MessageSid is remembered)
    followup_ttl: int = 72 * 3600                 # LINE_FOLLOWUP_TTL (seconds officers may write back)
    session_ttl: int = 12 * 3600                  # LINE_SESSION_TTL (seconds a dashboard login lasts at most)
    session_idle: int = 30 * 60                   # LINE_SESSION_IDLE (seconds without a request that end it)
    mfa: str = ""                                 # LINE_MFA (required | officers-optional | optional; see README)
    local_login: str = "on"                       # LINE_LOCAL_LOGIN ("off": single sign-on only)
    oidc_issuer: str = ""                         # LINE_OIDC_ISSUER (single sign-on provider, e.g. Entra ID)
    oidc_client_id: str = ""                      # LINE_OIDC_CLIENT_ID
    oidc_client_secret: str = ""                  # LINE_OIDC_CLIENT_SECRET
    oidc_groups_claim: str = "groups"             # LINE_OIDC_GROUPS_CLAIM (the ID token claim with the groups)
    oidc_role_groups: str = ""                    # LINE_OIDC_ROLE_GROUPS (admin=G1,coordinator=G2,officer=G3)
    oidc_label: str = "single sign-on"            # LINE_OIDC_LABEL (the button: "Sign in with ...")
    tip_retention_days: int = 365                 # LINE_TIP_RETENTION_DAYS (tips and photos are purged after)
    max_body_chars: int = 1600                    # LINE_MAX_BODY_CHARS
    max_request_bytes: int = 256 * 1024           # LINE_MAX_REQUEST_BYTES
    officer_locale: str = "en"                    # LINE_OFFICER_LOCALE
    timezone: str = "UTC"                         # LINE_TIMEZONE (times in officer notifications)
    queue_name: str = "linea"                     # LINE_QUEUE
    lock_seconds: float = 10.0                    # LINE_LOCK_SECONDS
    spool_dir: str = os.path.join(PROJECT_ROOT, ".run", "spool")  # LINE_SPOOL_DIR (messages kept while Redis is down)
    spool_interval: float = 5.0                   # LINE_SPOOL_INTERVAL (seconds between drain attempts)
    redis_check: str = "on"                       # LINE_REDIS_CHECK ("off" for a managed Redis that persists)
    model_cache: str = os.path.join(PROJECT_ROOT, ".run", "models")  # LINE_MODEL_CACHE (trained models, by data hash)
    alert_quiet_hours: str = "21-8"               # LINE_ALERT_QUIET_HOURS (no community alerts 21:00-08:00; "off")
    alert_rate: float = 1.0                       # LINE_ALERT_RATE (community alerts per second per sender)
    alert_chunk_size: int = 200                   # LINE_ALERT_CHUNK (recipients per delivery job)
    alert_template_sid: str = ""                  # TWILIO_ALERT_TEMPLATE_SID (alerts on WhatsApp outside 24 h)
    flows_dir: str = os.path.join(PROJECT_ROOT, "flows")                # LINE_FLOWS_DIR
    translations_dir: str = os.path.join(PROJECT_ROOT, "translations")  # LINE_TRANSLATIONS_DIR
    extra: Mapping[str, Any] = field(default_factory=dict)  # test-only objects (fake clock, fake HTTP)

    @property
    def local(self) -> bool:
        """True in the explicit local mode (simulator, outbox, optional signatures)."""
        return self.mode == "local"

    @property
    def sso(self) -> bool:
        """True when officers can sign in through an OpenID Connect provider."""
        return bool(self.oidc_issuer)


_ENV = {
    "mode": "LINE_MODE", "redis_url": "REDIS_URL", "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN", "public_base_url": "PUBLIC_BASE_URL",
    "officer_numbers": "OFFICER_NUMBERS", "officer_emails": "OFFICER_EMAILS", "smtp_url": "LINE_SMTP_URL",
    "email_from": "LINE_EMAIL_FROM", "whatsapp_template_sid": "TWILIO_WHATSAPP_TEMPLATE_SID", "alert_detail": "LINE_ALERT_DETAIL",
    "followup_ttl": "LINE_FOLLOWUP_TTL", "session_ttl": "LINE_SESSION_TTL", "session_idle": "LINE_SESSION_IDLE", "tip_retention_days": "LINE_TIP_RETENTION_DAYS", "hash_secret": "LINE_HASH_SECRET", "sms_from": "TWILIO_SMS_FROM",
    "whatsapp_from": "TWILIO_WHATSAPP_FROM", "messaging_service_sid": "TWILIO_MESSAGING_SERVICE_SID",
    "conversation_ttl": "LINE_CONVERSATION_TTL", "dedupe_ttl": "LINE_DEDUPE_TTL",
    "max_body_chars": "LINE_MAX_BODY_CHARS", "max_request_bytes": "LINE_MAX_REQUEST_BYTES",
    "officer_locale": "LINE_OFFICER_LOCALE", "timezone": "LINE_TIMEZONE", "queue_name": "LINE_QUEUE",
    "lock_seconds": "LINE_LOCK_SECONDS", "spool_dir": "LINE_SPOOL_DIR", "spool_interval": "LINE_SPOOL_INTERVAL",
    "redis_check": "LINE_REDIS_CHECK", "mfa": "LINE_MFA", "local_login": "LINE_LOCAL_LOGIN",
    "oidc_issuer": "LINE_OIDC_ISSUER", "oidc_client_id": "LINE_OIDC_CLIENT_ID",
    "oidc_client_secret": "LINE_OIDC_CLIENT_SECRET", "oidc_groups_claim": "LINE_OIDC_GROUPS_CLAIM",
    "oidc_role_groups": "LINE_OIDC_ROLE_GROUPS", "oidc_label": "LINE_OIDC_LABEL",
    "model_cache": "LINE_MODEL_CACHE", "flows_dir": "LINE_FLOWS_DIR", "translations_dir": "LINE_TRANSLATIONS_DIR",
    "alert_quiet_hours": "LINE_ALERT_QUIET_HOURS", "alert_rate": "LINE_ALERT_RATE",
    "alert_chunk_size": "LINE_ALERT_CHUNK", "alert_template_sid": "TWILIO_ALERT_TEMPLATE_SID",
}


def env_names() -> dict[str, str]:
    """Map of config field -> environment variable name (for docs and .env.example checks)."""
    return dict(_ENV)


def _convert(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Config)}[name]
    if kind == "tuple[str, ...]":
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return tuple(_WHATSAPP_RE.sub("whatsapp:", item.strip()) for item in items if item and item.strip())
    if kind in ("int", "float"):
        try:
            value = (int if kind == "int" else float)(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{_ENV[name]} must be a number, got {raw!r}") from None
        if value <= 0:
            raise ConfigError(f"{_ENV[name]} must be positive, got {raw!r}")
        return value
    return str(raw).strip()


def load_config(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Build the configuration from defaults, the environment and test overrides, then check it."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, var in _ENV.items():
        if environ.get(var, "").strip():
            values[name] = _convert(name, environ[var])
    for name, value in (overrides or {}).items():
        if name not in _ENV and name != "extra":
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = value if name == "extra" else _convert(name, value)
    config = replace(Config(), **values)
    if config.local:
        config = replace(config, hash_secret=config.hash_secret or LOCAL_HASH_SECRET,
                         officer_numbers=config.officer_numbers or LOCAL_OFFICERS)
    config = replace(config, mfa=config.mfa or ("optional" if config.local else "required"))
    check_config(config)
    return config


def _check_email(config: Config) -> None:
    try:
        if config.smtp_url:
            parse_smtp_url(config.smtp_url)
        for address in config.officer_emails + ((config.email_from,) if config.email_from else ()):
            clean_address(address)
    except ValueError as exc:
        raise ConfigError(f"email settings: {exc}") from None


MFA_MODES = ("required", "officers-optional", "optional")


def role_groups(spec: str) -> dict[str, str]:
    """Parse LINE_OIDC_ROLE_GROUPS ("admin=G1,coordinator=G2") into {group: role}; raise ConfigError if malformed."""
    groups: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        role, _, group = item.partition("=")
        role, group = role.strip(), group.strip()
        if role not in ("officer", "coordinator", "admin") or not group:
            raise ConfigError(f"LINE_OIDC_ROLE_GROUPS: {item!r} is not ROLE=GROUP (roles: officer, coordinator, "
                              "admin)")
        groups[group] = role
    return groups


def _check_sign_in(config: Config) -> None:
    if config.mfa not in MFA_MODES:
        raise ConfigError(f"LINE_MFA must be one of: {', '.join(MFA_MODES)}")
    if config.mfa == "optional" and not config.local:
        raise ConfigError("LINE_MFA=optional is allowed only in local mode (LINE_MODE=local); production needs "
                          "'required' or 'officers-optional'")
    if config.local_login not in ("on", "off"):
        raise ConfigError("LINE_LOCAL_LOGIN must be 'on' or 'off'")
    if config.local_login == "off" and not config.sso:
        raise ConfigError("LINE_LOCAL_LOGIN=off needs single sign-on: set LINE_OIDC_ISSUER (see DEPLOY.md)")
    if not config.sso:
        return
    missing = [var for name, var in _ENV.items()
               if name in ("oidc_client_id", "oidc_client_secret", "oidc_role_groups") and not getattr(config, name)]
    if missing:
        raise ConfigError("Single sign-on (LINE_OIDC_ISSUER is set) needs: " + ", ".join(missing))
    role_groups(config.oidc_role_groups)
    parts = urlsplit(config.oidc_issuer)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and (loopback or config.local)):
        raise ConfigError("LINE_OIDC_ISSUER must be an https:// URL (e.g. "
                          "https://login.microsoftonline.com/TENANT/v2.0)")


def check_config(config: Config) -> None:
    """Stop start-up with one clear message listing everything production is missing."""
    if config.redis_check not in ("on", "off"):
        raise ConfigError("LINE_REDIS_CHECK must be 'on' or 'off'")
    if config.alert_detail not in ("full", "link"):
        raise ConfigError("LINE_ALERT_DETAIL must be 'full' (the tip's text in alerts) or 'link' (code and link)")
    if config.alert_detail == "link" and not config.public_base_url and not config.local:
        raise ConfigError("LINE_ALERT_DETAIL=link needs PUBLIC_BASE_URL for the dashboard link")
    if not re.fullmatch(r"\s*(off|\d{1,2}\s*-\s*\d{1,2})\s*", config.alert_quiet_hours, re.IGNORECASE) or any(
            int(h) > 23 for h in re.findall(r"\d+", config.alert_quiet_hours)):
        raise ConfigError("LINE_ALERT_QUIET_HOURS must be START-END in whole local hours (e.g. 21-8) or off")
    if config.officer_locale not in ("en", "es"):
        raise ConfigError("LINE_OFFICER_LOCALE must be 'en' or 'es'")
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LINE_TIMEZONE {config.timezone!r} is not a known time zone "
                          "(e.g. America/Chicago)") from None
    _check_email(config)
    _check_sign_in(config)
    if config.local:
        return
    missing = [var for name, var in _ENV.items()
               if name in ("twilio_account_sid", "twilio_auth_token", "public_base_url", "hash_secret")
               and not getattr(config, name)]
    if not (config.officer_numbers or config.officer_emails):
        missing.append("OFFICER_NUMBERS or OFFICER_EMAILS (who receives new tips)")
    if config.officer_emails and not (config.smtp_url and config.email_from):
        missing.append("LINE_SMTP_URL and LINE_EMAIL_FROM (OFFICER_EMAILS is set)")
    if not (config.messaging_service_sid or config.sms_from):
        missing.append("TWILIO_MESSAGING_SERVICE_SID or TWILIO_SMS_FROM")
    if any(n.startswith("whatsapp:") for n in config.officer_numbers) and not (
            config.whatsapp_from or config.messaging_service_sid):
        missing.append("TWILIO_WHATSAPP_FROM (an officer number uses whatsapp:)")
    if missing:
        raise ConfigError(
            "Production mode needs these settings: " + ", ".join(missing)
            + ". Copy .env.example and fill them in, or set LINE_MODE=local to run the local simulator.")
    if len(config.hash_secret) < 16:
        raise ConfigError("LINE_HASH_SECRET must be at least 16 characters (use: python -c "
                          "'import secrets; print(secrets.token_urlsafe(32))')")
    if not config.public_base_url.startswith(("https://", "http://")):
        raise ConfigError("PUBLIC_BASE_URL must be the scheme and host Twilio calls, e.g. https://tips.example.org")
