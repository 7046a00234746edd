"""Community alerts in headless Chromium against the real server (gunicorn), the real RQ worker and a private
redis-server, in local mode: residents text ALERTAS / ALERTS; one coordinator writes an alert (live segment
counter, preview), a second approves it, and the alert's page shows the progress bar reaching 100 %."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot import create_app
from tests.test_dashboard_browser import CSP_WATCH, PASSWORD, outbox, sign_in, text_the_line
from tests.test_simulator_browser import Simulator, expect, running_line

EN = "Robberies of people waiting at food lines near 24th and Quincy; report safely, police never ask status."
ES = "Robos a personas en la fila de comida cerca de la 24 y Quincy. Denuncie sin miedo: la policía nunca pregunta su estatus."
RESIDENTS = 16
SEND_TIMEOUT = 30_000  # ms: 16 alerts at LINE_ALERT_RATE=8 take about 2 s; the bound is generous


@pytest.fixture(scope="module")
def server() -> Iterator[Simulator]:
    # quiet hours off: the test must not depend on the hour it runs at
    with running_line("linea-alerts-browser-", {"LINE_ALERT_QUIET_HOURS": "off", "LINE_ALERT_RATE": "8"}) as line:
        yield line


@pytest.fixture
def browser_page(server):
    pages, errors = [], []

    def new_page():
        context = server.browser.new_context()
        context.set_default_timeout(5_000)
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pages.append(context)
        return page
    yield new_page
    for context in pages:
        context.close()
    assert not errors, f"errors on the alerts pages: {errors}"


def test_compose_approve_and_watch_the_progress_bar_reach_100(server, browser_page):
    app = create_app({"mode": "local", "redis_url": server.env["REDIS_URL"], "spool_dir": server.env["LINE_SPOOL_DIR"]})
    accounts = app.extensions["linea"].accounts
    accounts.create("ana", "coordinator", PASSWORD)
    accounts.create("luis", "coordinator", PASSWORD)
    numbers = [f"+1816555{n:04d}" for n in range(RESIDENTS)]
    for n, number in enumerate(numbers):
        (joined,) = text_the_line(server, number, "ALERTAS" if n % 2 else "ALERTS")
        assert ("ALERTAS NO" if n % 2 else "ALERTS OFF") in joined

    ana = browser_page()
    sign_in(ana, server, "ana")
    ana.goto(server.base_url + "/dashboard/alerts/")
    expect(ana.locator("#alert-subscribers")).to_contain_text(str(RESIDENTS))
    ana.locator("#alert-en").fill(EN)
    ana.locator("#alert-es").fill(ES)
    expect(ana.locator("#alert-en-count")).to_have_text(f"{len(EN)} · 1 SMS")  # counted as she types
    expect(ana.locator("#alert-es-count")).to_have_text(f"{len(ES)} · 2 SMS")
    ana.locator("#alert-preview-button").click()
    expect(ana.locator("#alert-preview")).to_contain_text("Quincy")
    expect(ana.locator("#alert-segments-es")).to_have_text("2 SMS segments (UCS-2)")
    ana.locator("#alert-save").click()
    expect(ana).to_have_url(re.compile(r"/dashboard/alerts/AL\d{6}$"))
    expect(ana.locator("#alert-status")).to_have_text("waiting for approval")
    expect(ana.locator("#alert-approve")).to_have_count(0)  # not her own: the two-person rule
    url = ana.url

    luis = browser_page()
    sign_in(luis, server, "luis")
    luis.goto(url)
    luis.locator("#alert-approve").click()
    expect(luis.locator("#alert-approved-by")).to_contain_text("luis")
    expect(luis.locator("#alert-percent")).to_have_text("100", timeout=SEND_TIMEOUT)
    expect(luis.locator("#count-sent")).to_have_text(str(RESIDENTS))
    expect(luis.locator("#count-queued")).to_have_text(str(RESIDENTS))
    expect(luis.locator("#alert-status")).to_have_text("sent")
    assert luis.locator("#alert-progress").evaluate("el => el.value") == 100

    raw, entries = outbox(server)
    alerts = [e for e in entries if e.get("kind") == "alert"]
    assert sorted(e["locale"] for e in alerts) == ["en"] * (RESIDENTS // 2) + ["es"] * (RESIDENTS // 2)
    page_text = luis.content() + ana.content()
    for number in numbers:
        assert number[2:] not in raw and number[-7:] not in page_text
