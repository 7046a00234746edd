"""The officers' dashboard in headless Chromium, against the real server (gunicorn), the real RQ worker and a
private redis-server, in local mode.

The officer account is made with the real CLI (flask users create) and tips by posting a resident's
interview to the real webhook; every test uses its own browser context, resident number and tip, so tests
sharing the module's server do not see each other's state. Nothing a resident sent may run in the page, and the
resident's number may never reach an officer's page.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT
from tests.test_simulator_browser import (CODE_RE, VENV_BIN, Simulator, add_phone, expect, phone_number,
                                          running_line, send)

PASSWORD = "correct horse battery staple"
LINE_NUMBER = "+15550009999"
RLO = "\u202e"
HOSTILE_WHAT = ('<script>document.title="pwned";window.__pwned=1</script>'
                '<img src=x onerror="window.__pwned=2"> me robaron ' + RLO + 'la cartera')
QUESTION = "¿De qué color era el carro?"
ANSWER = "era rojo"
PAGE_TIMEOUT = 5_000       # ms: one dashboard page load
WORKER_TIMEOUT = 15.0      # s: the worker picks up the relay job and sends it

# Reported as console errors so that the test sees them across navigations (an init script is not subject
# to the page's Content-Security-Policy).
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


Server = Simulator  # the running line this module's tests share


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The module's running line: redis-server, gunicorn, worker.py and Chromium (see running_line)."""
    with running_line("linea-dashboard-browser-") as started:
        yield started


@pytest.fixture(scope="module")
def officer(server: Server) -> str:
    """The officer account, made once with the real CLI against the module's Redis; returns its name.

    Shared by the module's tests (each works on its own new tip, and read markers are per tip), which saves a
    second of CLI start-up per test."""
    name = "maria"
    command = [os.path.join(VENV_BIN, "flask"), "--app", "wsgi", "users", "create", name, "--role", "officer",
               "--password", PASSWORD]
    done = subprocess.run(command, check=False, cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"users create exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert f"created officer {name!r}" in done.stdout
    return name


@pytest.fixture
def console_errors() -> list[tuple[str, str]]:
    """(text, url) of every console error of the test's page; a test may take out the ones it expects."""
    return []


@pytest.fixture
def page(server: Server, console_errors: list[tuple[str, str]]):
    """A fresh browser context; page errors, console errors and CSP violations fail the test."""
    context = server.browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: console_errors.append((message.text, message.location.get("url", "")))
            if message.type == "error" else None)
    yield page
    context.close()
    dead = server.dead()
    if dead:
        pytest.fail(f"{', '.join(dead)} exited during the test:\n" + server.log_tail())
    assert not errors, f"JavaScript errors on the dashboard: {errors}"
    assert not console_errors, f"console errors (CSP violations included) on the dashboard: {console_errors}"


# --- the resident's side: the real webhook ---------------------------------------------------------------

def text_the_line(server: Server, sender: str, body: str) -> list[str]:
    """POST one resident message to the webhook (local mode: unsigned); return the TwiML reply texts."""
    form = {"From": sender, "To": LINE_NUMBER, "Body": body, "MessageSid": "SM" + uuid.uuid4().hex,
            "NumMedia": "0"}
    request = urllib.request.Request(server.base_url + "/twilio/messages",
                                     data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with _OPENER.open(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "application/xml"
        return [m.text or "" for m in ET.fromstring(response.read()).iter("Message")]


def make_tip(server: Server, sender: str, what: str = HOSTILE_WHAT) -> str:
    """A Spanish resident completes the interview and agrees to questions; returns the tip code."""
    texts: list[str] = []
    for body in ["hola", "2", what, "en la 5 y Main", "ayer", "un hombre alto", "no", "1"]:
        texts = text_the_line(server, sender, body)
        assert texts, f"no reply to {body!r}"
    last = "\n".join(texts)
    found = CODE_RE.search(last)
    assert found, last
    assert "72 horas" in last, last  # the follow-up consent was taken
    return found.group(0)


def outbox(server: Server) -> tuple[str, list[dict]]:
    """The local outbox as raw JSON text and parsed."""
    with _OPENER.open(server.base_url + "/simulator/outbox.json", timeout=5) as response:
        raw = response.read().decode()
    return raw, json.loads(raw)


# --- the officer's side: the browser ---------------------------------------------------------------------

def sign_in(page, server: Server, name: str, password: str = PASSWORD) -> None:
    """Fill in the sign-in form at /login."""
    page.goto(server.base_url + "/login")
    form = page.locator("form.login")
    form.locator('input[name="name"]').fill(name)
    form.locator('input[name="password"]').fill(password)
    form.get_by_role("button", name="Sign in").click()


def signed_in(page, server: Server, name: str) -> None:
    """Sign in and land on the tips list."""
    sign_in(page, server, name)
    expect(page).to_have_url(server.base_url + "/dashboard/tips")
    expect(page.locator("header .who")).to_have_text(f"{name} (officer)")


def tip_row(page, code: str):
    row = page.locator(f'#tips tr.tip[data-code="{code}"]')
    expect(row).to_have_count(1)
    return row


def open_tip(page, server: Server, code: str) -> None:
    """From the tips list, open a tip by its code link."""
    tip_row(page, code).get_by_role("link", name=code).click()
    expect(page).to_have_url(f"{server.base_url}/dashboard/tips/{code}")
    expect(page.locator("#tip-code")).to_have_text(code)


def assert_number_hidden(page, number: str) -> None:
    """The resident's number is nowhere in the page's HTML (in no form: +1555..., 1555..., last 7 digits)."""
    html = page.content()
    digits = number.lstrip("+")
    assert digits not in html and digits[-7:] not in html, f"resident's number on {page.url}"


def reload_until(page, check, seconds: float = WORKER_TIMEOUT) -> None:
    """Reload the page until check(page) is true (the worker runs on its own time)."""
    deadline = time.monotonic() + seconds
    while not check(page):
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url} did not show the expected state within {seconds:.0f} s")
        time.sleep(0.2)
        page.reload()


# --- tests -----------------------------------------------------------------------------------------------

def test_an_officer_signs_in_and_reads_a_new_tip_with_hostile_text_shown_as_text(page, server, officer):
    number = phone_number()
    code = make_tip(server, number)
    signed_in(page, server, officer)
    row = tip_row(page, code)
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    expect(row.locator(".sr")).to_have_text("Not opened by you yet")
    expect(row).to_contain_text("Spanish")
    expect(row.locator("td.status")).to_have_text("New")
    expect(row.locator("td.text")).to_contain_text("<script>document.title=")
    assert row.locator("script, img").count() == 0
    assert_number_hidden(page, number)

    open_tip(page, server, code)
    answers = page.locator("#answers")
    expect(answers.locator("dt")).to_have_text(["What", "Where", "When", "People", "Hurt"])
    expect(answers.locator("dd")).to_have_text([re.compile("me robaron"), "en la 5 y Main", "ayer", "un hombre alto",
                                                "no"])
    what = answers.locator("dd").first
    expect(what).to_contain_text('<script>document.title="pwned";window.__pwned=1</script>')
    expect(what).to_contain_text('<img src=x onerror="window.__pwned=2">')
    assert answers.locator("script").count() == 0 and answers.locator("img").count() == 0
    assert page.locator("img").count() == 0
    expect(what.locator(".control")).to_have_text("[U+202E]")
    assert RLO not in what.inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() != "pwned" and page.title() == f"{code} · Línea Segura"
    expect(page.locator("#status")).to_have_text("New")
    expect(page.locator("#reply-form")).to_be_visible()  # the resident agreed to questions
    assert_number_hidden(page, number)


def test_an_officer_moves_a_tip_to_in_progress(page, server, officer):
    number = phone_number()
    code = make_tip(server, number, "me robaron el carro")
    signed_in(page, server, officer)
    expect(tip_row(page, code)).to_have_class(re.compile(r"\bunread\b"))
    open_tip(page, server, code)
    form = page.locator("#status-form")
    form.locator('select[name="status"]').select_option(label="In progress")
    form.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{server.base_url}/dashboard/tips/{code}")
    expect(page.locator("#status")).to_have_text("In progress")
    expect(form.locator('select[name="status"]')).to_have_value("in_progress")
    assert_number_hidden(page, number)

    page.locator("header nav").get_by_role("link", name="Tips").click()
    expect(page).to_have_url(server.base_url + "/dashboard/tips")
    row = tip_row(page, code)
    expect(row).not_to_have_class(re.compile(r"\bunread\b"))
    expect(row.locator(".sr")).to_have_count(0)
    expect(row.locator("td.status")).to_have_text("In progress")
    assert_number_hidden(page, number)


def test_an_officer_writes_to_the_resident_and_reads_the_answer(page, server, officer):
    number = phone_number()
    code = make_tip(server, number, "me robaron el carro")
    signed_in(page, server, officer)
    open_tip(page, server, code)
    expect(page.locator("#thread")).to_contain_text("Nothing since the tip.")
    reply = page.locator("#reply-form")
    reply.locator('textarea[name="text"]').fill(QUESTION)
    reply.get_by_role("button", name="Send").click()
    expect(page).to_have_url(f"{server.base_url}/dashboard/tips/{code}?sent=1")
    expect(page.locator("#reply-queued")).to_have_text(
        "Your message is queued. Its delivery shows below once a worker has sent it.")
    officer_entry = page.locator("#thread li.officer")
    expect(officer_entry).to_have_count(1)
    expect(officer_entry.locator(".text")).to_have_text(QUESTION)
    expect(officer_entry.locator(".meta")).to_contain_text(f"{officer} → resident")

    # The worker sends it through the line; local mode puts it in the outbox without the number.
    deadline = time.monotonic() + WORKER_TIMEOUT
    while True:
        raw, entries = outbox(server)
        sent = [e for e in entries if QUESTION in e.get("body", "") and code in e.get("body", "")]
        if sent:
            break
        assert time.monotonic() < deadline, f"the reply never reached the outbox:\n{raw}\n{server.log_tail()}"
        time.sleep(0.2)
    (entry,) = sent
    assert entry["to"] == "a resident" and entry["channel"] == "sms"
    assert entry["body"] == f"Mensaje de la policía sobre su reporte {code}: {QUESTION}\nPara contestar, " \
                            "responda aquí."
    digits = number.lstrip("+")
    assert digits not in raw and digits[-7:] not in raw

    reload_until(page, lambda p: p.locator("#thread li.officer .delivery").inner_text() == "sent")
    expect(page.locator("#thread li.officer .delivery")).to_have_text("sent")
    assert_number_hidden(page, number)

    # The resident answers; it lands on the tip, after the officer's message.
    assert text_the_line(server, number, ANSWER) == [f"Gracias. Agregamos esto al reporte {code}."]
    page.goto(f"{server.base_url}/dashboard/tips/{code}")
    thread = page.locator("#thread ol.thread > li")
    expect(thread).to_have_count(2)
    expect(thread.nth(0)).to_have_class("officer")
    expect(thread.nth(0).locator(".text")).to_have_text(QUESTION)
    expect(thread.nth(1)).to_have_class("resident")
    expect(thread.nth(1).locator(".text")).to_have_text(ANSWER)
    expect(thread.nth(1).locator(".meta")).to_contain_text("resident")
    expect(page.locator("#thread")).not_to_contain_text("Nothing since the tip.")
    assert_number_hidden(page, number)


def test_the_two_way_relay_end_to_end_on_the_simulator_phone(page, server, officer):
    """A resident texts from the simulator page, an officer answers from the dashboard, the answer appears on
    the resident's phone card, and the resident's reply reaches the tip."""
    resident = page.context.browser.new_context().new_page()
    resident.goto(server.base_url + "/simulator")
    number = phone_number()
    card = add_phone(resident, number, "sms")
    for body in ["hola", "2", "me robaron la bici", "en la 5 y Main", "ayer", "un hombre alto", "no"]:
        send(card, body)
    code = CODE_RE.search("\n".join(send(card, "1"))).group(0)

    signed_in(page, server, officer)
    open_tip(page, server, code)
    page.locator('#reply-form textarea[name="text"]').fill(QUESTION)
    page.locator("#reply-form").get_by_role("button", name="Send").click()
    later = card.locator(".thread li.in.later")
    expect(later).to_have_count(1, timeout=WORKER_TIMEOUT * 1000)
    expect(later).to_contain_text(f"Mensaje de la policía sobre su reporte {code}: {QUESTION}")

    assert send(card, ANSWER) == [f"Gracias. Agregamos esto al reporte {code}."]
    page.goto(f"{server.base_url}/dashboard/tips/{code}")
    expect(page.locator("#thread li.resident .text")).to_have_text(ANSWER)
    assert_number_hidden(page, number)
    resident.context.close()


def test_signing_out_ends_the_session(page, server, officer):
    signed_in(page, server, officer)
    (session,) = [c for c in page.context.cookies() if c["name"] == "linea-session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    page.locator("header form.logout").get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(server.base_url + "/login")
    expect(page.locator("header form.logout")).to_have_count(0)
    assert not [c for c in page.context.cookies() if c["name"] == "linea-session"]
    page.goto(server.base_url + "/dashboard/tips")
    expect(page).to_have_url(server.base_url + "/login?next=/dashboard/tips")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert page.locator("#tips").count() == 0
    # The session ended on the server too: the old cookie, put back, no longer opens the dashboard.
    page.context.add_cookies([session])
    page.goto(server.base_url + "/dashboard/tips")
    expect(page).to_have_url(server.base_url + "/login?next=/dashboard/tips")


def test_a_wrong_password_is_refused(page, server, officer, console_errors):
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as answer:
        sign_in(page, server, officer, "not the right password")
    assert answer.value.status == 401
    expect(page.locator("#login-error")).to_have_text("Wrong name or password.")
    expect(page).to_have_url(server.base_url + "/login")
    expect(page.locator('form.login input[name="name"]')).to_be_visible()
    # Chromium reports the 401 answer to the form as a console error; that one is expected.
    expected = [(text, url) for text, url in console_errors if "401" in text and url.endswith("/login")]
    assert len(expected) == 1, console_errors
    console_errors.remove(expected[0])
    expect(page.locator("header form.logout")).to_have_count(0)
    page.goto(server.base_url + "/dashboard/tips")
    expect(page).to_have_url(server.base_url + "/login?next=/dashboard/tips")
