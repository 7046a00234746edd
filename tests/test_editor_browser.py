"""The coordinators' flow editor in headless Chromium, against the real server (gunicorn), the real RQ worker and
a private redis-server, in local mode: edit a text, see the checks, try the draft, publish, revert, and what a
resident then gets from the real webhook.

The server, the browser and the coordinator account (made with the real CLI) are shared by the module; so is
the Redis, hence the one shared draft and the list of published revisions. Every test is independent of the
others and of their order: it starts by discarding the draft and (for the preview) starting over, and it reads
revision numbers from the page instead of assuming how many were published before it. Published revisions do
accumulate, so a test that needs an edited revision published (revert) publishes one itself.
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests import test_dashboard_browser as dashboard_browser
from tests.conftest import ROOT
from tests.test_dashboard_browser import PASSWORD, Server, sign_in, text_the_line
from tests.test_simulator_browser import VENV_BIN, expect, phone_number

# The dashboard's fixtures, used here as they are: the module's server (redis-server, gunicorn, worker.py,
# Chromium), and a fresh browser context per test whose page errors and console errors fail the test.
server = dashboard_browser.server
page = dashboard_browser.page
console_errors = dashboard_browser.console_errors

ORIGINAL_WHAT = "¿Qué pasó? Escríbalo con sus palabras."  # the start of the shipped Spanish flows.ask_what
NEW_WHAT = "¿Qué pasó? Cuéntenos con sus palabras."
STATUS_WHO = "¿Tiene papeles? ¿Quiénes estaban?"
COORDINATOR = "rosa"


@pytest.fixture(scope="module")
def coordinator(server: Server) -> str:
    """The coordinator account, made once with the real CLI against the module's Redis; returns its name."""
    command = [os.path.join(VENV_BIN, "flask"), "--app", "wsgi", "users", "create", COORDINATOR, "--role",
               "coordinator", "--password", PASSWORD]
    done = subprocess.run(command, check=False, cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"users create exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert f"created coordinator {COORDINATOR!r}" in done.stdout, done.stdout
    return COORDINATOR


# --- the coordinator's side: the browser -----------------------------------------------------------------

def signed_in_to_flows(page, server: Server, name: str) -> None:
    """Sign in at /login, land on the coordinator's page, follow the header link to the flows overview and
    discard any draft left by another test."""
    sign_in(page, server, name)
    expect(page).to_have_url(server.base_url + "/dashboard/")
    expect(page.locator("header .who")).to_have_text(f"{name} (coordinator)")
    page.locator("header nav").get_by_role("link", name="Conversation").click()
    at_overview(page, server)
    discard = page.locator("#discard-form")
    if discard.count():
        discard.get_by_role("button", name="Discard the draft").click()
        at_overview(page, server)
    expect(page.locator("#draft")).to_contain_text("No draft yet")
    expect(page.locator("#publish-form")).to_have_count(0)


def at_overview(page, server: Server, query: str = "") -> None:
    expect(page).to_have_url(f"{server.base_url}/dashboard/flows/{query}")
    expect(page.locator("h1")).to_have_text("Conversation")


def current_revision(page) -> int:
    """The number of the published revision, as the overview shows it."""
    heading = page.locator("#current h2")
    expect(heading).to_have_text(re.compile(r"^Published now: revision \d+$"))
    return int(heading.inner_text().rsplit(" ", 1)[1])


def textarea(page, key: str, locale: str = "es"):
    return page.locator(f'#draft-form textarea[name="text::{locale}::{key}"]')


def open_editor(page, server: Server) -> None:
    """From the overview, follow "Edit the draft"."""
    page.locator("#edit-link").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/edit")
    expect(page.locator("h1")).to_have_text("Edit the draft")


def save_text(page, server: Server, key: str, value: str, locale: str = "es") -> None:
    """On the edit page: change one text and save the whole draft form."""
    textarea(page, key, locale).fill(value)
    page.locator("#save-draft").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/edit?saved=1")
    expect(page.locator("#draft-saved")).to_have_text("Draft saved. The checks below are for what you saved.")
    expect(textarea(page, key, locale)).to_have_value(value)


def sms_info(page, key: str, locale: str = "es"):
    """The encoding/segments line shown under a text's textarea."""
    return page.locator(f'#draft-form td:has(> textarea[name="text::{locale}::{key}"]) .sms')


def edited_what(page, server: Server) -> None:
    """Open the editor from the overview, put NEW_WHAT in the Spanish ask_what and save; a clean draft."""
    open_editor(page, server)
    save_text(page, server, "flows.ask_what", NEW_WHAT)
    expect(page.locator("#no-findings")).to_have_text("No problems found.")
    expect(page.locator("#findings li")).to_have_count(0)


def back_to_overview(page, server: Server) -> None:
    page.locator("header nav").get_by_role("link", name="Conversation").click()
    at_overview(page, server)


def publish(page, comment: str) -> None:
    form = page.locator("#publish-form")
    form.locator('input[name="comment"]').fill(comment)
    form.get_by_role("button", name="Publish").click()


def resident_asked_what(server: Server) -> str:
    """A new Spanish resident starts a report at the real webhook; the line's question about what happened."""
    sender = phone_number()
    assert text_the_line(server, sender, "hola"), "no reply to 'hola'"
    texts = text_the_line(server, sender, "2")
    assert texts, "no reply to '2'"
    return "\n".join(texts)


# --- tests -----------------------------------------------------------------------------------------------

def test_a_coordinator_edits_a_spanish_text_and_sees_its_sms_encoding(page, server, coordinator):
    signed_in_to_flows(page, server, coordinator)
    open_editor(page, server)
    expect(textarea(page, "flows.ask_what")).to_have_value(re.compile(r"^¿Qué pasó\? "))
    save_text(page, server, "flows.ask_what", NEW_WHAT)
    expect(page.locator("main")).to_contain_text("Draft saved.")
    expect(sms_info(page, "flows.ask_what")).to_contain_text("UCS-2")  # ¿ and á are not in GSM-7
    expect(sms_info(page, "flows.ask_what")).to_contain_text(f"1 SMS · {len(NEW_WHAT)} characters")
    expect(page.locator("#no-findings")).to_be_visible()
    expect(page.locator("#policy-note")).to_have_count(0)
    expect(page.locator("#node-ask_what")).to_contain_text(NEW_WHAT)  # the outline shows the draft's text

    back_to_overview(page, server)
    expect(page.locator("#draft")).to_contain_text(f"Last saved by {coordinator} at ")
    expect(page.locator("#publish-form")).to_be_visible()
    # A reload of the editor shows the saved draft, not the published text.
    open_editor(page, server)
    expect(textarea(page, "flows.ask_what")).to_have_value(NEW_WHAT)


def test_a_status_question_is_shown_as_an_error_and_cannot_be_published(page, server, coordinator):
    signed_in_to_flows(page, server, coordinator)
    before = current_revision(page)
    open_editor(page, server)
    original_who = textarea(page, "flows.ask_who").input_value()
    save_text(page, server, "flows.ask_who", STATUS_WHO)
    expect(page.locator("#no-findings")).to_have_count(0)
    errors = page.locator("#findings li.error")
    expect(errors).to_have_count(1)
    expect(errors.locator("strong")).to_have_text("Must fix:")
    expect(errors.locator("code")).to_have_text("nodes.ask_who.prompt [es]")
    expect(errors).to_contain_text("Residents who fear deportation stop answering when asked this")

    back_to_overview(page, server)
    publish(page, "ask about the people")
    at_overview(page, server, "?error=draft_has_errors")
    expect(page.locator("#flow-error")).to_have_text(
        "The draft has errors (in red on the edit page); fix them before publishing.")
    expect(page.locator("#flow-done")).to_have_count(0)
    assert current_revision(page) == before
    expect(page.locator("#draft")).to_contain_text(f"Last saved by {coordinator}")  # the draft is kept

    open_editor(page, server)
    expect(textarea(page, "flows.ask_who")).to_have_value(STATUS_WHO)
    save_text(page, server, "flows.ask_who", original_who)
    expect(page.locator("#no-findings")).to_be_visible()
    expect(page.locator("#findings li")).to_have_count(0)


def test_a_coordinator_tries_the_draft_in_the_preview(page, server, coordinator):
    signed_in_to_flows(page, server, coordinator)
    before = current_revision(page)
    edited_what(page, server)
    page.locator("main").get_by_role("link", name="Try the draft").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/preview")
    expect(page.locator("h1")).to_have_text("Try the draft")
    form = page.locator("#preview-form")
    thread = page.locator("#preview-thread")
    form.get_by_role("button", name="Start over").click()  # another test's preview may be kept for this user
    expect(thread.locator("li")).to_have_count(0)

    form.locator('input[name="text"]').fill("hola")
    form.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/preview")
    expect(thread.locator("li.resident .text")).to_have_text(["hola"])
    expect(thread.locator("li.line")).not_to_have_count(0)
    form.locator('input[name="text"]').fill("2")
    form.get_by_role("button", name="Send", exact=True).click()
    expect(thread.locator("li.resident .text")).to_have_text(["hola", "2"])
    expect(thread.locator("li.line").last).to_have_text(NEW_WHAT)
    expect(thread).not_to_contain_text("Escríbalo con sus palabras")
    expect(thread).not_to_contain_text("would be sent to officers")

    form.get_by_role("button", name="Start over").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/preview")
    expect(thread.locator("li")).to_have_count(0)

    # A preview publishes nothing.
    back_to_overview(page, server)
    assert current_revision(page) == before
    expect(page.locator("#draft")).to_contain_text(f"Last saved by {coordinator}")


def test_a_coordinator_publishes_and_new_residents_get_the_new_text(page, server, coordinator):
    signed_in_to_flows(page, server, coordinator)
    before = current_revision(page)
    edited_what(page, server)
    back_to_overview(page, server)
    publish(page, "clearer first question")
    at_overview(page, server, "?done=published")
    expect(page.locator("#flow-done")).to_have_text(
        "Published. New conversations use it now; conversations in progress finish on the revision they started "
        "with.")
    expect(page.locator("#flow-error")).to_have_count(0)
    number = before + 1
    expect(page.locator("#current h2")).to_have_text(f"Published now: revision {number}")
    expect(page.locator("#current")).to_contain_text(f"clearer first question · {coordinator}")
    expect(page.locator("#draft")).to_contain_text("No draft yet")
    row = page.locator(f'#revisions tr[data-revision="{number}"]')
    expect(row).to_contain_text(f"revision {number} (published)")
    expect(row).to_contain_text("clearer first question")
    expect(row.get_by_role("button", name="Publish this again")).to_have_count(0)  # not for the current one
    expect(page.locator('#revisions tr[data-revision="0"]').get_by_role("button", name="Publish this again")
           ).to_have_count(1)

    asked = resident_asked_what(server)
    assert NEW_WHAT in asked, asked


def test_a_coordinator_reverts_to_the_shipped_revision(page, server, coordinator):
    signed_in_to_flows(page, server, coordinator)
    edited_what(page, server)
    back_to_overview(page, server)
    publish(page, "new wording")
    at_overview(page, server, "?done=published")
    edited = current_revision(page)
    assert edited >= 1
    assert NEW_WHAT in resident_asked_what(server)

    page.locator('#revisions tr[data-revision="0"]').get_by_role("button", name="Publish this again").click()
    at_overview(page, server, "?done=reverted")
    expect(page.locator("#flow-done")).to_have_text("Published again as a new revision.")
    expect(page.locator("#flow-error")).to_have_count(0)
    number = edited + 1
    expect(page.locator("#current h2")).to_have_text(f"Published now: revision {number}")
    row = page.locator(f'#revisions tr[data-revision="{number}"]')
    expect(row).to_contain_text(f"revision {number} (published)")
    expect(row).to_contain_text("revert to revision 0")
    expect(row).to_contain_text(coordinator)
    expect(page.locator("#revisions tr[data-revision]")).to_have_count(number + 1)
    # The edited revision is now an earlier one that can be published again.
    expect(page.locator(f'#revisions tr[data-revision="{edited}"]').get_by_role("button", name="Publish this again")
           ).to_have_count(1)

    asked = resident_asked_what(server)
    assert ORIGINAL_WHAT in asked and "Cuéntenos" not in asked, asked


def test_a_coordinator_adds_a_question_from_the_outline_without_yaml(page, server, coordinator):
    signed_in_to_flows(page, server, COORDINATOR)
    open_editor(page, server)
    step = page.locator("#node-ask_where")
    step.locator("summary").click()  # "Add a question after this one, or remove this one"
    form = step.locator("form.add-question")
    form.locator('input[name="name"]').fill("car")
    form.locator('input[name="es"]').fill("¿Había un carro? ¿De qué color?")
    form.locator('input[name="en"]').fill("Was there a car? What color?")
    form.get_by_role("button", name="Add the question").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/edit?saved=1")
    expect(textarea(page, "flows.ask_car")).to_have_value("¿Había un carro? ¿De qué color?")
    expect(textarea(page, "flows.ask_car", "en")).to_have_value("Was there a car? What color?")
    expect(page.locator("#node-ask_where")).to_contain_text("→ ask_car")
    expect(page.locator("#no-findings")).to_have_text("No problems found.")
    page.locator("#node-ask_car summary").click()
    page.locator("#node-ask_car form.remove-question").get_by_role("button", name="Remove this question").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/edit?saved=1")
    expect(page.locator("#node-ask_car")).to_have_count(0)
    expect(textarea(page, "flows.ask_car")).to_have_count(0)


def test_a_coordinator_adds_slang_and_sees_it_understood_in_the_preview(page, server, coordinator):
    signed_in_to_flows(page, server, coordinator)
    page.locator("#preview-link").click()
    page.locator("#preview-form").get_by_role("button", name="Start over").click()
    back_to_overview(page, server)
    page.locator("#vocabulary-link").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/vocabulary")
    expect(page.locator("h1")).to_have_text("Vocabulary")
    stop_phrases = page.locator("#vocab-stop_phrases")
    stop_phrases.fill(stop_phrases.input_value() + "\nbajenle a los textos")
    page.locator("#save-vocabulary").click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/vocabulary?saved=1")
    expect(page.locator("#vocabulary-saved")).to_be_visible()
    expect(page.locator("#no-findings")).to_be_visible()
    expect(stop_phrases).to_have_value(re.compile(r"\nbajenle a los textos$"))

    page.locator('#vocabulary-try input[name="text"]').fill("bajenle a los textos")
    page.locator("#vocabulary-try").get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(server.base_url + "/dashboard/flows/preview")
    expect(page.locator("#preview-thread li.resident .text")).to_have_text(["bajenle a los textos"])
    expect(page.locator("#preview-thread li.line").first).to_contain_text("Ya no recibirá mensajes de esta línea")
