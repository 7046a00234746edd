"""A worker SIGKILLed in the middle of a chunk of a community alert, then a second worker: every subscriber
gets the alert exactly once. Real `python worker.py` processes in local mode (the outbox is the carrier), a
real redis-server, the shared rate limit slowing the chunk down so that the kill lands inside it."""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys

import pytest

from bot import create_app
from tests.conftest import ENV_NAMES, ROOT
from tests.reliability.test_worker_crash import abandoned_jobs_are_noticed, stop, wait_for
from tests.test_broadcast_delivery import EN, ES, approved, subscribe

SUBSCRIBERS = 60


@pytest.fixture
def setup(redis_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(LINE_MODE="local", REDIS_URL=redis_url, LINE_ALERT_RATE="30", LINE_ALERT_CHUNK="20",
               LINE_ALERT_QUIET_HOURS="off", LINE_SPOOL_DIR=str(tmp_path))
    app = create_app({"mode": "local", "redis_url": redis_url, "alert_quiet_hours": "off",
                      "spool_dir": str(tmp_path)})
    return app, env


def start_worker(env):
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def received(app) -> collections.Counter:
    """How many times each resident (by the outbox's keyed hash) got an alert."""
    return collections.Counter(e["resident"] for e in app.extensions["linea"].outbox.read(500)
                               if e.get("kind") == "alert")


def test_a_worker_killed_mid_chunk_then_a_second_worker_everyone_exactly_once(setup):
    app, env = setup
    subscribe(app, SUBSCRIBERS // 2, "es")
    subscribe(app, SUBSCRIBERS // 2, "en", start=500)
    alert = approved(app, {"en": EN, "es": ES})
    services = app.extensions["linea"]
    worker = start_worker(env)
    try:
        wait_for(lambda: sum(received(app).values()) >= 8, 30, "the first worker to be inside the first chunk")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)
    before = received(app)
    assert 8 <= sum(before.values()) < 20  # killed inside the first chunk of 20
    abandoned_jobs_are_noticed(app)
    worker = start_worker(env)
    try:
        wait_for(lambda: services.broadcasts.get(alert.id).status == "done", 40, "the second worker to finish")
    finally:
        stop(worker)
    after = received(app)
    assert len(after) == SUBSCRIBERS and set(after.values()) == {1}
    done = services.broadcasts.get(alert.id)
    assert (done.count("queued"), done.count("sent"), done.count("skipped")) == (SUBSCRIBERS, SUBSCRIBERS, 0)
