"""Nothing lost when Redis is down: the encrypted spool, and replaying it in order once Redis is back."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import redis as redis_lib

from bot import create_app
from bot.conversations.spool import Spool, SpoolError
from tests.conftest import (ENV_NAMES, ROOT, free_port, inbound_form, post_signed, production_config, replies,
                            wait_until_healthy)

RESIDENT = "+15554443333"
OTHER = "whatsapp:+15554440000"


@pytest.fixture
def spool_dir(tmp_path) -> str:
    return str(tmp_path / "spool")


@pytest.fixture
def down(spool_dir, clock):
    """The line while Redis is unreachable (nothing listens on the port)."""
    return create_app(production_config(f"redis://127.0.0.1:{free_port()}/0", spool_dir=spool_dir,
                                        extra={"clock": clock}))


@pytest.fixture
def up(redis_url, spool_dir, clock, twilio_http):
    """The line once Redis is back, sharing the spool with `down`."""
    return create_app(production_config(redis_url, spool_dir=spool_dir,
                                        extra={"clock": clock, "twilio_http_client": twilio_http}))


def test_records_round_trip_encrypted_and_in_arrival_order(spool_dir):
    spool = Spool(spool_dir, "a-secret-of-at-least-16")
    first = spool.put({"sender": RESIDENT, "body": "me robaron"}, "aaaa")
    second = spool.put({"sender": OTHER, "body": "hola"}, "bbbb")
    assert spool.pending() == [first, second]
    assert spool.pending("bbbb") == [second]
    assert spool.read(first) == {"sender": RESIDENT, "body": "me robaron"}
    raw = open(os.path.join(spool_dir, first), "rb").read()
    assert b"5554443333" not in raw and b"robaron" not in raw
    assert oct(os.stat(spool_dir).st_mode & 0o777) == "0o700"
    with pytest.raises(SpoolError):
        Spool(spool_dir, "another-secret-16chars").read(first)
    spool.remove(first)
    assert spool.pending() == [second]


def test_only_one_process_drains_at_a_time(spool_dir):
    spool = Spool(spool_dir, "a-secret-of-at-least-16")
    with spool.draining() as first:
        with Spool(spool_dir, "a-secret-of-at-least-16").draining() as second:
            assert first and not second


def test_messages_taken_while_redis_is_down_are_applied_in_order_once_it_is_back(down, up, twilio_http):
    client = down.test_client()
    started = time.monotonic()
    for body in ("hola", "2", "me robaron la cartera"):
        texts = replies(post_signed(client, inbound_form(RESIDENT, body)))
        assert "Recibimos su mensaje" in texts[0] and "911" in "\n".join(texts)
    redelivered = inbound_form(OTHER, "hello")
    replies(post_signed(client, redelivered))
    assert time.monotonic() - started < 2 * 4  # every answer well inside Twilio's patience (< 2 s each)
    assert len(down.extensions["linea"].spool.pending()) == 4

    line = up.extensions["linea"]
    assert line.line.drain() == 4
    assert line.spool.pending() == []
    state, _ = line.store.load(line.store.key(RESIDENT))
    assert state.node == "ask_where" and state.answers == (("what", "me robaron la cartera"),)  # in order
    sent = [(r["data"]["To"], r["data"]["From"], r["data"]["Body"]) for r in twilio_http.sent]
    to_resident = [body for to, sender, body in sent if to == RESIDENT]
    assert sender_of(sent, RESIDENT) == "+15550009999"  # from the number the resident wrote to
    assert to_resident[0].startswith("Hola. Esta es la línea") and "¿Dónde pasó?" in to_resident[-1]
    assert sender_of(sent, OTHER) == "whatsapp:+15550009999"
    # the same MessageSid again (a Twilio redelivery) is answered, not applied twice
    assert replies(post_signed(up.test_client(), redelivered))[0].startswith("Hello. This is the police tip line")
    assert line.line.drain() == 0


def sender_of(sent, to):
    return next(sender for recipient, sender, _ in sent if recipient == to)


def test_a_sender_with_spooled_messages_is_spooled_until_drained(down, up):
    replies(post_signed(down.test_client(), inbound_form(RESIDENT, "hola")))
    client = up.test_client()
    texts = replies(post_signed(client, inbound_form(RESIDENT, "2")))  # Redis is back, but "hola" waits first
    assert "Recibimos su mensaje" in texts[0]
    assert "Hello" in replies(post_signed(client, inbound_form(OTHER, "hello")))[0]  # others are not held up
    assert up.extensions["linea"].line.drain() == 2
    state, _ = up.extensions["linea"].store.load(up.extensions["linea"].store.key(RESIDENT))
    assert state.node == "ask_what"


def test_flask_spool_drain_reports_what_it_applied(down, up):
    replies(post_signed(down.test_client(), inbound_form(RESIDENT, "hola")))
    result = up.test_cli_runner().invoke(args=["spool", "drain"])
    assert result.exit_code == 0 and "applied 1 of 1 spooled messages" in result.output


def test_the_web_server_replays_the_spool_by_itself_when_redis_comes_back(tmp_path):
    """gunicorn + a redis-server with AOF that is killed and restarted: the drainer thread catches up."""
    port, web = free_port(), free_port()
    data = tmp_path / "redis"
    data.mkdir()

    def start_redis() -> subprocess.Popen:
        process = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                                    "--dir", str(data), "--save", "", "--appendonly", "yes",
                                    "--appendfsync", "always"], stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                redis_lib.Redis(port=port).ping()
                return process
            except redis_lib.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def text(body: str, sid: str) -> list[str]:
        form = urllib.parse.urlencode({"From": RESIDENT, "To": "+15550009999", "Body": body, "MessageSid": sid})
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/twilio/messages", data=form.encode(), timeout=10) as r:
            return [m.text or "" for m in ET.fromstring(r.read()).iter("Message")]

    store = start_redis()
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(LINE_MODE="local", REDIS_URL=f"redis://127.0.0.1:{port}/0", LINE_SPOOL_DIR=str(tmp_path / "spool"),
               LINE_SPOOL_INTERVAL="0.3")
    gunicorn = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--bind",
                                 f"127.0.0.1:{web}", "--workers", "2", "wsgi:app"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_healthy(web)
        assert text("hola", "SM1")[0].startswith("Hola. Esta es la línea")
        store.send_signal(signal.SIGKILL)
        store.wait()
        started = time.monotonic()
        assert "Recibimos su mensaje" in text("2", "SM2")[0]
        assert time.monotonic() - started < 2.0
        store = start_redis()  # same port, same append-only file
        outbox: list = []
        for _ in range(200):
            outbox = [json.loads(raw) for raw in redis_lib.Redis(port=port).lrange("ls:outbox", 0, -1)]
            if outbox:
                break
            time.sleep(0.05)
        assert len(outbox) == 1 and "¿Qué pasó?" in outbox[0]["body"]  # "2" was applied after "hola"
        assert "5554443333" not in json.dumps(outbox)
        assert not [n for n in os.listdir(tmp_path / "spool") if n.endswith(".msg")]
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=20)
        store.terminate()
        store.wait(timeout=10)
