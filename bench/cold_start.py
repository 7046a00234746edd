"""Benchmark: cold start of one process — import, create_app(), first and second request — against bare Flask.

    .venv/bin/python bench/cold_start.py [--runs 5]

Each run is a fresh `python -c` subprocess that times, with its own clock:
  import    `from bot import create_app` (baseline: `import flask`)
  create    `create_app()` in local mode, REDIS_URL pointing to a private redis-server
            (baseline: a bare Flask app with one route that answers a fixed TwiML); "line" reads the trained
            intent models from its cache (LINE_MODEL_CACHE, filled by the untimed run), "line, training" gets an
            empty cache every run, so it trains them as a first start or a changed training set does
  first     the first request through app.test_client(): POST /twilio/messages "hola" from a new sender
  second    a second request (another new sender, "buenas noches"; different text, so no per-text cache helps)
and the parent times the whole subprocess (interpreter start to exit). Runs of the line and of the baseline
alternate; one untimed run of each comes first, so both find .pyc files (kept in a temporary
PYTHONPYCACHEPREFIX, not in the working tree) and a warm OS file cache. Prints min / median / max per phase
and the line/baseline ratios.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
PHASES = ("import", "create", "first", "second")
CHILD_TIMEOUT = 60

# Both children print one JSON line with the phase times in seconds; anything else goes to stderr.
LINE_CHILD = r"""
import json, time
t0 = time.perf_counter()
from bot import create_app
t1 = time.perf_counter()
app = create_app()
t2 = time.perf_counter()
client = app.test_client()
def post(sender, body, sid):
    r = client.post("/twilio/messages", data={"From": sender, "To": "+15550009999", "Body": body,
                    "MessageSid": sid, "NumMedia": "0"})
    assert r.status_code == 200 and b"<Message>" in r.data and "procesarlo" not in r.get_data(as_text=True), r.data
post("+15558000001", "hola", "SM" + "1" * 32)
t3 = time.perf_counter()
post("+15558000002", "buenas noches", "SM" + "2" * 32)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "create": t2 - t1, "first": t3 - t2, "second": t4 - t3}))
"""

BASELINE_CHILD = r"""
import json, time
t0 = time.perf_counter()
import flask
t1 = time.perf_counter()
app = flask.Flask("baseline")
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'
@app.post("/twilio/messages")
def messages():
    flask.request.form.get("Body", "")
    return flask.Response(TWIML, mimetype="application/xml")
t2 = time.perf_counter()
client = app.test_client()
def post(sender, body, sid):
    r = client.post("/twilio/messages", data={"From": sender, "To": "+15550009999", "Body": body,
                    "MessageSid": sid, "NumMedia": "0"})
    assert r.status_code == 200 and b"<Message>" in r.data, r.data
post("+15558000001", "hola", "SM" + "1" * 32)
t3 = time.perf_counter()
post("+15558000002", "buenas noches", "SM" + "2" * 32)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "create": t2 - t1, "first": t3 - t2, "second": t4 - t3}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir,
                             "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(250):
        try:
            client.ping()
            return proc, url
        except redis.ConnectionError:
            time.sleep(0.02)
    proc.terminate()
    proc.wait(timeout=10)
    raise RuntimeError("redis-server did not start")


def run_child(code: str, env: dict[str, str]) -> dict[str, float]:
    """One fresh interpreter; its phase times plus the parent's wall time of the whole process."""
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", code], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=CHILD_TIMEOUT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-2000:]}")
    times = json.loads(done.stdout.strip().splitlines()[-1])
    times["process"] = wall
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.runs <= 50:
        parser.error("--runs must be between 1 and 50")
    sys.stdout.reconfigure(line_buffering=True)

    print(f"Cold start — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}, {args.runs} runs each (fresh processes, alternating)")
    workdir = tempfile.mkdtemp(prefix="linea-bench-cold-")
    redis_proc, url = start_redis(workdir)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TWILIO_", "PYTHON"))}
        env.update(LINE_MODE="local", REDIS_URL=url, PYTHONPATH=ROOT,
                   PYTHONPYCACHEPREFIX=os.path.join(workdir, "pycache"))
        env["LINE_MODEL_CACHE"] = os.path.join(workdir, "models")
        children = {"baseline": BASELINE_CHILD, "line": LINE_CHILD, "line, training": LINE_CHILD}

        def env_for(name: str) -> dict[str, str]:
            if name != "line, training":
                return env
            return {**env, "LINE_MODEL_CACHE": tempfile.mkdtemp(prefix="models-", dir=workdir)}  # empty

        for name, code in children.items():  # untimed: compile .pyc into the temporary prefix, warm the caches
            run_child(code, env_for(name))
        results: dict[str, list[dict[str, float]]] = {name: [] for name in children}
        for run in range(args.runs):
            for name, code in children.items():
                results[name].append(run_child(code, env_for(name)))
            redis.Redis.from_url(url).flushall()
            if run == 0 or run + 1 == args.runs:
                print(f"  .. run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)

        columns = PHASES + ("to 1st reply", "process")
        for rows in results.values():
            for row in rows:
                row["to 1st reply"] = row["import"] + row["create"] + row["first"]
        print(f"{'ms (min / median / max)':24}" + "".join(f"{c:>24}" for c in columns))
        for name, rows in results.items():
            cells = []
            for column in columns:
                values = [row[column] * 1000 for row in rows]
                cells.append(f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}")
            print(f"{name:24}" + "".join(f"{cell:>24}" for cell in cells))

        def median(name: str, column: str) -> float:
            return statistics.median(row[column] for row in results[name])

        print("ratio line/baseline (medians): " + ", ".join(
            f"{c} {median('line', c) / median('baseline', c):.1f}" for c in columns))
        print(f"create_app() with the cached models / training them (medians): "
              f"{median('line', 'create') / median('line, training', 'create'):.2f}")
        first, second = median("line", "first"), median("line", "second")
        print(f"line: create_app() takes {median('line', 'create') * 1000:.0f} ms (flows, translations, the language "
              f"model and the cached intent models, once per process); then the first request takes "
              f"{first * 1000:.1f} ms and the second {second * 1000:.1f} ms (bare Flask: "
              f"{median('baseline', 'first') * 1000:.1f} ms and {median('baseline', 'second') * 1000:.1f} ms)")
    finally:
        redis_proc.terminate()
        try:
            redis_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            redis_proc.kill()
            redis_proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
