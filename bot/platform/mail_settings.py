"""SMTP settings and email addresses, checked the same way by the start-up check and the email sender."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
FALSE_VALUES = frozenset({"0", "false", "no", "off", ""})
# Characters that would let one "address" become several, or break out of a header.
FORBIDDEN_IN_ADDRESS = frozenset('<>,;:()[]"\\')


def parse_smtp_url(url: str) -> dict[str, Any]:
    """Validate an smtp:// or smtps:// URL and return its parts (raises ValueError with a clear message)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"SMTP URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"SMTP URL must start with smtp:// or smtps:// (got scheme {parts.scheme or 'none'!r})")
    host = parts.hostname
    if not host:
        raise ValueError("SMTP URL has no host (expected smtp://host:port)")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("SMTP URL must not have a path or a fragment")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ValueError("SMTP URL has a malformed query string") from None
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise ValueError(f"SMTP URL has unknown parameter(s): {', '.join(unknown)} (only starttls is known)")
    starttls_value = query.get("starttls", [""])[-1].strip().lower()
    if starttls_value not in TRUE_VALUES | FALSE_VALUES:
        raise ValueError("SMTP URL: starttls must be 1 or 0")
    starttls = starttls_value in TRUE_VALUES
    implicit_tls = scheme == "smtps"
    if implicit_tls and starttls:
        raise ValueError("SMTP URL: smtps:// is already TLS; starttls=1 only applies to smtp://")
    username = unquote(parts.username) if parts.username else ""
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise ValueError("SMTP URL has a password but no user name")
    if username and password is None:
        raise ValueError("SMTP URL has a user name but no password (smtp://user:password@host:port)")
    if not (username.isascii() and (password or "").isascii()):
        raise ValueError("SMTP URL: user name and password must be ASCII (Python's smtplib cannot send others)")
    return {"scheme": scheme, "host": host, "port": port or DEFAULT_PORTS[scheme], "username": username,
            "password": password or "", "starttls": starttls, "implicit_tls": implicit_tls}


def clean_address(address: str) -> str:
    """Strip a mailto: prefix and check the address lightly; raise ValueError if it is unusable."""
    if address[:7].lower() == "mailto:":
        address = address[7:]
    if not address or address.count("@") != 1:
        raise ValueError("an email address needs exactly one @")
    local, domain = address.split("@")
    if not local or not domain:
        raise ValueError("an email address needs text on both sides of the @")
    if not address.isascii() or not address.isprintable() or any(ch.isspace() for ch in address):
        raise ValueError("an email address must be printable ASCII without spaces or line breaks")
    if FORBIDDEN_IN_ADDRESS.intersection(address):
        raise ValueError("an email address must not contain <>,;:()[]\"\\")
    return address
