"""The on-duty roster: admins choose who gets alerts besides the configured desk (real redis-server, RQ)."""
from __future__ import annotations

import re

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bot.officers.duty import normalise_address
from tests.conftest import Staff, inbound_form, post_signed, replies

TIP = ["hola", "2", "me robaron", "en el parque", "ayer", "saltar", "no", "no"]


@pytest.mark.parametrize("raw, address", [
    ("+18165550100", "+18165550100"), ("+1 816 555-0100", "+18165550100"),
    ("WhatsApp:+18165550100", "whatsapp:+18165550100"), ("Duty.Desk@Example.org", "mailto:Duty.Desk@Example.org"),
    ("8165550100", None), ("+0123", None), ("call me", None), ("a@b@c", None), ("+1816555010012345678", None),
])
def test_addresses(raw, address):
    if address is None:
        with pytest.raises(ValueError):
            normalise_address(raw)
    else:
        assert normalise_address(raw) == address


def tip(app, sender: str) -> str:
    client = app.test_client()
    texts: list[str] = []
    for body in TIP:
        texts = replies(post_signed(client, inbound_form(sender, body)))
    line = app.extensions["linea"]
    with app.app_context():
        SimpleWorker([line.queue], connection=line.redis, serializer=JSONSerializer).work(burst=True)
    return re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)


def alerted(twilio_http, code: str) -> set[str]:
    return {r["data"]["To"] for r in twilio_http.sent if code in r["data"].get("Body", "")}


def test_admins_put_officers_on_and_off_duty_and_alerts_follow(app, twilio_http):
    admin = Staff(app, "boss", "admin")
    admin.get("/dashboard/duty")
    assert admin.post("/dashboard/duty", {"action": "add", "label": "Sgt. Ruiz", "address": "+1 816 555 0100"}
                      ).status_code == 302
    page = admin.get("/dashboard/duty").get_data(as_text=True)
    assert "Sgt. Ruiz" in page and "+18165550100" in page and "on duty" in page
    first = tip(app, "+15551230001")
    assert alerted(twilio_http, first) == {"+15550001111", "+15550002222", "+18165550100"}  # desk + roster

    admin.post("/dashboard/duty", {"action": "off", "address": "+18165550100"})
    second = tip(app, "+15551230002")
    assert "+18165550100" not in alerted(twilio_http, second)
    admin.post("/dashboard/duty", {"action": "remove", "address": "+18165550100"})
    assert "Nobody on the roster yet." in admin.get("/dashboard/duty").get_data(as_text=True)
    actions = [e.action for e in app.extensions["linea"].audit.recent()]
    assert {"duty_add", "duty_off", "duty_remove"} <= set(actions)


def test_a_contact_the_line_cannot_reach_is_refused_with_the_reason(app):
    admin = Staff(app, "boss", "admin")
    admin.get("/dashboard/duty")
    page = admin.post("/dashboard/duty", {"action": "add", "label": "Lt. Kim", "address": "kim@example.org"}
                      ).get_data(as_text=True)
    assert "email alerts need LINE_SMTP_URL and LINE_EMAIL_FROM" in page
    page = admin.post("/dashboard/duty", {"action": "add", "label": "x", "address": "555-0100"}).get_data(as_text=True)
    assert "country code" in page
    assert app.extensions["linea"].roster.entries() == []


def test_only_admins_manage_the_roster(app):
    assert Staff(app, "ofc", "officer").get("/dashboard/duty").status_code == 403
    assert Staff(app, "coord", "coordinator").get("/dashboard/duty").status_code == 403


def test_an_officer_on_the_roster_who_texts_the_line_is_not_treated_as_a_resident(app, client):
    app.extensions["linea"].roster.add("whatsapp:+18165550100", "Sgt. Ruiz")
    texts = replies(post_signed(client, inbound_form("whatsapp:+18165550100", "hola")))
    assert "this number is the tip line" in texts[0]
