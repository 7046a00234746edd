"""What the line exposes: transport headers, guessable ids, and what a worker writes to its log."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter

from bot import create_app
from bot.tips.repository import new_code
from tests.conftest import ROOT, inbound_form, replies


def test_production_answers_carry_hsts_and_local_mode_does_not(app, redis_url, clock):
    for path in ("/healthz", "/login"):
        assert app.test_client().get(path).headers["Strict-Transport-Security"].startswith("max-age=31536000")
    local = create_app({"mode": "local", "redis_url": redis_url, "extra": {"clock": clock}})
    assert "Strict-Transport-Security" not in local.test_client().get("/healthz").headers


def test_tip_codes_are_random_not_sequential():
    codes = [new_code() for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    for position in (0, 1, 2, 3, 5, 6, 7, 8):
        used = Counter(code[position] for code in codes)
        assert len(used) >= 25 and max(used.values()) < 3000 * 0.1  # spread over the alphabet
    assert sum(a[:4] == b[:4] for a, b in zip(codes, codes[1:])) < 5  # neighbours share nothing


def test_a_worker_does_not_log_job_arguments(redis_url, clock):
    app = create_app({"mode": "local", "redis_url": redis_url, "extra": {"clock": clock}})
    client = app.test_client()
    for body in ["hello", "2", "they broke into my car", "skip", "skip", "skip", "skip", "2"]:
        texts = replies(client.post("/twilio/messages", data=inbound_form("+15554440000", body)))
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)
    env = dict(os.environ, LINE_MODE="local", REDIS_URL=redis_url)
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not app.extensions["linea"].outbox.read() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=20)
    log = output.decode()
    assert app.extensions["linea"].outbox.read() and log.count("Successfully completed") >= 2  # it worked
    assert code not in log and "+15554440000" not in log and "5554440000" not in log
