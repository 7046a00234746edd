"""Retention: with short settings every kind of record disappears on schedule (real redis-server, real RQ)."""
from __future__ import annotations

import re
import time

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bot import create_app
from bot.tips.retention import schedule_purge
from tests.conftest import Staff, inbound_form, post_signed, production_config, replies

RESIDENT = "+15554443333"
TIP = ["hola", "2", "me robaron", "en la 5", "ayer", "saltar", "no", "si"]


def work(app) -> None:
    line = app.extensions["linea"]
    with app.app_context():
        SimpleWorker([line.queue], connection=line.redis, serializer=JSONSerializer).work(burst=True)


def line_keys(client) -> set[str]:
    """Every key of the line itself (RQ's own keys hold ids only and expire by RQ's settings)."""
    return {k.decode() for k in client.scan_iter(match="ls:*", count=1000)}


def kinds(keys: set[str]) -> set[str]:
    """Key names without their ids: ls:conv:{ab12..}:seen -> conv:seen, ls:sent:9f3c.. -> sent."""
    def kind(key: str) -> str:
        parts = re.sub(r"\{[^}]*\}", "", key).split(":")[1:]
        return ":".join(p for p in parts if p and not re.fullmatch(r"[0-9a-f]{16,}", p))
    return {kind(k) for k in keys}


def test_every_record_goes_on_schedule(redis_url, redis_client, clock, twilio_http):
    # 3-second TTLs: long enough that the conversation and its jobs (a worker's burst takes ~1 s) finish inside them
    app = create_app(production_config(redis_url, conversation_ttl=3, dedupe_ttl=3, followup_ttl=3,
                                       tip_retention_days=1,
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    client = app.test_client()
    officer = Staff(app, "maria")  # signed in first: only the resident's messages and their jobs run in the TTL
    for body in TIP:
        texts = replies(post_signed(client, inbound_form(RESIDENT, body)))
    old = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)
    work(app)
    before = kinds(line_keys(redis_client))
    officer.get(f"/dashboard/tips/{old}")
    assert {"conv", "conv:seen", "tip", "tip:handle", "sent", "tips"} <= before, before

    time.sleep(3.6)  # Redis expires the short-lived records by itself (each set within the last ~1.2 s)
    after_ttl = kinds(line_keys(redis_client))
    for kind in ("conv", "conv:seen", "conv:seen:old", "conv:handles", "tip:handle", "sent"):
        assert kind not in after_ttl, f"{kind} outlived its TTL"
    assert "tip" in after_ttl  # tips wait for the purge

    clock.advance(2 * 86400)
    for body in TIP:  # a new tip, inside the retention period
        texts = replies(post_signed(client, inbound_form("+15550009876", body)))
    new = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)
    line = app.extensions["linea"]
    assert schedule_purge(line.deliveries, line.jobs) and not schedule_purge(line.deliveries, line.jobs)  # once a day, whoever asks
    work(app)
    assert line.tips.get(old) is None and line.tips.get(new) is not None
    assert not any(old in k for k in line_keys(redis_client))
    purge = [e for e in app.extensions["linea"].audit.recent() if e.action == "purge"]
    assert [(e.who, e.detail) for e in purge] == [("system", "tips=1 photos=0")]
    assert app.extensions["linea"].accounts.read_codes("maria", [old]) == set()


def test_the_purge_command_reports_counts(redis_url, clock, twilio_http):
    app = create_app(production_config(redis_url, tip_retention_days=30,
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    client = app.test_client()
    for body in TIP:
        replies(post_signed(client, inbound_form(RESIDENT, body)))
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.output == "deleted 0 tips and 0 photos older than 30 days\n"
    clock.advance(31 * 86400)
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.output == "deleted 1 tips and 0 photos older than 30 days\n"
