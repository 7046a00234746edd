"""The officers' dashboard over HTTP: sign-in, roles, CSRF, tips list and filters, tip page, audit."""
from __future__ import annotations

import re

import pytest

from bot import create_app
from bot.tips.repository import Tip
from tests.conftest import PASSWORD, Staff, inbound_form, post_signed, production_config, replies

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> \u202eevil\u202c'


def add_tip(app, code: str, at: float, locale: str = "es", channel: str = "sms", what: str = "robo") -> None:
    line = app.extensions["linea"]
    with line.redis.pipeline() as pipe:
        line.tips.create(pipe, Tip(code=code, created_at=at, locale=locale, channel=channel,
                                   answers=(("what", what), ("where", None))))
        pipe.execute()


def add_message(app, code: str, text: str, at: float) -> None:
    """A resident's later message on a tip."""
    line = app.extensions["linea"]
    with line.redis.pipeline() as pipe:
        line.tips.add_addendum(pipe, code, text, at)
        pipe.execute()


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def codes_listed(html: str) -> list[str]:
    return re.findall(r'<tr class="tip[^"]*" data-code="([^"]+)"', html)


# --- signing in -------------------------------------------------------------------------------------------

def test_pages_need_a_sign_in(app):
    staff = Staff(app)
    for path in ("/dashboard/", "/dashboard/tips", "/dashboard/tips/K7QF-3MZP", "/dashboard/audit"):
        response = staff.get(path)
        assert response.status_code == 302 and response.location.startswith("/login?next=")


@pytest.fixture
def password_only_app(redis_url, clock, twilio_http):
    """Officers sign in with a password alone (LINE_MFA=officers-optional); the second factor has its own tests."""
    return create_app(production_config(redis_url, mfa="officers-optional",
                                        extra={"clock": clock, "twilio_http_client": twilio_http}))


def test_signing_in_sets_a_secure_host_only_session_cookie(password_only_app):
    app = password_only_app
    app.extensions["linea"].accounts.create("maria", "officer", PASSWORD)
    staff = Staff(app)
    response = staff.login("maria", PASSWORD)
    assert response.status_code == 302 and response.location == "/dashboard/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-linea-session="))
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain" not in cookie


def test_the_sign_in_form_needs_its_csrf_token(app):
    app.extensions["linea"].accounts.create("maria", "officer", PASSWORD)
    staff = Staff(app)
    staff.get("/login")
    response = staff.post("/login", {"name": "maria", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_wrong_passwords_are_throttled_and_audited(app):
    app.extensions["linea"].accounts.create("maria", "officer", PASSWORD)
    staff = Staff(app)
    statuses = [staff.login("maria", f"wrong password {i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    assert staff.login("maria", PASSWORD).status_code == 429  # locked even with the right password
    actions = [e.action for e in app.extensions["linea"].audit.recent()]
    assert actions.count("login_failed") == 5 and "login_locked" in actions and "login" not in actions


@pytest.mark.parametrize("target, lands", [
    ("/dashboard/tips?status=new", "/dashboard/tips?status=new"),
    ("https://evil.example/dashboard", "/dashboard/"), ("//evil.example/x", "/dashboard/"),
    ("/login", "/dashboard/"), ("/dashboard\\@evil", "/dashboard/"),
])
def test_after_sign_in_only_dashboard_paths_are_followed(password_only_app, target, lands):
    app = password_only_app
    app.extensions["linea"].accounts.create("maria", "officer", PASSWORD)
    staff = Staff(app)
    staff.get("/login?next=" + target)
    response = staff.post("/login", {"name": "maria", "password": PASSWORD, "next": target})
    assert response.location == lands


def test_signing_out_ends_the_session_at_once(app):
    staff = Staff(app, "maria")
    assert staff.get("/dashboard/tips").status_code == 200
    assert staff.post("/logout").status_code == 302
    assert staff.get("/dashboard/tips").status_code == 302


def test_a_session_ends_after_30_idle_minutes_but_not_while_in_use(app, clock):
    staff = Staff(app, "maria")
    for _ in range(4):  # an hour of work, a page every 20 minutes
        clock.advance(20 * 60)
        assert staff.get("/dashboard/tips").status_code == 200
    clock.advance(30 * 60 + 1)
    response = staff.get("/dashboard/tips")
    assert response.status_code == 302 and response.location.startswith("/login")
    clock.advance(1)
    assert staff.get("/dashboard/tips").status_code == 302  # ended, not just refused once


def test_a_session_in_constant_use_still_ends_after_its_lifetime(app, clock):
    staff = Staff(app, "maria")
    for _ in range(35):  # a page every 20 minutes for 11 h 40 min
        clock.advance(20 * 60)
        assert staff.get("/dashboard/tips").status_code == 200
    clock.advance(20 * 60 + 1)  # LINE_SESSION_TTL: 12 h
    assert staff.get("/dashboard/tips").location.startswith("/login")


def test_signing_out_everywhere_ends_every_session_of_the_user(password_only_app):
    app = password_only_app
    desk, phone = Staff(app, "maria"), Staff(app)
    phone.login("maria", PASSWORD)
    other = Staff(app, "jose")
    assert phone.get("/dashboard/tips").status_code == 200 and desk.get("/dashboard/tips").status_code == 200
    assert desk.post("/logout", {"everywhere": "1"}).status_code == 302
    assert desk.get("/dashboard/tips").status_code == 302 and phone.get("/dashboard/tips").status_code == 302
    assert other.get("/dashboard/tips").status_code == 200
    assert [e.action for e in app.extensions["linea"].audit.recent() if e.who == "maria"][0] == "logout_everywhere"


# --- roles and CSRF ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, tips, audit", [("officer", 200, 403), ("coordinator", 403, 403),
                                               ("admin", 200, 200)])
def test_roles_decide_what_each_user_sees(app, role, tips, audit):
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    staff = Staff(app, "user1", role)
    assert staff.get("/dashboard/tips").status_code == tips
    assert staff.get("/dashboard/tips/K7QF-3MZP").status_code == tips
    assert staff.get("/dashboard/audit").status_code == audit


def test_a_coordinator_lands_on_their_own_page(app):
    html = page(Staff(app, "coord", "coordinator").get("/dashboard/"))
    assert "Tips are visible to officers and admins only." in html


def test_every_form_needs_the_csrf_token(app):
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    staff = Staff(app, "maria")
    staff.get("/dashboard/tips/K7QF-3MZP")
    for path, form in [("/dashboard/tips/K7QF-3MZP/status", {"status": "closed"}),
                       ("/dashboard/tips/K7QF-3MZP/assign", {"action": "take"}),
                       ("/dashboard/tips/K7QF-3MZP/notes", {"text": "x"}),
                       ("/dashboard/tips/K7QF-3MZP/reply", {"text": "x"}), ("/logout", {})]:
        assert staff.post(path, form, csrf=False).status_code == 400, path
        assert staff.post(path, {**form, "csrf": "not-the-token"}).status_code == 400, path
    tip = app.extensions["linea"].tips.get("K7QF-3MZP")
    assert (tip.status, tip.assignee, tip.notes) == ("new", "", ())


def test_security_headers_on_every_dashboard_page(app):
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    staff = Staff(app, "maria")
    editor = Staff(app, "coord", "coordinator")
    for who, path in [(staff, "/login"), (staff, "/dashboard/tips"), (staff, "/dashboard/tips/K7QF-3MZP"),
                      (editor, "/dashboard/flows/"), (editor, "/dashboard/flows/edit"),
                      (editor, "/dashboard/flows/preview"), (editor, "/dashboard/stats")]:
        response = who.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


# --- tips list --------------------------------------------------------------------------------------------

def test_tips_are_listed_newest_first_with_an_unread_marker(app):
    for i, code in enumerate(["2AAA-2BBB", "3CCC-3DDD", "4EEE-4FFF"]):
        add_tip(app, code, 1_790_000_000 + i * 60)
    staff = Staff(app, "maria")
    html = page(staff.get("/dashboard/tips"))
    assert codes_listed(html) == ["4EEE-4FFF", "3CCC-3DDD", "2AAA-2BBB"]
    assert html.count('class="tip unread"') == 3 and 'http-equiv="refresh"' in html
    staff.get("/dashboard/tips/3CCC-3DDD")
    html = page(staff.get("/dashboard/tips"))
    assert html.count('class="tip unread"') == 2 and 'class="tip " data-code="3CCC-3DDD"' in html
    assert page(Staff(app, "jose").get("/dashboard/tips")).count('class="tip unread"') == 3  # per officer


@pytest.mark.parametrize("query, expected", [
    ("", ["5AAA-5BBB", "4AAA-4BBB", "3AAA-3BBB", "2AAA-2BBB"]),
    ("status=closed", ["3AAA-3BBB"]),
    ("language=en", ["5AAA-5BBB", "3AAA-3BBB"]),
    ("channel=whatsapp", ["4AAA-4BBB", "3AAA-3BBB"]),
    ("since=2026-09-22", ["5AAA-5BBB", "4AAA-4BBB"]),
    ("until=2026-09-21", ["3AAA-3BBB", "2AAA-2BBB"]),
    ("since=2026-09-22&until=2026-09-22&language=es", ["4AAA-4BBB"]),
    ("status=bogus&language=<x>&since=yesterday", ["5AAA-5BBB", "4AAA-4BBB", "3AAA-3BBB", "2AAA-2BBB"]),
])
def test_tips_can_be_filtered(app, query, expected):
    day = 24 * 3600
    start = 1_790_000_000  # 2026-09-21 14:13 UTC
    add_tip(app, "2AAA-2BBB", start)
    add_tip(app, "3AAA-3BBB", start + 60, locale="en", channel="whatsapp")
    add_tip(app, "4AAA-4BBB", start + day, channel="whatsapp")
    add_tip(app, "5AAA-5BBB", start + day + 60, locale="en")
    app.extensions["linea"].tips.set_status("3AAA-3BBB", "closed")
    assert codes_listed(page(Staff(app, "maria").get("/dashboard/tips?" + query))) == expected


def test_a_tip_no_officer_alert_reached_is_flagged_undelivered(app):
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    app.extensions["linea"].tips.set_delivery("K7QF-3MZP", "undelivered")
    staff = Staff(app, "maria")
    assert "Undelivered: no officer alert got through" in page(staff.get("/dashboard/tips"))
    assert "Undelivered: no officer alert got through" in page(staff.get("/dashboard/tips/K7QF-3MZP"))


@pytest.mark.parametrize("query, expected", [
    ("q=4AAA-4BBB", ["4AAA-4BBB"]),
    ("q=4aaa4bbb", ["4AAA-4BBB"]),                        # a code as people type it
    ("q=bicicleta", ["3AAA-3BBB"]),
    ("q=BICICLETA roja", ["3AAA-3BBB"]),                  # every word, case ignored
    ("q=camion", ["4AAA-4BBB"]),                          # accents ignored ("camión")
    ("q=moto", ["2AAA-2BBB"]),                            # a later message counts
    ("q=KC-2026-00123", ["5AAA-5BBB"]),                   # the case number
    ("q=nada+de+esto", []),
    ("priority=high", ["5AAA-5BBB", "3AAA-3BBB"]),
    ("crime_type=robbery&priority=high", ["3AAA-3BBB"]),
    ("priority=<x>", ["5AAA-5BBB", "4AAA-4BBB", "3AAA-3BBB", "2AAA-2BBB"]),
])
def test_tips_can_be_searched_by_code_text_and_case_number(app, query, expected):
    start = 1_790_000_000
    add_tip(app, "2AAA-2BBB", start, what="me robaron el celular")
    add_message(app, "2AAA-2BBB", "iban en una moto", start + 300)
    add_tip(app, "3AAA-3BBB", start + 60, what="se llevaron mi bicicleta roja")
    add_tip(app, "4AAA-4BBB", start + 120, what="en la parada del camión")
    add_tip(app, "5AAA-5BBB", start + 180, what="fraude")
    tips = app.extensions["linea"].tips
    tips.set_details("3AAA-3BBB", "robbery", "high", "")
    tips.set_details("5AAA-5BBB", "fraud", "high", "KC-2026-00123")
    assert codes_listed(page(Staff(app, "maria").get("/dashboard/tips?" + query))) == expected


def test_a_new_resident_message_marks_a_tip_already_opened(app, clock):
    add_tip(app, "K7QF-3MZP", clock())
    staff = Staff(app, "maria")
    staff.get("/dashboard/tips/K7QF-3MZP")
    assert "New resident message" not in page(staff.get("/dashboard/tips"))
    clock.advance(60)
    add_message(app, "K7QF-3MZP", "eran dos", clock())
    html = page(staff.get("/dashboard/tips"))
    assert html.count("New resident message") == 1 and 'class="tip " data-code="K7QF-3MZP"' in html
    assert "New resident message" not in page(Staff(app, "jose").get("/dashboard/tips"))  # unread for jose anyway
    clock.advance(60)
    staff.get("/dashboard/tips/K7QF-3MZP")
    assert "New resident message" not in page(staff.get("/dashboard/tips"))


def test_times_show_their_time_zone(redis_url, clock, twilio_http):
    from bot import create_app
    from tests.conftest import production_config
    app = create_app(production_config(redis_url, timezone="America/Chicago",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    add_tip(app, "K7QF-3MZP", 1_790_000_000)  # 2026-09-21 14:13 UTC
    html = page(Staff(app, "maria").get("/dashboard/tips"))
    assert "2026-09-21 09:13 CDT" in html and "Times are America/Chicago." in html


# --- tip page ---------------------------------------------------------------------------------------------

def test_tipster_text_is_shown_as_text_with_hidden_controls_made_visible(app, client):
    for body in ("hello", "2", HOSTILE, "skip", "skip", "skip", "skip", "skip"):
        texts = replies(post_signed(client, inbound_form("+15557654321", body)))
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)
    staff = Staff(app, "maria")
    for html in (page(staff.get("/dashboard/tips")), page(staff.get(f"/dashboard/tips/{code}"))):
        assert "<script>document" not in html and "<img src=x" not in html
        assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in html
        assert "\u202e" not in html and "[U+202E]" in html and "[U+202C]" in html
        assert "5557654321" not in html and "7654321" not in html


def test_every_view_of_a_tip_is_audited(app):
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    staff = Staff(app, "maria")
    staff.get("/dashboard/tips/K7QF-3MZP")
    staff.get("/dashboard/tips/k7qf3mzp")
    views = [e for e in app.extensions["linea"].audit.recent() if e.action == "view"]
    assert [(e.who, e.tip) for e in views] == [("maria", "K7QF-3MZP")] * 2
    html = page(Staff(app, "boss", "admin").get("/dashboard/audit?tip=K7QF-3MZP"))
    assert html.count("<td>view</td>") == 2 and "maria" in html


def test_unknown_or_malformed_codes_are_404(app):
    staff = Staff(app, "maria")
    for code in ("K7QF-3MZP", "AAAA-BBBB", "<script>", "K7QF-3MZP-extra"):
        assert staff.get(f"/dashboard/tips/{code}").status_code == 404


def test_officers_set_status_take_the_tip_and_add_notes(app):
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    staff = Staff(app, "maria")
    staff.get("/dashboard/tips/K7QF-3MZP")
    assert staff.post("/dashboard/tips/K7QF-3MZP/status", {"status": "in_progress"}).status_code == 302
    assert staff.post("/dashboard/tips/K7QF-3MZP/assign", {"action": "take"}).status_code == 302
    assert staff.post("/dashboard/tips/K7QF-3MZP/notes", {"text": "called the <b>store</b>"}).status_code == 302
    assert staff.post("/dashboard/tips/K7QF-3MZP/status", {"status": "lost"}).status_code == 400
    assert "error=note_length" in staff.post("/dashboard/tips/K7QF-3MZP/notes", {"text": "x" * 2001}).location
    tip = app.extensions["linea"].tips.get("K7QF-3MZP")
    assert (tip.status, tip.assignee) == ("in_progress", "maria")
    assert [(n.by, n.text) for n in tip.notes] == [("maria", "called the <b>store</b>")]
    html = page(staff.get("/dashboard/tips/K7QF-3MZP"))
    assert "called the &lt;b&gt;store&lt;/b&gt;" in html and "Unassign me" in html
    actions = [e.action for e in app.extensions["linea"].audit.recent(tip="K7QF-3MZP")]
    assert {"status", "assign", "note", "view"} <= set(actions)


def test_officers_file_a_tip_with_type_priority_and_case_number_audited(app):
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    staff = Staff(app, "maria")
    staff.get("/dashboard/tips/K7QF-3MZP")
    form = {"crime_type": "robbery", "priority": "high", "case_number": " KC-2026-00123 "}
    assert staff.post("/dashboard/tips/K7QF-3MZP/details", form).status_code == 302
    tip = app.extensions["linea"].tips.get("K7QF-3MZP")
    assert (tip.crime_type, tip.priority, tip.case_number) == ("robbery", "high", "KC-2026-00123")
    (entry,) = [e for e in app.extensions["linea"].audit.recent(tip="K7QF-3MZP") if e.action == "details"]
    assert entry.who == "maria" and entry.detail == "type=robbery priority=high case=KC-2026-00123"
    html = page(staff.get("/dashboard/tips/K7QF-3MZP"))
    assert '<dd id="crime-type">Robbery</dd>' in html and '<dd id="case-number">KC-2026-00123</dd>' in html
    for bad in ({"crime_type": "jaywalking"}, {"priority": "asap"}, {"case_number": "<script>"},
                {"case_number": "x" * 41}):
        response = staff.post("/dashboard/tips/K7QF-3MZP/details", dict(form, **bad))
        assert "error=details" in response.location
    assert app.extensions["linea"].tips.get("K7QF-3MZP").case_number == "KC-2026-00123"


def test_the_case_file_holds_everything_about_a_tip_and_is_audited(app, clock):
    add_tip(app, "K7QF-3MZP", clock(), what=HOSTILE)
    add_message(app, "K7QF-3MZP", "eran dos hombres", clock() + 60)
    staff = Staff(app, "maria")
    staff.get("/dashboard/tips/K7QF-3MZP")
    staff.post("/dashboard/tips/K7QF-3MZP/notes", {"text": "llamé a la tienda"})
    staff.post("/dashboard/tips/K7QF-3MZP/details", {"crime_type": "theft", "priority": "low", "case_number": ""})
    html = page(staff.get("/dashboard/tips/K7QF-3MZP/case-file"))
    for part in ('id="answers"', "eran dos hombres", "llamé a la tienda", "Theft", 'id="trail"', "<td>details</td>",
                 "Printed by maria"):
        assert part in html, part
    assert "<script>document" not in html and "[U+202E]" in html
    page(staff.get("/dashboard/tips/K7QF-3MZP/case-file"))
    views = [e.action for e in app.extensions["linea"].audit.recent(tip="K7QF-3MZP")]
    assert views.count("case_file") == 2
    assert Staff(app, "carla", "coordinator").get("/dashboard/tips/K7QF-3MZP/case-file").status_code == 403


def test_labels_follow_the_officer_locale(redis_url, clock, twilio_http):
    from bot import create_app
    from tests.conftest import production_config
    app = create_app(production_config(redis_url, officer_locale="es",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    html = page(Staff(app, "maria").get("/dashboard/tips"))
    assert "Reportes" in html and "Nuevo" in html and "Cerrar sesión" in html
