"""Tips through RQ: a real redis-server, real RQ workers, Twilio's REST API faked at the HTTP layer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from bot import create_app
from bot.tips.repository import is_success
from tests.conftest import PUBLIC_BASE_URL, ROOT, inbound_form, post_signed, production_config, replies

RESIDENT = "+15557654321"
CODE_PATTERN = r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}"
SPANISH_TIP = ["hola", "2", "me asaltaron en la parada del camion <b>hoy</b>", "Main y 5", "saltar",
               "dos hombres, uno con gorra roja", "no", "2"]


def converse(client, sender: str, messages: list[str]) -> list[str]:
    """Send messages in order; return the replies to the last one."""
    texts: list[str] = []
    for body in messages:
        texts = replies(post_signed(client, inbound_form(sender, body)))
    return texts


def tip_code(texts: list[str]) -> str:
    import re
    found = re.search(CODE_PATTERN, "\n".join(texts))
    assert found, texts
    return found.group(0)


def work(app) -> None:
    """Run a real RQ worker in burst mode until the queue is empty."""
    line = app.extensions["linea"]
    with app.app_context():
        SimpleWorker([line.queue], connection=line.redis, serializer=JSONSerializer).work(burst=True)


def test_a_finished_interview_reaches_every_officer_without_the_residents_number(app, client, twilio_http):
    opened = converse(client, "whatsapp:+15550002222", ["ok"])  # the WhatsApp officer opens their 24 h window
    assert "this number is the tip line" in opened[0]
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    work(app)
    sent = twilio_http.sent
    assert sorted(r["data"]["To"] for r in sent) == ["+15550001111", "whatsapp:+15550002222"]
    by_to = {r["data"]["To"]: r["data"] for r in sent}
    assert by_to["+15550001111"]["From"] == "+15550009999"
    assert by_to["whatsapp:+15550002222"]["From"] == "whatsapp:+15550009999"
    for data in by_to.values():
        body = data["Body"]
        assert code in body
        assert "me asaltaron en la parada del camion <b>hoy</b>" in body
        assert "Where: Main y 5" in body and "When: (skipped)" in body and "Spanish, SMS" in body
        assert "5557654321" not in body
    tip = app.extensions["linea"].tips.get(code)
    assert tip.delivery == "delivered"
    assert set(tip.notifications.values()) == {"sent"}


def test_job_arguments_are_ids_only(app, client):
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    line = app.extensions["linea"]
    jobs = line.queue.get_jobs()
    assert [(j.func_name, j.args) for j in jobs] == [("bot.jobs.deliver_tip", [code])]
    raw = b"".join(v for v in line.redis.hgetall(f"rq:job:{jobs[0].id}").values())
    assert b"asaltaron" not in raw and b"5557654321" not in raw


def test_an_addendum_by_code_reaches_the_officers(app, client, twilio_http):
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    texts = converse(client, "+15550000042", [f"{code.lower().replace('-', ' ')} el carro era blanco"])
    assert texts == [f"Gracias. Agregamos esto al reporte {code}."]
    work(app)
    bodies = [r["data"]["Body"] for r in twilio_http.sent]
    assert any(b.startswith(f"More information for tip {code}") and "el carro era blanco" in b for b in bodies)


@pytest.mark.parametrize("thanks", ["gracias", "👍", "ok muchas gracias", "Thank you!"])
def test_a_thank_you_after_a_tip_is_answered_and_alerts_nobody(app, client, twilio_http, thanks):
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    work(app)
    alerts = len(twilio_http.sent)
    texts = converse(client, RESIDENT, [thanks])
    assert texts == [f"Con gusto. Su reporte {code} ya está con la policía. Si quiere agregar algo, escríbalo aquí. "
                     "¿En peligro? Llame al 911."]
    work(app)
    assert len(twilio_http.sent) == alerts and app.extensions["linea"].tips.get(code).addenda == ()
    converse(client, RESIDENT, ["gracias, eran dos hombres en una moto roja"])  # a real addition still counts
    work(app)
    assert [a.text for a in app.extensions["linea"].tips.get(code).addenda] == ["gracias, eran dos hombres en una "
                                                                                 "moto roja"]
    assert len(twilio_http.sent) > alerts


def test_an_unknown_code_is_answered_clearly(client):
    texts = converse(client, RESIDENT, ["hola", "K7QF-3MZP mas informacion"])
    assert texts == ["No encontramos el reporte K7QF-3MZP. Revise el código, o responda MENU para hacer un "
                     "reporte nuevo."]


def test_a_temporary_twilio_error_is_retried_later(app, client, twilio_http):
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    twilio_http.statuses = [503]
    work(app)
    line = app.extensions["linea"]
    scheduled = ScheduledJobRegistry(queue=line.queue).get_job_ids()
    assert len(scheduled) == 1
    job = line.queue.fetch_job(scheduled[0])
    assert job.func_name == "bot.jobs.notify_officer" and job.retries_left == 4
    tip = line.tips.get(code)
    assert tip.delivery == "delivered"  # the other officer got it
    assert len(tip.notifications) == 1 and is_success(*tip.notifications.values())  # the other is not final yet


def test_permanent_twilio_errors_are_not_retried_and_mark_the_tip_undelivered(app, client, twilio_http):
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    twilio_http.statuses = [400, 400]
    work(app)
    line = app.extensions["linea"]
    assert ScheduledJobRegistry(queue=line.queue).get_job_ids() == []
    tip = line.tips.get(code)
    assert tip.delivery == "undelivered"
    assert sorted(tip.notifications.values()) == ["failed: 21211", "failed: 21211"]


def test_worker_process_delivers_a_tip_to_the_local_outbox(redis_url, clock):
    """`python worker.py` as its own process, in local mode: the tip lands in the simulator's outbox."""
    app = create_app({"mode": "local", "redis_url": redis_url, "extra": {"clock": clock}})
    client = app.test_client()
    texts = []
    for body in ["hello", "2", "they broke into my car", "skip", "skip", "skip", "skip", "2"]:
        texts = replies(client.post("/twilio/messages", data=inbound_form(RESIDENT, body)))
    code = tip_code(texts)
    env = dict(os.environ, LINE_MODE="local", REDIS_URL=redis_url)
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        outbox = []
        for _ in range(200):
            outbox = client.get("/simulator/outbox.json").get_json()
            if outbox:
                break
            time.sleep(0.05)
        assert len(outbox) == 1
        assert outbox[0]["to"] == "+15550100001"
        assert code in outbox[0]["body"] and "they broke into my car" in outbox[0]["body"]
        assert RESIDENT not in outbox[0]["body"]
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=20)
    assert worker.returncode == 0, errors.decode()[-2000:]


def test_worker_refuses_to_start_in_production_without_credentials(redis_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TWILIO_"))}
    env["REDIS_URL"] = redis_url
    result = subprocess.run([sys.executable, "worker.py"], cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert result.returncode == 2
    assert b"TWILIO_AUTH_TOKEN" in result.stderr


def test_officers_see_the_departments_local_time(redis_url, clock, twilio_http):
    from tests.conftest import production_config
    clock.now = 1_790_000_000.0  # 2026-09-21 14:13 UTC
    app = create_app(production_config(redis_url, timezone="America/Chicago",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    client = app.test_client()
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    work(app)
    assert all(f"New tip {code} (Spanish, SMS, 2026-09-21 09:13 CDT)" in r["data"]["Body"] for r in twilio_http.sent)


def test_a_notification_already_sent_is_not_sent_again(app, client, twilio_http):
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    work(app)
    line = app.extensions["linea"]
    assert len(twilio_http.sent) == 2
    for officer in line.officers.alerted():  # as if a retried deliver_tip queued the notifications again
        line.jobs.enqueue(None, "bot.jobs.notify_officer", code, officer)
    work(app)
    assert len(twilio_http.sent) == 2


def test_a_whatsapp_officer_outside_the_24_hour_window_gets_the_alert_by_sms(app, client, twilio_http):
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    work(app)
    assert sorted(r["data"]["To"] for r in twilio_http.sent) == ["+15550001111", "+15550002222"]
    assert all(code in r["data"]["Body"] for r in twilio_http.sent)
    assert all(r["data"]["StatusCallback"] == PUBLIC_BASE_URL + "/twilio/status" for r in twilio_http.sent)
    notes = app.extensions["linea"].tips.get(code).notifications
    assert sorted(notes.values()) == ["sent", "sent (SMS: WhatsApp window closed)"]


def test_outside_the_window_a_configured_template_is_used(redis_url, clock, twilio_http):
    app = create_app(production_config(redis_url, whatsapp_template_sid="HX0123456789abcdef",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    code = tip_code(converse(app.test_client(), RESIDENT, SPANISH_TIP))
    work(app)
    template = [r["data"] for r in twilio_http.sent if r["data"]["To"] == "whatsapp:+15550002222"]
    assert len(template) == 1 and template[0]["ContentSid"] == "HX0123456789abcdef"
    assert json.loads(template[0]["ContentVariables"]) == {"1": code} and "Body" not in template[0]


def tip_with_an_email_officer(handler, address: str, redis_url, clock, twilio_http):
    """A line with one SMS officer and one email officer on a real local SMTP server; (app, code) after a tip."""
    from tests.test_email import start
    controller = start(handler)
    try:
        app = create_app(production_config(
            redis_url, officer_numbers="+15550001111", officer_emails=address,
            smtp_url=f"smtp://127.0.0.1:{controller.port}", email_from="tips@example.org",
            extra={"clock": clock, "twilio_http_client": twilio_http}))
        code = tip_code(converse(app.test_client(), RESIDENT, SPANISH_TIP))
        work(app)
    finally:
        controller.stop()
    return app, code


def test_email_officers_get_the_tip_through_a_real_smtp_server(redis_url, clock, twilio_http):
    from tests.test_email import Recorder, parsed
    handler = Recorder()
    app, code = tip_with_an_email_officer(handler, "duty@example.org", redis_url, clock, twilio_http)
    (envelope,) = handler.envelopes
    message = parsed(envelope)
    assert envelope.rcpt_tos == ["duty@example.org"] and message["Subject"] == f"New tip {code}"
    assert "me asaltaron en la parada del camion <b>hoy</b>" in message.get_content()
    assert "5557654321" not in envelope.content.decode()
    tip = app.extensions["linea"].tips.get(code)
    assert sorted(tip.notifications.values()) == ["sent", "sent (email)"] and tip.delivery == "delivered"


def test_a_refused_email_is_recorded_and_not_retried(redis_url, clock, twilio_http):
    from tests.test_email import Recorder
    refusing = Recorder(refuse_at="RCPT", reply="550 5.1.1 no such user")
    app, code = tip_with_an_email_officer(refusing, "gone@example.org", redis_url, clock, twilio_http)
    line = app.extensions["linea"]
    assert sorted(line.tips.get(code).notifications.values()) == ["failed: 550", "sent"]
    assert ScheduledJobRegistry(queue=line.queue).get_job_ids() == []


def test_link_only_alerts_keep_the_tips_text_off_officers_phones(redis_url, clock, twilio_http):
    app = create_app(production_config(redis_url, alert_detail="link",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    client = app.test_client()
    converse(client, "whatsapp:+15550002222", ["ok"])
    code = tip_code(converse(client, RESIDENT, SPANISH_TIP))
    work(app)
    bodies = [r["data"]["Body"] for r in twilio_http.sent]
    assert len(bodies) == 2
    for body in bodies:
        assert body.startswith(f"New tip {code} (Spanish, SMS,")
        assert body.endswith(f"Open it on the dashboard: {PUBLIC_BASE_URL}/dashboard/tips/{code}")
        assert "asaltaron" not in body and "gorra" not in body
