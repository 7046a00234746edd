"""Two web processes and two RQ worker processes sharing one real redis-server: parallel residents."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ENV_NAMES, ROOT, free_port, wait_until_healthy

SPANISH = ["hola", "2", "me robaron la cartera en la parada", "Main y 5", "ayer", "dos hombres", "no", "no"]
ENGLISH = ["hello", "2", "somebody broke into my truck", "Elm and 3rd", "last night", "skip", "no", "2"]
CODE = re.compile(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")


def post(port: int, sender: str, body: str, sid: str) -> list[str]:
    data = urllib.parse.urlencode({"From": sender, "To": "+15550009999", "Body": body, "MessageSid": sid}).encode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/twilio/messages", data=data, timeout=15) as response:
        assert response.status == 200
        return [m.text or "" for m in ET.fromstring(response.read()).iter("Message")]


@pytest.fixture
def cluster(redis_url):
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(LINE_MODE="local", REDIS_URL=redis_url)
    ports = [free_port(), free_port()]
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    processes = [subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
                                   "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for port in ports]
    processes += [subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        for port in ports:
            wait_until_healthy(port)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_parallel_residents_across_processes_get_their_language_and_one_tip_each(cluster):
    residents = [(f"+1555300{n:04d}", SPANISH if n % 2 else ENGLISH) for n in range(12)]
    results: dict[str, list[list[str]]] = {}
    errors: list[BaseException] = []

    def converse(index: int, sender: str, script: list[str]) -> None:
        try:
            # every message of a conversation goes to the web process the previous one did not
            results[sender] = [post(cluster[(index + step) % 2], sender, body, f"SM{index:04d}{step:04d}")
                               for step, body in enumerate(script)]
            # Twilio redelivers the last message: answered again, applied once
            again = post(cluster[index % 2], sender, script[-1], f"SM{index:04d}{len(script) - 1:04d}")
            assert again == results[sender][-1]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=converse, args=(i, s, script)) for i, (s, script) in enumerate(residents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    codes = []
    for sender, script in residents:
        replies = results[sender]
        spanish = script is SPANISH
        assert replies[0][0].startswith("Hola. Esta es la línea" if spanish else "Hello. This is the police tip line")
        assert ("Su código es" if spanish else "Your tip code is") in replies[-1][0]
        codes.append(CODE.search(replies[-1][0]).group(0))
    assert len(set(codes)) == len(residents)

    outbox = []
    for _ in range(400):  # the two workers deliver every tip to the one local officer
        with urllib.request.urlopen(f"http://127.0.0.1:{cluster[0]}/simulator/outbox.json", timeout=5) as response:
            outbox = json.loads(response.read())
        if len(outbox) >= len(residents):
            break
        time.sleep(0.05)
    delivered = [CODE.search(entry["body"]).group(0) for entry in outbox]
    assert sorted(delivered) == sorted(codes)  # every tip once, none twice
    for entry in outbox:
        assert "5553000" not in entry["body"]
