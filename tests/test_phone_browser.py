"""Every page at a phone's width (390 CSS pixels) in headless Chromium, against the real server, worker and
Redis in local mode: no sideways scrolling, the header spans the width, and what a phone needs works (the case
file prints to PDF, the editor's text boxes grow and count SMS, its Save bar stays in view)."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests import test_dashboard_browser as dashboard_browser
from tests.conftest import ROOT
from tests.test_dashboard_browser import CSP_WATCH, PASSWORD, Server, make_tip, sign_in
from tests.test_simulator_browser import VENV_BIN, expect, phone_number

server = dashboard_browser.server
PHONE = {"width": 390, "height": 844}
ADMIN = "ana"


@pytest.fixture(scope="module")
def admin(server: Server) -> str:
    """An admin account (admins see every page), made with the real CLI from a pipe."""
    command = [os.path.join(VENV_BIN, "flask"), "--app", "wsgi", "users", "create", ADMIN, "--role", "admin"]
    done = subprocess.run(command, check=False, cwd=ROOT, env=server.env, input=PASSWORD + "\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr
    return ADMIN


@pytest.fixture
def phone(server: Server):
    """A page in a phone-sized browser context; page errors, console errors and CSP violations fail the test."""
    context = server.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"errors in the browser: {errors}"


def fits(page) -> None:
    """No sideways scrolling, and the header (where there is one) spans the screen."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide on a {width[1]} px screen"
    header = page.locator("header.top")
    if header.count():
        box = header.bounding_box()
        assert box["x"] == 0 and box["width"] == PHONE["width"], f"{page.url}: header {box}"


PAGES = ["/dashboard/tips", "/dashboard/tips/{code}", "/dashboard/tips/{code}/case-file", "/dashboard/stats",
         "/dashboard/flows/", "/dashboard/flows/edit", "/dashboard/flows/vocabulary", "/dashboard/flows/preview",
         "/dashboard/duty", "/dashboard/audit", "/dashboard/users"]


@pytest.fixture(scope="module")
def code(server: Server) -> str:
    return make_tip(server, phone_number(), "me robaron la bicicleta afuera de la tienda de la calle 24 y Quincy")


def test_public_pages_fit_a_phone(phone, server):
    for path in ("/login", "/privacy", "/simulator"):
        phone.goto(server.base_url + path)
        fits(phone)


@pytest.mark.parametrize("path", PAGES)
def test_dashboard_pages_fit_a_phone_and_warn_until_the_policy_review(phone, server, admin, code, path):
    sign_in(phone, server, admin)
    expect(phone.locator("header .who")).to_have_text(f"{admin} (admin)")
    phone.goto(server.base_url + path.format(code=code))
    expect(phone.locator("main h1")).to_be_visible()
    fits(phone)
    expect(phone.locator("#policy-review-warning")).to_be_visible()  # on every page, until it is recorded


def test_setting_up_a_second_factor_fits_a_phone(phone, server, admin):
    sign_in(phone, server, admin)
    phone.goto(server.base_url + "/login/enrol")
    expect(phone.locator("#mfa-qr svg")).to_be_visible()
    fits(phone)
    box = phone.locator("#mfa-qr svg").bounding_box()
    assert box["width"] >= 150  # big enough for a phone camera to read off another screen


def test_the_tip_list_on_a_phone_shows_each_tip_as_a_card(phone, server, admin, code):
    sign_in(phone, server, admin)
    phone.goto(server.base_url + "/dashboard/tips?q=" + code)
    row = phone.locator(f'#tips tr.tip[data-code="{code}"]')
    expect(row).to_have_count(1)
    box = row.bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] > 60  # stacked, not one wide line
    expect(row.locator('td[data-label="Received"]')).to_be_visible()


def test_the_case_file_prints_without_the_dashboard_around_it(phone, server, admin, code):
    sign_in(phone, server, admin)
    phone.goto(f"{server.base_url}/dashboard/tips/{code}/case-file")
    expect(phone.locator("#case-file")).to_contain_text("me robaron la bicicleta")
    expect(phone.locator("#trail")).to_contain_text("case_file")
    phone.emulate_media(media="print")
    expect(phone.locator("header.top")).to_be_hidden()
    expect(phone.locator("#print-button")).to_be_hidden()
    expect(phone.locator("#answers")).to_be_visible()
    pdf = phone.pdf(format="Letter")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def test_the_editor_on_a_phone_grows_boxes_counts_sms_and_keeps_save_in_view(phone, server, admin):
    sign_in(phone, server, admin)
    phone.goto(server.base_url + "/dashboard/flows/edit")
    save = phone.locator("#save-draft")
    box = save.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "Save is below the screen"
    row = phone.locator('tr[data-key="flows.ask_where"]')
    expect(row.locator(".step")).to_have_text("Interview question: Where")
    spanish = row.locator('textarea[lang="es"]')
    counter = row.locator("td").first.locator(".sms")
    expect(counter).to_contain_text(" SMS · ")  # the server's count, then the live one
    before = spanish.bounding_box()["height"]
    spanish.fill("¿Dónde pasó? " * 25)
    assert spanish.bounding_box()["height"] > before * 2
    expect(counter).to_contain_text("UCS-2 · 5 SMS")
    expect(counter).to_have_class("sms warn")
    assert save.bounding_box()["y"] + save.bounding_box()["height"] <= PHONE["height"]  # still in view
    fits(phone)


def test_texts_are_in_conversation_order_with_plain_step_names(phone, server, admin):
    sign_in(phone, server, admin)
    phone.goto(server.base_url + "/dashboard/flows/edit")
    keys = phone.locator("table.texts tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert keys[:4] == ["flows.choose_language", "flows.welcome", "flows.menu", "flows.menu_invalid"]
    assert keys.index("flows.ask_what") < keys.index("flows.ask_where") < keys.index("flows.tip_received")
    expect(phone.locator('tr[data-key="flows.opted_out"] .step')).to_have_text("Answer to STOP")
    expect(phone.locator('tr[data-key="flows.menu"] code.key')).to_have_text("flows.menu")
