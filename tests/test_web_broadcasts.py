"""The community-alerts pages: compose with the segment counter, the safety lint and a preview; the two-person
rule; quiet hours; the progress JSON; hostile text shown as text; roles; audit."""
from __future__ import annotations

import pytest
from rq.registry import ScheduledJobRegistry

from bot import create_app
from tests.conftest import FakeClock, Staff, production_config
from tests.test_broadcast_delivery import EN, ES, subscribe, work

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="alert(1)"> Robbery at the food line.'
NOON = 1_796_212_800.0      # 2026-12-02 12:00 UTC
NIGHT = NOON + 10 * 3600    # 22:00 UTC


@pytest.fixture
def app(redis_url, twilio_http):
    clock = FakeClock(NOON)
    app = create_app(production_config(redis_url, extra={"clock": clock, "twilio_http_client": twilio_http,
                                                         "sleep": lambda s: None}))
    app.clock = clock
    return app


def compose(staff: Staff, action: str = "save", **fields: str):
    staff.get("/dashboard/alerts/")
    return staff.post("/dashboard/alerts/", dict({"en": EN, "es": ES, "audience": "all", "action": action}, **fields))


def alert_id(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_preview_shows_both_texts_their_segments_and_saves_nothing(app):
    ana = Staff(app, "ana", "coordinator")
    page = compose(ana, "preview").get_data(as_text=True)
    assert 'id="alert-preview"' in page and "1 SMS segments (GSM-7)" in page and "2 SMS segments (UCS-2)" in page
    assert app.extensions["linea"].broadcasts.recent() == []


@pytest.mark.parametrize("fields, problem", [
    ({"es": "¿Tiene papeles? Tráigalos a la estación."}, "asks about immigration status or papers"),
    ({"en": "Send us a photo of your green card."}, "asks about immigration status or papers"),
    ({"es": ""}, "es: the text is empty"),
    ({"send_after": "tomorrow at nine"}, "schedule: not a date and time"),
])
def test_the_safety_lint_and_bad_input_block_saving_with_a_clear_answer(app, fields, problem):
    ana = Staff(app, "ana", "coordinator")
    response = compose(ana, **fields)
    assert response.status_code == 422 and problem in response.get_data(as_text=True)
    assert app.extensions["linea"].broadcasts.recent() == []


def test_the_two_person_rule(app, twilio_http):
    subscribe(app, 3, "es")
    ana, luis = Staff(app, "ana", "coordinator"), Staff(app, "luis", "coordinator")
    number = alert_id(compose(ana))
    page = ana.get(f"/dashboard/alerts/{number}").get_data(as_text=True)
    assert 'id="alert-approve"' not in page  # the writer is not offered the approval
    refused = ana.post(f"/dashboard/alerts/{number}/approve")
    assert "problem=approval" in refused.headers["Location"]
    work(app)
    services = app.extensions["linea"]
    assert services.broadcasts.get(number).status == "pending" and twilio_http.sent == []
    luis.get(f"/dashboard/alerts/{number}")
    luis.post(f"/dashboard/alerts/{number}/approve")
    work(app)
    done = services.broadcasts.get(number)
    assert (done.status, done.created_by, done.approved_by, len(twilio_http.sent)) == ("done", "ana", "luis", 3)
    again = luis.post(f"/dashboard/alerts/{number}/approve")
    assert "problem=approval" in again.headers["Location"]
    actions = [(e.who, e.action) for e in services.audit.recent()]
    assert ("ana", "alert_create") in actions and ("ana", "alert_approve_refused") in actions \
        and ("luis", "alert_approve") in actions


def test_an_admin_may_approve_and_a_rejected_alert_is_never_sent(app, twilio_http):
    subscribe(app, 2, "en")
    ana, boss = Staff(app, "ana", "coordinator"), Staff(app, "boss", "admin")
    first, second = alert_id(compose(ana)), alert_id(compose(ana))
    boss.get(f"/dashboard/alerts/{first}")
    boss.post(f"/dashboard/alerts/{first}/reject")
    boss.post(f"/dashboard/alerts/{first}/approve")
    boss.post(f"/dashboard/alerts/{second}/approve")
    work(app)
    services = app.extensions["linea"]
    assert services.broadcasts.get(first).status == "rejected" and services.broadcasts.get(second).status == "done"
    assert len(twilio_http.sent) == 2


def test_an_alert_approved_in_quiet_hours_waits_for_the_morning(app, twilio_http):
    subscribe(app, 2, "es")
    app.clock.now = NIGHT
    ana, luis = Staff(app, "ana", "coordinator"), Staff(app, "luis", "coordinator")
    number = alert_id(compose(ana))
    luis.get(f"/dashboard/alerts/{number}")
    luis.post(f"/dashboard/alerts/{number}/approve")
    work(app)
    services = app.extensions["linea"]
    alert = services.broadcasts.get(number)
    assert twilio_http.sent == [] and alert.status == "scheduled"
    assert alert.starts_at == NOON + 20 * 3600  # 08:00 the next morning (LINE_TIMEZONE is UTC here)
    assert len(ScheduledJobRegistry(queue=services.queue)) == 1
    page = luis.get(f"/dashboard/alerts/{number}").get_data(as_text=True)
    assert "2026-12-03 08:00" in page
    app.clock.now = NOON + 20 * 3600 + 1  # the morning: the scheduler hands the job over
    services.jobs.enqueue(None, "bot.jobs.start_alert", number)
    work(app)
    assert len(twilio_http.sent) == 2


def test_the_progress_json_and_the_page_show_counts_and_reasons(app):
    subscribe(app, 4, "es")
    ana, luis = Staff(app, "ana", "coordinator"), Staff(app, "luis", "coordinator")
    number = alert_id(compose(ana, audience="es"))
    luis.get(f"/dashboard/alerts/{number}")
    luis.post(f"/dashboard/alerts/{number}/approve")
    work(app)
    data = luis.get(f"/dashboard/alerts/{number}/progress.json").get_json()
    assert (data["status"], data["percent"], data["total"], data["counts"]["sent"]) == ("done", 100, 4, 4)
    assert not any(name.startswith("pos:") for name in data["counts"])
    assert 'value="100"' in luis.get(f"/dashboard/alerts/{number}").get_data(as_text=True)


def test_hostile_text_is_shown_as_text(app):
    ana = Staff(app, "ana", "coordinator")
    number = alert_id(compose(ana, en=HOSTILE))
    for path in ("/dashboard/alerts/", f"/dashboard/alerts/{number}"):
        page = ana.get(path).get_data(as_text=True)
        assert "<script>window.__pwned" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("path", ["/dashboard/alerts/AL999999", "/dashboard/alerts/nonsense",
                                  "/dashboard/alerts/../../x", "/dashboard/alerts/AL999999/progress.json"])
def test_unknown_alerts_are_404_not_500(app, path):
    assert Staff(app, "ana", "coordinator").get(path).status_code == 404


def test_officers_may_not_see_or_send_alerts(app):
    officer = Staff(app, "maria", "officer")
    assert officer.get("/dashboard/alerts/").status_code == 403
    assert officer.post("/dashboard/alerts/", {"en": EN, "es": ES, "action": "save"}).status_code in (400, 403)
    assert Staff(app).get("/dashboard/alerts/").status_code == 302  # not signed in: to the sign-in page


def test_the_cli_sends_an_alert_approved_by_a_second_person(app, twilio_http):
    subscribe(app, 2, "es")
    app.extensions["linea"].accounts.create("luis", "coordinator", "correct horse battery staple")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["alerts", "send", "--en", EN, "--es", ES, "--approved-by", "luis"])
    assert result.exit_code == 0, result.output
    assert "approved by luis: 2 subscribers" in result.output
    work(app)
    assert len(twilio_http.sent) == 2
    number = result.output.split()[1]
    assert "done" in runner.invoke(args=["alerts", "status", number]).output


@pytest.mark.parametrize("args, error", [
    (["--en", EN, "--es", "Traiga sus papeles.", "--approved-by", "luis"], "asks about immigration status"),
    (["--en", EN, "--es", ES, "--approved-by", "nobody"], "is not a coordinator or admin"),
    (["--en", EN, "--es", ES, "--approved-by", "maria"], "is not a coordinator or admin"),
    (["--en", EN, "--es", ES, "--approved-by", "luis", "--at", "mañana"], "--at must be"),
])
def test_the_cli_refuses(app, args, error):
    services = app.extensions["linea"]
    services.accounts.create("luis", "coordinator", "correct horse battery staple")
    services.accounts.create("maria", "officer", "correct horse battery staple")
    result = app.test_cli_runner().invoke(args=["alerts", "send"] + args)
    assert result.exit_code == 1 and error in result.output
    assert [a.status for a in services.broadcasts.recent()] in ([], ["pending"])
