"""The local simulator page in headless Chromium, against the real server (gunicorn) and the real RQ worker.

One private redis-server, one gunicorn and one `python worker.py` serve the whole module; every test opens
its own browser context and uses its own random phone numbers, so tests do not see each other's threads.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import pytest
from playwright import sync_api  # noqa: E402  (a missing browser stack must fail the suite, not skip it)

from tests.conftest import ENV_NAMES, ROOT, RedisServer, free_port

expect = sync_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
CODE_RE = re.compile(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")
REPLY_TIMEOUT = 10_000     # ms: one webhook round trip
OUTBOX_TIMEOUT = 20_000    # ms: worker runs deliver_tip + notify_officer, then the page polls every 1.5 s
HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1">'

if not os.path.exists(CHROMIUM):
    raise RuntimeError("Debian's chromium is not installed; ./line.sh test installs it")


@dataclass
class Simulator:
    base_url: str
    browser: object
    logs: str
    processes: dict[str, subprocess.Popen]
    env: dict[str, str] | None = None  # what gunicorn and the worker run with (for the CLI)

    def dead(self) -> list[str]:
        """Names of the server processes that have exited."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def log_tail(self) -> str:
        """The end of the server and worker logs, for failure messages."""
        out = []
        for name in ("server.log", "worker.log"):
            try:
                with open(os.path.join(self.logs, name), encoding="utf-8", errors="replace") as handle:
                    out.append(f"--- {name} ---\n" + handle.read()[-3000:])
            except OSError:
                pass
        return "\n".join(out)


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _wait_healthy(url: str, process: subprocess.Popen, logs: str, seconds: float = 15.0) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {logs}/server.log")
        try:
            with opener.open(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")


@contextmanager
def running_line(prefix: str, settings: dict[str, str] | None = None) -> Iterator[Simulator]:
    """Real redis-server + gunicorn (wsgi:app) + worker.py in local mode, and headless Chromium (shared by the
    browser modules; each gets its own). settings: more environment variables for the line."""
    redis_server = RedisServer()
    logs = tempfile.mkdtemp(prefix=prefix)
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(LINE_MODE="local", REDIS_URL=redis_server.url, PYTHONUNBUFFERED="1",
               LINE_SPOOL_DIR=os.path.join(logs, "spool"), **(settings or {}))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = worker = playwright = browser = None
    server_log = open(os.path.join(logs, "server.log"), "wb")
    worker_log = open(os.path.join(logs, "worker.log"), "wb")
    try:
        server = subprocess.Popen(
            [os.path.join(VENV_BIN, "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
             "wsgi:app"], cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        worker = subprocess.Popen([os.path.join(VENV_BIN, "python"), "worker.py"], cwd=ROOT, env=env,
                                  stdout=worker_log, stderr=subprocess.STDOUT)
        playwright = sync_api.sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        started = Simulator(base_url, browser, logs, {"gunicorn": server, "worker": worker}, env)
        try:
            _wait_healthy(base_url + "/healthz", server, logs)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{started.log_tail()}") from None
        yield started
    finally:
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
        _stop(worker)
        _stop(server)
        server_log.close()
        worker_log.close()
        redis_server.stop()
        shutil.rmtree(logs, ignore_errors=True)


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    """The module's running line (see running_line)."""
    with running_line("linea-browser-") as started:
        yield started


@pytest.fixture
def page(simulator: Simulator, request: pytest.FixtureRequest):
    """A fresh browser context on the simulator page; JavaScript errors fail the test."""
    context = simulator.browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(simulator.base_url + "/simulator")
    yield page
    context.close()
    dead = simulator.dead()
    if dead:
        pytest.fail(f"{', '.join(dead)} exited during the test:\n" + simulator.log_tail())
    assert not errors, f"JavaScript errors on the simulator page: {errors}"


def phone_number() -> str:
    """A random resident number the page accepts (and that no other test uses)."""
    return "+1555" + str(random.randint(1_000_000, 9_999_999))


def add_phone(page, number: str, channel: str = "sms"):
    """Add a resident phone with the form; return its card."""
    page.fill("#new-number", number)
    page.select_option("#new-channel", channel)
    page.click("#add-phone")
    address = ("whatsapp:" if channel == "whatsapp" else "") + number
    card = page.locator(f'.phone[data-address="{address}"]')
    expect(card).to_have_count(1)
    expect(card.locator(".phone-title")).to_have_text(("WhatsApp " if channel == "whatsapp" else "SMS ") + number)
    return card


def send(card, text: str) -> list[str]:
    """Type a message, press Send, wait for the line's answer; return the new incoming bubbles' texts."""
    answers = card.locator(".thread li.in, .thread li.silent")
    before = answers.count()
    card.locator(".message").fill(text)
    card.locator(".send").click()
    expect(card.locator(".thread li.out").last).to_have_text(text)
    expect(answers.nth(before)).to_be_attached(timeout=REPLY_TIMEOUT)
    new = answers.all_inner_texts()[before:]
    assert not any(t.startswith("(") for t in new), f"the line did not answer {text!r} normally: {new}"
    return new


def complete_tip(card, what: str) -> str:
    """Walk an English resident through a full tip; return the tip code from the confirmation."""
    assert "Reply with a number" in "\n".join(send(card, "hello"))
    assert "What happened?" in "\n".join(send(card, "2"))
    assert "Where did it happen?" in "\n".join(send(card, what))
    assert "When did it happen?" in "\n".join(send(card, "skip"))
    assert "people involved" in "\n".join(send(card, "yesterday 9pm"))
    assert "Is anyone hurt?" in "\n".join(send(card, "one had a red cap"))
    assert "may a police officer send you questions" in "\n".join(send(card, "no"))
    confirmation = "\n".join(send(card, "2"))
    assert "Your tip code is" in confirmation
    match = CODE_RE.search(confirmation)
    assert match, confirmation
    expect(card.locator(".thread li.in").last).to_contain_text(match.group(0))
    return match.group(0)


def outbox_item(page, simulator: Simulator, code: str):
    """The outbox notification of a tip, once the worker has sent it and the page has polled it."""
    item = page.locator("#outbox-list li.notification", has_text=code)
    try:
        expect(item).to_have_count(1, timeout=OUTBOX_TIMEOUT)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{simulator.log_tail()}") from None
    return item


def test_spanish_resident_gets_welcome_menu_and_policy(page):
    card = add_phone(page, phone_number(), "sms")
    welcome = send(card, "hola")
    thread = card.locator(".thread")
    expect(thread.locator("li.out").first).to_have_text("hola")
    expect(thread.locator("li.in").first).to_contain_text("Hola. Esta es la línea")
    assert any("Responda con un número" in t and "1 ¿La policía me preguntará" in t for t in welcome), welcome
    assert not any("Hello" in t for t in welcome), welcome
    policy = send(card, "1")
    assert any("NO hace cumplir leyes de inmigración" in t for t in policy), policy
    expect(thread.locator("li.in", has_text="NO hace cumplir leyes de inmigración")).to_have_count(1)
    expect(card.locator(".message")).to_have_value("")


def test_full_english_tip_over_whatsapp_reaches_the_officer_outbox(page, simulator):
    number = phone_number()
    card = add_phone(page, number, "whatsapp")
    code = complete_tip(card, "Two men took my wallet at the bus stop")
    item = outbox_item(page, simulator, code)
    expect(item).to_contain_text("Two men took my wallet")
    expect(item).to_contain_text("WhatsApp")
    expect(item).to_contain_text("yesterday 9pm")
    expect(item).to_contain_text("one had a red cap")
    outbox_text = page.locator("#outbox-list").inner_text()
    digits = number.lstrip("+")
    assert digits not in outbox_text and digits[-7:] not in outbox_text, outbox_text
    expect(page.locator("#outbox-count")).to_have_text(re.compile(r"^\(\d+\)$"))


def test_two_phones_get_replies_in_their_own_language(page):
    spanish = add_phone(page, phone_number(), "sms")
    english = add_phone(page, phone_number(), "sms")
    expect(page.locator(".phone")).to_have_count(2)
    # Both in flight at once: the webhook answers each phone from its own conversation.
    spanish.locator(".message").fill("hola")
    english.locator(".message").fill("hello")
    spanish.locator(".send").click()
    english.locator(".send").click()
    expect(spanish.locator(".thread li.in").first).to_contain_text("Hola. Esta es la línea",
                                                                   timeout=REPLY_TIMEOUT)
    expect(english.locator(".thread li.in").first).to_contain_text("Hello. This is the police tip line",
                                                                   timeout=REPLY_TIMEOUT)
    expect(spanish.locator(".thread")).not_to_contain_text("Hello. This is")
    expect(english.locator(".thread")).not_to_contain_text("Hola. Esta es")
    assert any("NO hace cumplir" in t for t in send(spanish, "1"))
    assert any("do NOT enforce immigration law" in t for t in send(english, "1"))
    expect(spanish.locator(".thread")).not_to_contain_text("do NOT enforce")
    expect(english.locator(".thread")).not_to_contain_text("NO hace cumplir")


def test_hostile_html_is_shown_as_text_never_as_markup(page, simulator):
    response = page.goto(simulator.base_url + "/simulator")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    card = add_phone(page, phone_number(), "sms")
    code = complete_tip(card, HOSTILE)
    expect(card.locator(".thread li.out", has_text=HOSTILE)).to_have_count(1)
    expect(card.locator(".thread li.out", has_text=HOSTILE)).to_have_text(HOSTILE)
    item = outbox_item(page, simulator, code)
    expect(item.locator(".body")).to_contain_text(f"What: {HOSTILE}")
    assert page.locator(".thread img").count() == 0
    assert page.locator("#outbox-list img").count() == 0
    assert page.locator("img").count() == 0
    assert page.evaluate("document.body.dataset.pwned") is None


PHONE = {"width": 390, "height": 844}  # a phone's CSS viewport


def fits_the_width(page) -> bool:
    """No sideways scrolling: the document is no wider than the viewport."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_page_fits_a_phone_and_says_how_to_start(simulator):
    context = simulator.browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(simulator.base_url + "/simulator")
    hint = page.locator("#empty-hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("Add a phone")
    assert fits_the_width(page)
    card = add_phone(page, phone_number(), "whatsapp")
    expect(hint).to_be_hidden()
    assert any("Hola. Esta es la línea" in t for t in send(card, "hola"))
    assert fits_the_width(page)
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    context.close()


def test_the_outbox_is_newest_first_without_numbers(page):
    expect(page.locator("#outbox")).to_contain_text("Newest first.")
    assert page.locator("#outbox-list").evaluate("list => list.tagName") == "UL"
    assert page.locator("#outbox-list").evaluate("list => getComputedStyle(list).listStyleType") == "none"


def test_the_line_has_an_icon(page, simulator):
    icon = page.locator('link[rel="icon"]')
    expect(icon).to_have_attribute("type", "image/svg+xml")
    response = page.request.get(simulator.base_url + "/favicon.ico")
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
