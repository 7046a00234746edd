"""The start script as a department runs it: a plain `kill -TERM` stops everything it started, and
`./line.sh flask ...` in a new shell finds the line that `start` started (real redis-server, gunicorn, worker)."""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time

import redis

from tests.conftest import ENV_NAMES, PASSWORD, ROOT, free_port, wait_until_healthy

SCRIPT = os.path.join(ROOT, "line.sh")


def children(pid: int) -> list[int]:
    """Every process below pid (children, grandchildren...)."""
    found, todo = [], [pid]
    while todo:
        listed = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True).stdout.split()
        found += [int(p) for p in listed]
        todo += [int(p) for p in listed]
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:  # a zombie has finished
        return handle.read().split(")")[-1].split()[0] != "Z"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES and k not in ("PORT", "BIND")}
    env.update(extra)
    return env


def test_start_records_its_settings_and_kill_term_stops_the_web_app_and_the_worker(redis_url):
    run_dir = tempfile.mkdtemp(prefix="linea-run-")
    port = free_port()
    env = clean_env(LINE_MODE="local", REDIS_URL=redis_url, PORT=str(port), WEB_CONCURRENCY="1",
                    LINE_RUN_DIR=run_dir, LINE_SPOOL_DIR=os.path.join(run_dir, "spool"))
    log = open(os.path.join(run_dir, "start.log"), "wb")
    started = subprocess.Popen([SCRIPT, "start"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(port, seconds=60)
        below = children(started.pid)
        commands = [open(f"/proc/{p}/cmdline").read().replace("\0", " ") for p in below]
        assert any("gunicorn" in c for c in commands) and any("worker.py" in c for c in commands), commands
        with open(os.path.join(run_dir, "line.env")) as handle:
            assert handle.read() == f"LINE_MODE=local\nREDIS_URL={redis_url}\n"

        # A new shell: none of the line's variables, yet the account lands in the line's own Redis.
        created = subprocess.run([SCRIPT, "flask", "users", "create", "maria", "--role", "admin"], cwd=ROOT,
                                 env=clean_env(LINE_RUN_DIR=run_dir), input=PASSWORD + "\n", capture_output=True,
                                 text=True, timeout=120)
        assert created.returncode == 0, created.stderr
        assert created.stdout.strip() == "created admin 'maria'" and "Warning" not in created.stderr
        assert redis.Redis.from_url(redis_url).exists("ls:user:maria")

        started.send_signal(signal.SIGTERM)
        assert started.wait(timeout=30) != 0
        deadline = time.monotonic() + 15
        while any(alive(p) for p in below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in below if alive(p)], "processes left running after kill -TERM"
    finally:
        if started.poll() is None:
            started.kill()
        for pid in children(started.pid):
            os.kill(pid, signal.SIGKILL)
        log.close()
