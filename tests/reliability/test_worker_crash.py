"""Workers that die or are stopped mid-job: real `python worker.py` processes, a real redis-server, and a real
local SMTP server that holds the officer's email in DATA until the test lets it go (so the job is mid-send
when the worker is killed). Every wait is bounded."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from rq.registry import StartedJobRegistry

from bot import create_app
from bot.platform.config import env_names
from tests.conftest import ROOT, free_port, inbound_form, post_signed, production_config, replies

RESIDENT = "+15558889999"
TIP = ["hola", "2", "me robaron la bici", "en el parque", "ayer", "saltar", "no", "no"]


class StallingMailServer:
    """Accepts mail, but holds each DATA until `release` is set; counts what was delivered."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.in_data = threading.Event()
        self.delivered: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.in_data.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        self.delivered.append(envelope.content)
        return "250 OK"


@pytest.fixture
def mail() -> Iterator[tuple[StallingMailServer, int]]:
    handler = StallingMailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


@pytest.fixture
def setup(redis_url, mail) -> dict[str, Any]:
    """An email-only officer line in production mode; the same settings as environment for worker.py."""
    handler, port = mail
    settings = production_config(redis_url, officer_numbers="", officer_emails="duty@example.org",
                                 smtp_url=f"smtp://127.0.0.1:{port}", email_from="tips@example.org")
    names = env_names()
    env = {k: v for k, v in os.environ.items() if k not in names.values()}
    env.update({names[key]: str(value) for key, value in settings.items()})
    return {"app": create_app(settings), "env": env, "mail": handler}


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def submit_tip(app) -> str:
    client = app.test_client()
    texts: list[str] = []
    for body in TIP:
        texts = replies(post_signed(client, inbound_form(RESIDENT, body)))
    return re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)


def mid_send(setup: dict[str, Any]) -> tuple[str, subprocess.Popen]:
    """A tip is submitted and a fresh worker is held in the middle of emailing it: (tip code, the worker)."""
    code = submit_tip(setup["app"])
    worker = start_worker(setup["env"])
    try:
        wait_for(setup["mail"].in_data.is_set, 20, "the officer email to be mid-send")
    except AssertionError:
        stop(worker)
        raise
    return code, worker


def abandoned_jobs_are_noticed(app) -> None:
    """What a surviving worker's maintenance pass does once the dead worker's job has expired."""
    line = app.extensions["linea"]
    with app.app_context():
        StartedJobRegistry(queue=line.queue).cleanup(timestamp=time.time() + 10 ** 6)


def test_a_worker_killed_mid_send_is_retried_and_the_tip_delivered(setup):
    app, mail = setup["app"], setup["mail"]
    code, worker = mid_send(setup)
    try:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work-horse die mid-job
        worker.wait(timeout=10)
    finally:
        stop(worker)
    line = app.extensions["linea"]
    assert line.tips.get(code).notifications == {} and mail.delivered == []
    abandoned_jobs_are_noticed(app)
    mail.release.set()
    worker = start_worker(setup["env"])
    try:
        wait_for(lambda: line.tips.get(code).delivery == "delivered", 30, "the retried job to deliver the tip")
    finally:
        stop(worker)
    assert list(line.tips.get(code).notifications.values()) == ["sent (email)"]
    assert len(mail.delivered) == 1 and code.encode() in mail.delivered[0]


def test_a_job_that_dies_on_its_last_try_leaves_the_tip_flagged_undelivered(setup):
    app = setup["app"]
    code, worker = mid_send(setup)
    try:
        line = app.extensions["linea"]
        (job_id,) = StartedJobRegistry(queue=line.queue).get_job_ids()
        job = line.queue.fetch_job(job_id)
        job.retries_left = 0  # as if this were the last of its retries
        job.save()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)
    abandoned_jobs_are_noticed(app)
    tip = line.tips.get(code)
    assert tip.delivery == "undelivered" and list(tip.notifications.values()) == ["failed: worker died"]


def test_a_warm_shutdown_finishes_the_current_job(setup):
    app, mail = setup["app"], setup["mail"]
    code, worker = mid_send(setup)
    try:
        worker.send_signal(signal.SIGTERM)  # RQ's warm shutdown: finish the job, then exit
        time.sleep(0.5)
        assert worker.poll() is None  # still finishing
        mail.release.set()
        assert worker.wait(timeout=20) == 0
    finally:
        stop(worker)
    line = app.extensions["linea"]
    assert list(line.tips.get(code).notifications.values()) == ["sent (email)"] and len(mail.delivered) == 1
