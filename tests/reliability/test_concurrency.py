"""Parallel deliveries against a real redis-server: duplicates apply once, one sender's messages never lose an
update, and a lock whose holder died delays nobody for long."""
from __future__ import annotations

import threading
import time

from bot import create_app
from tests.conftest import inbound_form, post_signed, production_config, replies

ITERATIONS = 100


def parallel(calls) -> list:
    """Run the calls at the same moment (a barrier), return their results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_the_same_message_delivered_eight_times_at_once_makes_one_tip(app):
    line = app.extensions["linea"]
    sender = "+15551110000"
    client = app.test_client()
    for body in ["hola", "2", "me robaron", "aqui", "ayer", "saltar", "no"]:
        replies(post_signed(client, inbound_form(sender, body)))
    last = inbound_form(sender, "no")  # one Twilio message, delivered 8 times concurrently
    answers = parallel([lambda: replies(post_signed(app.test_client(), last)) for _ in range(8)])
    assert all(a == answers[0] for a in answers) and "Su código es" in answers[0][0]
    assert len(line.tips.recent()) == 1
    state, version = line.store.load(line.store.key(sender))
    assert state.node == "after_tip" and version == 8  # 7 earlier messages + this one, applied once


def test_two_messages_at_once_from_one_sender_are_both_applied_every_time(app):
    line = app.extensions["linea"]
    for i in range(ITERATIONS):
        sender = f"+1555222{i:04d}"
        client = app.test_client()
        for body in ["hola", "2", "me robaron"]:
            replies(post_signed(client, inbound_form(sender, body)))
        first, second = inbound_form(sender, f"lugar {i}"), inbound_form(sender, f"hora {i}")
        parallel([lambda f=first: post_signed(app.test_client(), f), lambda f=second: post_signed(app.test_client(), f)])
        state, version = line.store.load(line.store.key(sender))
        assert version == 5 and state.node == "ask_who", (i, state)  # no lost update: both were applied
        answers = dict(state.answers)
        assert {answers["where"], answers["when"]} == {f"lugar {i}", f"hora {i}"}, (i, answers)


def test_a_lock_left_by_a_dead_holder_delays_the_sender_briefly_and_nothing_is_lost(redis_url, clock, tmp_path,
                                                                                     twilio_http):
    app = create_app(production_config(redis_url, lock_seconds=2, spool_dir=str(tmp_path / "spool"),
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    line = app.extensions["linea"]
    sender = "+15553330000"
    client = app.test_client()
    replies(post_signed(client, inbound_form(sender, "hola")))
    key = line.store.key(sender)
    line.redis.set(f"{key}:lock", "a holder that died", px=2000)
    started = time.monotonic()
    texts = replies(post_signed(client, inbound_form(sender, "2")))
    assert time.monotonic() - started < 2.0  # Twilio gets its answer in time
    assert "Recibimos su mensaje" in texts[0] and len(line.spool.pending()) == 1
    deadline = time.monotonic() + 10
    while line.redis.exists(f"{key}:lock") and time.monotonic() < deadline:
        time.sleep(0.05)
    with app.app_context():
        assert line.line.drain() == 1
    state, _ = line.store.load(key)
    assert state.node == "ask_what"  # the spooled "2" was applied once the dead holder's lock expired
    (later,) = twilio_http.sent  # and its answer texted from the line's number
    assert later["data"]["To"] == sender and "¿Qué pasó?" in later["data"]["Body"]
