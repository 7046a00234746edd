"""Shared fixtures: a real redis-server per test session, apps wired for tests, signed Twilio requests."""
from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest
import redis
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator

from bot import create_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://line.example.test"
WEBHOOK_URL = PUBLIC_BASE_URL + "/twilio/messages"
OFFICERS = "+15550001111,whatsapp:+15550002222"
ENV_NAMES = ("LINE_MODE", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL",
             "OFFICER_NUMBERS", "LINE_HASH_SECRET", "TWILIO_SMS_FROM", "TWILIO_WHATSAPP_FROM",
             "TWILIO_MESSAGING_SERVICE_SID", "LINE_CONVERSATION_TTL", "LINE_DEDUPE_TTL", "LINE_MAX_BODY_CHARS",
             "LINE_MAX_REQUEST_BYTES", "LINE_OFFICER_LOCALE", "LINE_TIMEZONE", "LINE_QUEUE", "LINE_LOCK_SECONDS",
             "LINE_FLOWS_DIR", "LINE_TRANSLATIONS_DIR", "LINE_SPOOL_DIR", "LINE_SPOOL_INTERVAL", "LINE_REDIS_CHECK",
             "OFFICER_EMAILS", "LINE_SMTP_URL", "LINE_EMAIL_FROM", "TWILIO_WHATSAPP_TEMPLATE_SID", "LINE_FOLLOWUP_TTL",
             "LINE_SESSION_TTL", "LINE_TIP_RETENTION_DAYS", "LINE_ALERT_DETAIL", "LINE_ALERT_QUIET_HOURS",
             "LINE_ALERT_RATE", "LINE_ALERT_CHUNK", "TWILIO_ALERT_TEMPLATE_SID")


def wait_until_healthy(port: int, seconds: float = 15.0) -> None:
    """Wait (bounded) until a web process on 127.0.0.1:port answers /healthz."""
    import urllib.request
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing healthy on port {port} after {seconds} s")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A private redis-server process on 127.0.0.1, in a temporary directory."""

    def __init__(self, appendonly: bool = True) -> None:
        self.dir = tempfile.mkdtemp(prefix="linea-redis-")
        self.port = free_port()
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed; run ./line.sh test (it installs it)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "yes" if appendonly else "no", "--maxmemory-policy", "noeviction",
             "--daemonize", "no", "--logfile", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    return redis_server.url


@pytest.fixture
def redis_client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the machine's environment variables."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeTwilioHttp(HttpClient):
    """Twilio's HTTP layer faked: records every REST call, answers with scripted statuses (default 201)."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.error_codes: list[int] = []  # Twilio error codes for the scripted failures, in order

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        status = self.statuses.pop(0) if self.statuses else 201
        sid = f"SM{len(self.requests) + 1:032x}"
        self.requests.append({"method": method, "url": url, "data": dict(data or {}), "status": status, "sid": sid})
        if status >= 400:
            code = self.error_codes.pop(0) if self.error_codes else (
                21211 if status == 400 else 20429 if status == 429 else 20500)
            body = {"code": code, "message": "scripted failure", "status": status}
        else:
            body = {"sid": sid, "status": "queued", "to": (data or {}).get("To"), "body": (data or {}).get("Body")}
        return TwilioResponse(status, json.dumps(body))

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Message create calls that succeeded."""
        return [r for r in self.requests if r["status"] < 400 and r["url"].endswith("/Messages.json")]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def twilio_http() -> FakeTwilioHttp:
    return FakeTwilioHttp()


def production_config(redis_url: str, **overrides: Any) -> dict[str, Any]:
    """A complete production-mode configuration for tests (fake credentials, no network)."""
    config = {
        "mode": "production", "redis_url": redis_url, "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": AUTH_TOKEN, "public_base_url": PUBLIC_BASE_URL, "officer_numbers": OFFICERS,
        "hash_secret": "test-hash-secret-0123456789", "sms_from": "+15550009999",
        "whatsapp_from": "whatsapp:+15550009999", "spool_dir": tempfile.mkdtemp(prefix="linea-spool-"),
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(redis_url: str, clock: FakeClock, twilio_http: FakeTwilioHttp):
    return create_app(production_config(redis_url, extra={"clock": clock, "twilio_http_client": twilio_http}))


@pytest.fixture
def client(app):
    return app.test_client()


def sign(form: dict[str, str], url: str = WEBHOOK_URL, token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for this form."""
    return RequestValidator(token).compute_signature(url, form)


_sid_counter = iter(range(1, 10**9))


def inbound_form(sender: str, body: str, **extra: str) -> dict[str, str]:
    """Twilio's parameters for an incoming message (a fresh MessageSid each time)."""
    whatsapp = sender.startswith("whatsapp:")
    form = {
        "MessageSid": f"SM{next(_sid_counter):032x}", "AccountSid": "AC" + "0" * 32,
        "From": sender, "To": ("whatsapp:" if whatsapp else "") + "+15550009999", "Body": body, "NumMedia": "0",
        "NumSegments": "1", "ApiVersion": "2010-04-01",
    }
    if whatsapp:
        form["ProfileName"] = "Resident"
        form["WaId"] = sender.split("+")[-1]
    form.update(extra)
    return form


def post_signed(client, form: dict[str, str], url: str = WEBHOOK_URL):
    """POST a correctly signed Twilio webhook request."""
    return client.post("/twilio/messages", data=urlencode(form),
                       content_type="application/x-www-form-urlencoded",
                       headers={"X-Twilio-Signature": sign(form, url)})


def replies(response) -> list[str]:
    """The <Message> texts of a TwiML response."""
    import xml.etree.ElementTree as ET
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    return [m.text or "" for m in ET.fromstring(response.get_data()).iter("Message")]


PASSWORD = "correct horse battery staple"


class Staff:
    """A browser-like client of the dashboard over HTTPS (so Secure cookies flow), signed in as one user."""

    def __init__(self, app, name: str = "", role: str = "officer") -> None:
        self.app = app
        self.client = app.test_client()
        self.csrf = ""
        if name:
            app.extensions["linea"].accounts.create(name, role, PASSWORD)
            response = self.login(name, PASSWORD)
            assert response.status_code == 302, response.get_data(as_text=True)
            if "/login/" in response.headers["Location"]:  # a second factor is due: enrol one, as a person would
                self.secret = self.enrol()

    def enrol(self) -> str:
        """Set up the authenticator app from the secret the enrolment page shows; return that secret."""
        import re
        page = self.get("/login/enrol").get_data(as_text=True)
        secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        response = self.post("/login/enrol", {"code": self.code(secret)})
        assert response.status_code == 200 and "recovery-codes" in response.get_data(as_text=True)
        self.get("/dashboard/", follow_redirects=True)  # the complete session's form token
        return secret

    def code(self, secret: str, offset: float = 0.0) -> str:
        """The code an authenticator app shows now (by the app's clock), or offset seconds from now."""
        import pyotp
        return pyotp.TOTP(secret).at(self.app.extensions["linea"].clock() + offset)

    def get(self, path: str, **kwargs: Any):
        """GET over https; remembers the page's CSRF token."""
        response = self.client.get(path, base_url="https://line.example.test", **kwargs)
        self._remember_csrf(response)
        return response

    def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True):
        """POST a form over https, with the CSRF token unless csrf=False."""
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        return self.client.post(path, data=form, base_url="https://line.example.test")

    def login(self, name: str, password: str):
        """Fill in the sign-in form."""
        self.get("/login")
        return self.post("/login", {"name": name, "password": password})

    def _remember_csrf(self, response) -> None:
        import re
        if response.mimetype != "text/html":
            return
        found = re.search(r'name="csrf" value="([^"]+)"', response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
