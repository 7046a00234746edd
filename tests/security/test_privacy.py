"""The canary test: a resident's number appears nowhere at rest, in job payloads, logs, the outbox or pages.

One resident (a canary number) goes through everything the line does with a number: a first message, a full
tip with follow-up consent, an officer reply through the relay, an answer, an addendum by code, a delivery
status callback, a community-alerts subscription with an alert sent to it (and its status callback), STOP and
START. Then every Redis key and value (RQ's compressed job data included), every
log record, the outbox and every dashboard page are searched for the number and its last 7 digits."""
from __future__ import annotations

import logging
import re
import zlib

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bot import create_app
from tests.conftest import PUBLIC_BASE_URL, Staff, inbound_form, post_signed, production_config, replies, sign
from tests.test_relay import status_callback

CANARY = "+13125550187"
FORMS = ("3125550187", "5550187", "312-555-0187", "(312) 555")


def redis_dump(client) -> dict[bytes, str]:
    """Every key with all of its values as text (RQ job data decompressed)."""
    dump = {}
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        values = []
        if kind == b"string":
            values.append(client.get(key))
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                values += [field, value]
                try:
                    values.append(zlib.decompress(value))
                except zlib.error:
                    pass
        elif kind == b"list":
            values += client.lrange(key, 0, -1)
        elif kind == b"set":
            values += list(client.smembers(key))
        elif kind == b"zset":
            values += [m for m, _ in client.zrange(key, 0, -1, withscores=True)]
        elif kind == b"stream":
            values += [b"%s=%s" % kv for _, fields in client.xrange(key) for kv in fields.items()]
        else:
            raise AssertionError(f"unexpected Redis type {kind!r} at {key!r}")
        dump[key] = "\n".join(v.decode("utf-8", "replace") for v in [key] + values)
    return dump


def work(app) -> None:
    line = app.extensions["linea"]
    with app.app_context():
        SimpleWorker([line.queue], connection=line.redis, serializer=JSONSerializer).work(burst=True)


@pytest.mark.parametrize("mode, sender", [("production", CANARY), ("production", "whatsapp:" + CANARY),
                                          ("local", CANARY)])
def test_the_residents_number_appears_nowhere(redis_url, redis_client, clock, twilio_http, caplog, mode, sender):
    caplog.set_level(logging.DEBUG)
    settings = production_config(redis_url, extra={"clock": clock, "twilio_http_client": twilio_http})
    app = create_app(settings if mode == "production" else {"mode": "local", "redis_url": redis_url,
                                                            "spool_dir": settings["spool_dir"],
                                                            "extra": {"clock": clock}})
    client = app.test_client()
    sids = []

    def send(body: str) -> list[str]:
        form = inbound_form(sender, body)
        sids.append(form["MessageSid"])
        return replies(post_signed(client, form))

    for body in ("hola, me dijeron que llamarlos me deportan", "2", "me robaron en la fila de comida",
                 "en la iglesia de la 12", "el sabado", "dos hombres con gorra", "no", "si"):
        texts = send(body)
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)
    work(app)
    officer = Staff(app, "maria")
    pages = [officer.get("/dashboard/tips").get_data(as_text=True)]
    officer.get(f"/dashboard/tips/{code}")
    officer.post(f"/dashboard/tips/{code}/reply", {"text": "¿Los hombres tenían carro?"})
    work(app)
    clock.advance(60)
    send("si, una camioneta gris")
    send(f"{code} tambien tenian un cuchillo")
    for request in twilio_http.sent:
        status_callback(client, request["sid"], "delivered")
    work(app)
    # community alerts: the canary subscribes, an alert is written, approved and sent, its status comes back
    send("ALERTAS")
    services = app.extensions["linea"]
    writer, approver = Staff(app, "ana", "coordinator"), Staff(app, "luis", "coordinator")
    writer.get("/dashboard/alerts/")
    alert_page = writer.post("/dashboard/alerts/", {"en": "Robberies near the food line.", "es": "Robos cerca de la fila "
                             "de comida.", "audience": "all", "action": "save"}).headers["Location"]
    approver.get(alert_page)
    approver.post(alert_page + "/approve")
    sent_before = len(twilio_http.sent)
    work(app)
    alert_id = alert_page.rstrip("/").rsplit("/", 1)[-1]
    assert services.broadcasts.get(alert_id).count("sent") == 1
    for request in twilio_http.sent[sent_before:]:
        form = {"MessageSid": request["sid"], "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
        path = f"/twilio/status?alert={alert_id}"
        assert client.post(path, data=form, headers={"X-Twilio-Signature": sign(form, PUBLIC_BASE_URL + path)}
                           ).status_code == 204
    pages += [approver.get(alert_page).get_data(as_text=True), approver.get("/dashboard/alerts/").get_data(as_text=True),
              approver.get(alert_page + "/progress.json").get_data(as_text=True)]
    pages += [officer.get(f"/dashboard/tips/{code}").get_data(as_text=True),
              Staff(app, "boss", "admin").get("/dashboard/audit").get_data(as_text=True)]
    send("STOP")
    send("START")
    work(app)

    tip = app.extensions["linea"].tips.get(code)
    assert [a.text for a in tip.addenda] == ["si, una camioneta gris", "tambien tenian un cuchillo"]
    assert tip.reply_status(0) in ("sent", "delivered")
    assert mode == "local" or services.broadcasts.get(alert_id).count("delivered") == 1
    for key, text in redis_dump(redis_client).items():
        for form in FORMS:
            assert form not in text, f"Redis key {key!r} holds the resident's number"
        for sid in sids:
            assert sid not in text, f"Redis key {key!r} holds a Twilio MessageSid"
    outbox = str(app.extensions["linea"].outbox.read(500))
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records and (mode == "production" or "¿Los hombres tenían carro?" in outbox)
    for where, text in [("outbox", outbox), ("logs", logs)] + [("page", p) for p in pages]:
        for form in FORMS:
            assert form not in text, f"the {where} shows the resident's number"
