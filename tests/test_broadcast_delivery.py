"""Delivering community alerts with real RQ workers (burst) on a real redis-server and Twilio's HTTP layer faked:
chunks, each recipient once, STOP in the middle, the pace, Twilio's 429, WhatsApp's window, status callbacks and
local mode's outbox."""
from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bot import create_app
from bot.broadcasts.subscribers import Subscriber
from bot.platform.keys import sender_id
from tests.conftest import FakeTwilioHttp, inbound_form, post_signed, production_config, replies, sign

EN, ES = "Robberies near 24th and Quincy. Report safely: police never ask status.", \
    "Robos cerca de la 24 y Quincy. Denuncie sin miedo: la policía nunca pregunta su estatus."


class TimedTwilioHttp(FakeTwilioHttp):
    """The fake Twilio HTTP layer, also noting when each request arrived (thread-safe)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.times: list[float] = []

    def request(self, *args, **kwargs):
        with self.lock:
            self.times.append(time.monotonic())
            return super().request(*args, **kwargs)


def make_app(redis_url, clock, http, **settings):
    sleeps: list[float] = []
    extra = {"clock": clock, "twilio_http_client": http, "sleep": settings.pop("sleep", sleeps.append)}
    app = create_app(production_config(redis_url, extra=extra, **settings))
    app.sleeps = sleeps
    return app


def subscribe(app, count: int, locale: str = "es", channel: str = "sms", start: int = 0) -> list[str]:
    """count subscribers written straight into the store (as the Line does); returns their numbers."""
    services = app.extensions["linea"]
    numbers = [f"{'whatsapp:' if channel == 'whatsapp' else ''}+1816555{start + n:04d}" for n in range(count)]
    with services.redis.pipeline() as pipe:
        for number in numbers:
            services.subscribers.join(pipe, sender_id(services.config.hash_secret, number),
                                      Subscriber(number, "+15550009999", locale, channel), services.clock(), "t@r0")
        pipe.execute()
    return numbers


def approved(app, texts=None, audience="all"):
    services = app.extensions["linea"]
    alert = services.broadcasts.create(texts or {"en": EN, "es": ES}, audience, "ana")
    alert = services.broadcasts.approve(alert.id, "luis", services.broadcaster.starts_at(alert))
    services.broadcaster.schedule(alert)
    return alert


def work(app) -> None:
    services = app.extensions["linea"]
    with app.app_context():
        SimpleWorker([services.queue], connection=services.redis, serializer=JSONSerializer).work(burst=True)


def sent_to(http) -> list[str]:
    return [r["data"]["To"] for r in http.sent]


@pytest.fixture
def http() -> TimedTwilioHttp:
    return TimedTwilioHttp()


def test_everyone_in_the_audience_gets_it_once_in_their_language_in_chunks(redis_url, clock, http):
    app = make_app(redis_url, clock, http, alert_chunk_size=7)
    spanish, english = subscribe(app, 12, "es"), subscribe(app, 8, "en", start=100)
    alert = approved(app)
    work(app)
    assert sorted(sent_to(http)) == sorted(spanish + english)
    bodies = {r["data"]["To"]: r["data"]["Body"] for r in http.sent}
    assert {bodies[n] for n in spanish} == {ES} and {bodies[n] for n in english} == {EN}
    done = app.extensions["linea"].broadcasts.get(alert.id)
    assert (done.status, done.count("queued"), done.count("sent"), int(done.counts.get("skipped", 0))) == \
        ("done", 20, 20, 0)
    assert all(f"/twilio/status?alert={alert.id}" in r["data"]["StatusCallback"] for r in http.sent)
    # a chunk job run again (as after a retry) sends nobody anything
    services = app.extensions["linea"]
    for number in range(3):
        services.jobs.enqueue(None, "bot.jobs.send_alert_chunk", alert.id, number)
    services.jobs.enqueue(None, "bot.jobs.start_alert", alert.id)
    work(app)
    assert len(http.sent) == 20


@pytest.mark.parametrize("audience, expected", [("es", 5), ("en", 3), ("all", 8)])
def test_the_audience_is_everyone_or_one_language(redis_url, clock, http, audience, expected):
    app = make_app(redis_url, clock, http)
    subscribe(app, 5, "es")
    subscribe(app, 3, "en", start=100)
    approved(app, audience=audience)
    work(app)
    assert len(http.sent) == expected


def test_nobody_who_stopped_mid_broadcast_receives_it(redis_url, clock, http):
    app = make_app(redis_url, clock, http, alert_chunk_size=5)
    client = app.test_client()
    numbers = subscribe(app, 15, "es")
    alert = approved(app)
    services = app.extensions["linea"]
    with app.app_context():  # the start job, and one chunk, run; then three residents stop
        worker = SimpleWorker([services.queue], connection=services.redis, serializer=JSONSerializer)
        worker.work(burst=True, max_jobs=2)
    assert len(http.sent) == 5
    stopped = [n for n in numbers if n not in sent_to(http)][:3]
    for number, word in zip(stopped, ("STOP", "ALERTAS NO", "BORRAR")):
        replies(post_signed(client, inbound_form(number, word)))
    replies(post_signed(client, inbound_form(stopped[2], "si")))
    work(app)
    assert not set(stopped) & set(sent_to(http))
    assert len(set(sent_to(http))) == len(http.sent) == 12
    done = services.broadcasts.get(alert.id)
    assert done.reasons("skipped") == {"unsubscribed": 3} and done.status == "done"


def test_the_rate_limit_is_shared_by_workers(redis_url, clock, http):
    """Two workers (threads) send one alert at LINE_ALERT_RATE=20: the fake Twilio layer never sees more."""
    rate = 20
    app = make_app(redis_url, clock, http, alert_rate=rate, alert_chunk_size=10, sleep=time.sleep)
    subscribe(app, 40, "es")
    alert = approved(app)
    services = app.extensions["linea"]
    services.broadcaster.start(alert.id)

    def worker(chunks):
        with app.app_context():
            for chunk in chunks:
                services.broadcaster.send_chunk(alert.id, chunk)

    threads = [threading.Thread(target=worker, args=(chunks,)) for chunks in ((0, 2), (1, 3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    times = sorted(http.times)
    assert len(times) == 40
    for first in range(len(times)):  # any one-second window holds at most `rate` requests (+2: thread jitter)
        assert sum(1 for t in times[first:] if t - times[first] < 1.0) <= rate + 2
    assert times[-1] - times[0] >= (len(times) - 1) / rate * 0.9


def test_twilio_429_holds_every_worker_back_and_the_message_is_sent_once(redis_url, clock, http):
    app = make_app(redis_url, clock, http)
    subscribe(app, 3, "es")
    http.statuses = [201, 429, 429, 201, 201]
    approved(app)
    work(app)
    assert len(http.sent) == 3 and len(set(sent_to(http))) == 3
    held = [s for s in app.sleeps if s > 0.5]
    assert len(held) >= 2  # the pacer held the sender back after each 429 (1 s, then 2 s)


def test_a_bad_number_is_counted_failed_with_its_code(redis_url, clock, http):
    app = make_app(redis_url, clock, http)
    subscribe(app, 2, "es")
    http.statuses, http.error_codes = [400], [21610]  # 21610: the number replied STOP at the carrier
    alert = approved(app)
    work(app)
    done = app.extensions["linea"].broadcasts.get(alert.id)
    assert (done.count("sent"), done.count("failed"), done.reasons("failed")) == (1, 1, {"21610": 1})


@pytest.mark.parametrize("template, expected", [("", "skipped"), ("HX" + "1" * 32, "template")])
def test_whatsapp_outside_24_hours_gets_the_template_or_is_skipped_with_the_reason(
        redis_url, clock, http, template, expected):
    app = make_app(redis_url, clock, http, alert_template_sid=template)
    client = app.test_client()
    fresh = "whatsapp:+18165550001"
    replies(post_signed(client, inbound_form(fresh, "ALERTAS")))
    clock.advance(25 * 3600)
    stale = "whatsapp:+18165550002"
    subscribe(app, 1, "es", "whatsapp", start=2)  # joined, but no message from them in the last 24 hours
    replies(post_signed(client, inbound_form(fresh, "hola")))
    alert = approved(app)
    work(app)
    services = app.extensions["linea"]
    done = services.broadcasts.get(alert.id)
    plain = [r for r in http.sent if "Body" in r["data"] and r["data"]["Body"] == ES]
    assert [r["data"]["To"] for r in plain] == [fresh]
    if expected == "skipped":
        assert done.reasons("skipped") == {"whatsapp_window": 1} and len(http.sent) == 1
    else:
        (sent,) = [r for r in http.sent if "ContentSid" in r["data"]]
        assert sent["data"]["To"] == stale and sent["data"]["ContentSid"] == template
        assert done.count("sent:template") == 1 and done.count("sent") == 2


def test_status_callbacks_update_the_alerts_counts_once_per_message(redis_url, clock, http):
    app = make_app(redis_url, clock, http)
    client = app.test_client()
    subscribe(app, 3, "es")
    alert = approved(app)
    work(app)
    url = f"https://line.example.test/twilio/status?alert={alert.id}"

    def callback(sid, status):
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
        return client.post(f"/twilio/status?alert={alert.id}", data=urlencode(form),
                           content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": sign(form, url)})

    sids = [r["sid"] for r in http.sent]
    for sid, status in [(sids[0], "sent"), (sids[0], "delivered"), (sids[0], "delivered"), (sids[1], "undelivered"),
                        (sids[1], "delivered"), (sids[2], "sent"), ("SM" + "f" * 32, "delivered")]:
        assert callback(sid, status).status_code == 204
    done = app.extensions["linea"].broadcasts.get(alert.id)
    assert (done.count("delivered"), done.count("undelivered")) == (1, 1)
    forged = client.post(f"/twilio/status?alert={alert.id}", data={"MessageSid": sids[2], "MessageStatus": "delivered"})
    assert forged.status_code == 403


def test_local_mode_writes_each_alert_to_the_outbox_with_a_masked_recipient(redis_url, clock):
    app = create_app({"mode": "local", "redis_url": redis_url, "extra": {"clock": clock}})
    client = app.test_client()
    for number, word in (("+18165550101", "ALERTAS"), ("+18165550102", "ALERTS")):
        client.post("/twilio/messages", data={"From": number, "To": "+15550009999", "Body": word,
                                              "MessageSid": "SM" + number[-4:] * 8})
    approved(app)
    work(app)
    entries = client.get("/simulator/outbox.json").get_json()
    alerts = [e for e in (entries if isinstance(entries, list) else entries.get("messages", [])) if e.get("kind") == "alert"]
    assert sorted((e["locale"], e["channel"], e["to"], e["body"]) for e in alerts) == [
        ("en", "sms", "•••02", EN), ("es", "sms", "•••01", ES)]
    assert "5550101" not in str(entries) and "5550102" not in str(entries)


def test_a_start_while_another_worker_plans_is_retried_not_lost(redis_url, clock, http):
    app = make_app(redis_url, clock, http)
    subscribe(app, 2, "es")
    services = app.extensions["linea"]
    alert = services.broadcasts.create({"en": EN, "es": ES}, "all", "ana")
    alert = services.broadcasts.approve(alert.id, "luis", services.broadcaster.starts_at(alert))
    services.redis.set(services.broadcasts.key(alert.id, "planning"), "1")  # a worker died while planning
    with pytest.raises(RuntimeError, match="being planned"):
        services.broadcaster.start(alert.id)
    services.redis.delete(services.broadcasts.key(alert.id, "planning"))  # the mark expired
    assert services.broadcaster.start(alert.id) == "sending"
    work(app)
    assert len(http.sent) == 2


@pytest.mark.parametrize("mode, expected_sends, skipped", [("production", 2, {"interrupted": 1}), ("local", 3, {})])
def test_a_claim_left_by_a_dead_worker_is_never_sent_twice(redis_url, clock, http, mode, expected_sends, skipped):
    """In production Twilio may have taken the message before the worker died: that recipient is counted, not
    sent again. In local mode the send and the mark are one transaction: a claim alone means not sent."""
    settings = {} if mode == "production" else {"mode": "local"}
    app = make_app(redis_url, clock, http, **settings)
    numbers = subscribe(app, 3, "es")
    services = app.extensions["linea"]
    alert = services.broadcasts.create({"en": EN, "es": ES}, "all", "ana")
    alert = services.broadcasts.approve(alert.id, "luis", services.broadcaster.starts_at(alert))
    services.broadcaster.start(alert.id)
    claimed = sender_id(services.config.hash_secret, numbers[1])
    services.redis.hset(services.broadcasts.key(alert.id, "r"), claimed, "c")  # claimed, then the worker died
    work(app)
    done = services.broadcasts.get(alert.id)
    sends = len(http.sent) if mode == "production" else done.count("sent")
    assert (sends, done.reasons("skipped"), done.status) == (expected_sends, skipped, "done")


def test_a_long_chunk_continues_in_a_new_job_where_it_stopped(redis_url, clock, http, monkeypatch):
    from bot.broadcasts import delivery
    monkeypatch.setattr(delivery, "CHUNK_SECONDS", -1.0)  # every job stops after one recipient
    app = make_app(redis_url, clock, http, alert_chunk_size=50)
    numbers = subscribe(app, 4, "en")
    alert = approved(app)
    work(app)
    assert sorted(sent_to(http)) == sorted(numbers)
    assert app.extensions["linea"].broadcasts.get(alert.id).status == "done"


def test_a_broadcast_running_into_quiet_hours_pauses_until_the_morning(redis_url, clock, http):
    from rq.registry import ScheduledJobRegistry
    app = make_app(redis_url, clock, http, alert_chunk_size=2)
    subscribe(app, 4, "es")
    clock.now = 1_796_241_000.0  # 2026-12-02 19:50 UTC
    alert = approved(app)
    services = app.extensions["linea"]
    with app.app_context():  # the start job and the first chunk
        SimpleWorker([services.queue], connection=services.redis, serializer=JSONSerializer).work(burst=True,
                                                                                               max_jobs=2)
    clock.advance(2 * 3600)  # 21:50: quiet hours
    work(app)
    assert len(http.sent) == 2 and services.broadcasts.get(alert.id).status == "sending"
    assert len(ScheduledJobRegistry(queue=services.queue)) == 1
    clock.now = 1_796_284_800.0 + 60  # 2026-12-03 08:01
    services.jobs.enqueue(None, "bot.jobs.send_alert_chunk", alert.id, 1)  # what the scheduler does at 08:00
    work(app)
    assert len(http.sent) == 4 and services.broadcasts.get(alert.id).status == "done"


def test_the_time_left_follows_the_current_pace_not_the_average(redis_url, clock, http):
    """An alert that went at 10 a second for its first minute and now goes at 2 a second: the last 30 seconds
    make the pace."""
    from dataclasses import replace as changed

    from bot.broadcasts.delivery import PACE_BUCKET
    from bot.broadcasts.store import pace_field
    app = make_app(redis_url, clock, http)
    broadcaster = app.extensions["linea"].broadcaster
    now = clock()
    here = int(now) // PACE_BUCKET
    buckets = {pace_field(here - k): (20 if k <= 3 else 100) for k in range(1, 10)}  # 20 per 10 s lately
    processed = sum(buckets.values())
    alert = changed(approved(app), status="sending", started_at=now - 90,
                    counts={"queued": processed + 600, "sent": processed, **buckets})
    progress = broadcaster.progress(alert)
    assert progress.per_second == 2.0 and progress.seconds_left == 300
    assert pace_field(here - 1) not in alert.shown_counts and alert.shown_counts["sent"] == processed
    early = changed(alert, started_at=now - 20)  # too early for a window: the average since the start
    assert broadcaster.progress(early).per_second == round(processed / 20, 2)


def test_a_chunk_that_fails_for_good_marks_the_alert_stalled_instead_of_sending_for_ever(redis_url, clock, http):
    from rq.job import Job

    from bot.channels.outbound import DeliveryError
    from bot.jobs import job_failed
    app = make_app(redis_url, clock, http)
    subscribe(app, 3, "es")
    alert = approved(app)
    services = app.extensions["linea"]
    job = Job.create("bot.jobs.send_alert_chunk", args=[alert.id, 0], connection=services.redis)
    job.retries_left = 2
    with app.app_context():
        job_failed(job, services.redis, DeliveryError, DeliveryError("503", permanent=False), None)  # RQ still retries it
        assert services.broadcasts.get(alert.id).status != "stalled"
        job.retries_left = 0
        job_failed(job, services.redis, DeliveryError, DeliveryError("503", permanent=False), None)
    assert services.broadcasts.get(alert.id).status == "stalled"
    assert services.broadcasts.field(alert.id, "stalled") == "chunk 0: DeliveryError"
