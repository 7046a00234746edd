"""The anonymous relay: officers write to a resident who agreed, through the line, never seeing the number.

Real redis-server, real RQ workers (burst), signed webhook and status-callback requests, Twilio's REST API
faked at its HTTP layer."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from tests.conftest import PUBLIC_BASE_URL, Staff, inbound_form, post_signed, replies, sign

RESIDENT = "+15557654321"
WHATSAPP_RESIDENT = "whatsapp:+15557654321"
CODE_RE = re.compile(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")
QUESTION = "¿De qué color era el carro? <b>gracias</b>"


def converse(client, sender: str, messages: list[str]) -> list[str]:
    texts: list[str] = []
    for body in messages:
        texts = replies(post_signed(client, inbound_form(sender, body)))
    return texts


def tip_with_consent(client, sender: str = RESIDENT, consent: str = "1") -> tuple[str, list[str]]:
    """A Spanish resident finishes a tip and answers the follow-up question; returns (code, last replies)."""
    texts = converse(client, sender, ["hola", "2", "me robaron el carro", "en la 5 y Main", "ayer", "saltar",
                                      "no", consent])
    return CODE_RE.search("\n".join(texts)).group(0), texts


def work(app) -> None:
    line = app.extensions["linea"]
    with app.app_context():
        SimpleWorker([line.queue], connection=line.redis, serializer=JSONSerializer).work(burst=True)


def to_resident(twilio_http, sender: str = RESIDENT) -> list[dict]:
    return [r for r in twilio_http.sent if r["data"]["To"] == sender]


def status_callback(client, sid: str, status: str, error: str = "", signed: bool = True):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    if error:
        form["ErrorCode"] = error
    url = PUBLIC_BASE_URL + "/twilio/status"
    headers = {"X-Twilio-Signature": sign(form, url) if signed else "bogus"}
    return client.post("/twilio/status", data=urlencode(form), content_type="application/x-www-form-urlencoded",
                       headers=headers)


def test_the_resident_is_told_how_long_officers_may_write(app, client):
    code, texts = tip_with_consent(client)
    assert f"Un policía puede escribirle aquí sobre el reporte {code} durante las próximas 72 horas" in texts[-1]
    assert "El policía no verá su número" in texts[-1] and "responda PARAR" in texts[-1]


def test_an_officer_reply_reaches_the_resident_in_their_language_and_the_answer_comes_back(app, client, clock,
                                                                                         twilio_http):
    code, _ = tip_with_consent(client)
    work(app)  # officer alerts
    officer = Staff(app, "maria")
    html = officer.get(f"/dashboard/tips/{code}").get_data(as_text=True)
    assert 'id="reply-form"' in html and "Allowed until" in html
    response = officer.post(f"/dashboard/tips/{code}/reply", {"text": QUESTION})
    assert response.status_code == 302 and "sent=1" in response.location
    work(app)
    (sent,) = to_resident(twilio_http)
    assert sent["data"]["From"] == "+15550009999"  # the line's own number the resident wrote to
    assert sent["data"]["Body"] == f"Mensaje de la policía sobre su reporte {code}: {QUESTION}\nPara contestar, " \
                                   "responda aquí."
    clock.advance(600)
    answer = converse(client, RESIDENT, ["era rojo, placas de Texas"])
    assert answer == [f"Gracias. Agregamos esto al reporte {code}."]
    html = officer.get(f"/dashboard/tips/{code}").get_data(as_text=True)
    thread = html[html.index('id="thread"'):html.index('id="reply-form"')]
    assert thread.index("¿De qué color era el carro? &lt;b&gt;gracias&lt;/b&gt;") < thread.index(
        "era rojo, placas de Texas")
    assert "· sent" in thread or "· <span class=\"delivery\">sent</span>" in thread
    assert RESIDENT not in html and "7654321" not in html
    assert "reply" in [e.action for e in app.extensions["linea"].audit.recent(tip=code)]


def test_a_resident_who_said_no_cannot_be_written_to(app, client, twilio_http):
    code, texts = tip_with_consent(client, consent="no gracias")
    assert "72 horas" not in "\n".join(texts)
    assert app.extensions["linea"].handles.get(code) is None
    officer = Staff(app, "maria")
    html = officer.get(f"/dashboard/tips/{code}").get_data(as_text=True)
    assert 'id="reply-form"' not in html and "did not agree to follow-up questions" in html
    assert "error=no_followup" in officer.post(f"/dashboard/tips/{code}/reply", {"text": "hola"}).location
    work(app)
    assert to_resident(twilio_http) == [] and app.extensions["linea"].tips.get(code).replies == ()


def test_stop_removes_the_handle_and_a_queued_reply_is_not_sent(app, client, twilio_http):
    code, _ = tip_with_consent(client)
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿sigue ahí?"})  # queued, not yet sent
    converse(client, RESIDENT, ["STOP"])
    work(app)
    assert to_resident(twilio_http) == []
    line = app.extensions["linea"]
    assert line.handles.get(code) is None
    tip = line.tips.get(code)
    assert tip.reply_status(0) == "failed: no_followup"
    html = officer.get(f"/dashboard/tips/{code}").get_data(as_text=True)
    assert "not delivered: the follow-up time ended or the resident did not agree" in html
    assert 'id="reply-form"' not in html


def test_a_reply_is_refused_while_the_resident_has_opted_out(app, client, twilio_http):
    code, _ = tip_with_consent(client)
    line = app.extensions["linea"]
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿sigue ahí?"})
    state, version = line.store.load(line.store.key(RESIDENT))
    with line.store.session(line.store.key(RESIDENT)) as session:  # opted out by another path (e.g. carrier)
        with session.saving(state.with_(opted_out=True)):
            pass
    work(app)
    assert to_resident(twilio_http) == [] and line.tips.get(code).reply_status(0) == "failed: opted_out"
    assert line.handles.get(code) is None and line.tips.get(code).followup_until == 0


def test_whatsapp_replies_respect_the_24_hour_window(app, client, clock, twilio_http):
    code, _ = tip_with_consent(client, WHATSAPP_RESIDENT)
    clock.advance(25 * 3600)
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿Puede escribirnos?"})
    work(app)
    assert to_resident(twilio_http, WHATSAPP_RESIDENT) == []
    html = officer.get(f"/dashboard/tips/{code}").get_data(as_text=True)
    assert "WhatsApp allows replies only within 24 hours of the resident&#39;s last message" in html


def test_whatsapp_replies_inside_the_window_go_from_the_whatsapp_number(app, client, clock, twilio_http):
    code, _ = tip_with_consent(client, WHATSAPP_RESIDENT)
    clock.advance(3600)
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿Puede escribirnos?"})
    work(app)
    (sent,) = to_resident(twilio_http, WHATSAPP_RESIDENT)
    assert sent["data"]["From"] == "whatsapp:+15550009999"


def test_after_the_follow_up_time_officers_can_no_longer_write(app, client, clock):
    code, _ = tip_with_consent(client)
    clock.advance(73 * 3600)
    officer = Staff(app, "maria")
    html = officer.get(f"/dashboard/tips/{code}").get_data(as_text=True)
    assert 'id="reply-form"' not in html and "No longer possible" in html
    assert "error=no_followup" in officer.post(f"/dashboard/tips/{code}/reply", {"text": "hola"}).location


def test_an_answer_after_the_conversation_expired_still_reaches_the_tip(app, client, clock, twilio_http):
    code, _ = tip_with_consent(client)
    clock.advance(30 * 3600)  # the conversation state is gone (24 h), the handle (72 h) is not
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿Vio la cara del hombre?"})
    work(app)
    assert len(to_resident(twilio_http)) == 1
    assert converse(client, RESIDENT, ["si, tenia barba"]) == [f"Gracias. Agregamos esto al reporte {code}."]
    assert [a.text for a in app.extensions["linea"].tips.get(code).addenda] == ["si, tenia barba"]


def test_a_resident_in_the_middle_of_a_new_report_is_not_interrupted(app, client, twilio_http):
    code, _ = tip_with_consent(client)
    converse(client, RESIDENT, ["menu", "2"])  # started another report
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿Algo más?"})
    work(app)
    assert len(to_resident(twilio_http)) == 1
    assert "¿Dónde pasó?" in converse(client, RESIDENT, ["otro robo"])[0]  # the new interview goes on


def test_temporary_twilio_errors_are_retried_and_permanent_ones_shown(app, client, twilio_http):
    code, _ = tip_with_consent(client)
    work(app)
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "uno"})
    twilio_http.statuses = [503]
    work(app)
    line = app.extensions["linea"]
    assert len(ScheduledJobRegistry(queue=line.queue).get_job_ids()) == 1
    assert line.tips.get(code).reply_status(0) == "queued"
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "dos"})
    twilio_http.statuses, twilio_http.error_codes = [400], [21610]  # the number replied STOP to the carrier
    work(app)
    assert line.tips.get(code).reply_status(1) == "failed: 21610"


def test_status_callbacks_update_replies_and_officer_alerts(app, client, twilio_http):
    code, _ = tip_with_consent(client)
    work(app)
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "uno"})
    work(app)
    (sent,) = to_resident(twilio_http)
    assert status_callback(client, sent["sid"], "delivered").status_code == 204
    assert status_callback(client, sent["sid"], "sent").status_code == 204  # late and lower: ignored
    line = app.extensions["linea"]
    assert line.tips.get(code).reply_status(0) == "delivered"
    assert status_callback(client, sent["sid"], "failed", signed=False).status_code == 403
    assert line.tips.get(code).reply_status(0) == "delivered"
    for alert in [r for r in twilio_http.sent if r["data"]["To"] != RESIDENT]:
        status_callback(client, alert["sid"], "undelivered", "30003")
    tip = line.tips.get(code)
    assert tip.delivery == "undelivered"
    assert sorted(v for k, v in tip.notifications.items() if not k.startswith("reply:")) == [
        "undelivered: 30003"] * 2
    assert status_callback(client, "SM" + "f" * 32, "delivered").status_code == 204  # unknown: nothing to do


def test_a_conversation_restarted_by_a_reply_runs_on_the_current_flow_revision(app, client, clock, twilio_http):
    code, _ = tip_with_consent(client)
    line = app.extensions["linea"]
    number = line.revisions.publish(line.library.get(0).bundle, "coord", "same texts, new revision")
    clock.advance(30 * 3600)  # the resident's conversation (revision 0) has expired
    officer = Staff(app, "maria")
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿Algo más?"})
    work(app)
    state, _ = line.store.load(line.store.key(RESIDENT))
    assert (state.node, state.last_tip, state.revision) == ("after_tip", code, number)
