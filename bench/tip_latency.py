"""Benchmark: tip latency, from the webhook receiving a tip's last answer to the officer notification's hand-off.

    .venv/bin/python bench/tip_latency.py [--tips 100] [--rate 10] [--warmup 10]

The line runs in local mode (LINE_MODE=local) under gunicorn (--workers 2 --threads 4) with ONE
`python worker.py` process, against a private redis-server. Local mode hands officer notifications to
OutboxSender, which pushes them onto the Redis list ls:outbox with "at" = the worker's time.time(): that
push stands in for the hand-off to Twilio's REST client (Twilio is never called). Every conversation is
first brought up to the last interview question; then the last answers ("no") are sent one at a time at
--rate per second, so this measures latency, not queueing. Latency = outbox entry "at" minus the wall
time just before the POST of "no" (one clock: same machine). The tip goes through two RQ jobs
(deliver_tip, then notify_officer).

Baseline, same run, same Redis, same RQ Worker class (forking, JSON serializer, with its scheduler): a
second worker process on the queue "bench" runs stamp() below, which returns time.time(); baseline
latency = that minus the wall time just before the enqueue, also at --rate per second.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

import redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FinishedJobRegistry
from rq.serializers import JSONSerializer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
CODE_RE = re.compile(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")
INTERVIEW = ["hello", "2", "someone broke into my car", "Elm and 3rd", "last night", "skip", "no"]
LAST_ANSWER = "no"
OUTBOX_KEY = "ls:outbox"  # bot.channels.outbox.OUTBOX_KEY (kept literal: this module is imported by the bench worker)
BENCH_QUEUE = "bench"
TARGET_P50, TARGET_P99 = 0.250, 1.0  # seconds, from the issue


def stamp() -> float:
    """The baseline job: when did a worker start running it?"""
    return time.time()


BASELINE_WORKER = f"""
import os
from redis import Redis
from rq import Queue, Worker
from rq.serializers import JSONSerializer
client = Redis.from_url(os.environ["REDIS_URL"])
queue = Queue({BENCH_QUEUE!r}, connection=client, serializer=JSONSerializer)
Worker([queue], connection=client, serializer=JSONSerializer).work(with_scheduler=True)
"""


# --- processes -------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Every child process started here, each in its own session, stopped in reverse order."""

    def __init__(self, workdir: str) -> None:
        self.workdir = workdir
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(os.path.join(self.workdir, f"{name}.log"), "wb") as log:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.started.append((name, proc))
        return proc

    def check_alive(self) -> None:
        for name, proc in self.started:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 15) -> str:
        try:
            with open(os.path.join(self.workdir, f"{name}.log"), encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop_all(self) -> None:
        for _name, proc in reversed(self.started):
            if proc.poll() is None:
                proc.terminate()
        for _name, proc in reversed(self.started):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            # Anything the process left in its own group (RQ's scheduler process, a work horse): kill it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)


def wait_until(predicate, timeout: float, what: str, procs: Processes, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check_alive()
        try:
            if predicate():
                return
        except (OSError, redis.RedisError):
            pass
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def http_ok(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    finally:
        conn.close()


# --- the line --------------------------------------------------------------------------------------------
class Webhook:
    """One keep-alive connection to the line's webhook (unsigned: local mode)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)

    def post(self, sender: str, body: str) -> str:
        form = {"From": sender, "To": "+15550009999", "Body": body, "NumMedia": "0",
                "MessageSid": "SM" + uuid.uuid4().hex,
                "AccountSid": "AC" + "0" * 32}
        for attempt in range(2):  # one reconnect if the server closed an idle keep-alive connection
            try:
                self.conn.request("POST", "/twilio/messages", body=urllib.parse.urlencode(form),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
                response = self.conn.getresponse()
                text = response.read().decode("utf-8")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                if attempt:
                    raise
        if response.status != 200:
            raise RuntimeError(f"webhook answered HTTP {response.status}: {text[:200]}")
        return text

    def close(self) -> None:
        self.conn.close()


class OutboxWatcher(threading.Thread):
    """Reads ls:outbox a few times a second; keeps each tip code's earliest hand-off time ("at")."""

    def __init__(self, client) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.seen: set[str] = set()
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def poll(self) -> None:
        for raw in self.client.lrange(OUTBOX_KEY, 0, -1):
            entry = json.loads(raw)
            if entry["id"] in self.seen:
                continue
            self.seen.add(entry["id"])
            match = CODE_RE.search(entry.get("body", ""))
            if match:
                with self.lock:
                    code = match.group(0)
                    self.at[code] = min(self.at.get(code, float("inf")), float(entry["at"]))

    def run(self) -> None:
        while not self.stopping.wait(0.1):
            self.poll()

    def get(self, code: str) -> float | None:
        with self.lock:
            return self.at.get(code)


def line_round(port: int, watcher: OutboxWatcher, tips: int, rate: float, tag: str,
               procs: Processes) -> tuple[list[float], dict[str, float], float]:
    """Stage `tips` conversations at the last question, then send the last answers at `rate` per second."""
    senders = [f"+1555{tag}{n:06d}" for n in range(tips)]
    stage_threads = 4
    errors: list[BaseException] = []

    def stage(part: list[str]) -> None:
        hook = Webhook(port)
        try:
            for sender in part:
                for text in INTERVIEW:
                    hook.post(sender, text)
        except (OSError, RuntimeError, http.client.HTTPException) as exc:  # reported below
            errors.append(exc)
        finally:
            hook.close()

    threads = [threading.Thread(target=stage, args=(senders[i::stage_threads],)) for i in range(stage_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors or any(t.is_alive() for t in threads):
        raise RuntimeError(f"staging the interviews failed: {errors[0] if errors else 'timeout'}")

    hook = Webhook(port)
    sent_at: dict[str, float] = {}
    start = time.time()
    try:
        for n, sender in enumerate(senders):
            delay = start + n / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            t0 = time.time()
            reply = hook.post(sender, LAST_ANSWER)
            match = CODE_RE.search(reply)
            if not match:
                raise RuntimeError(f"no tip code in the reply to the last answer: {reply[:300]}")
            sent_at[match.group(0)] = t0
    finally:
        hook.close()
    span = time.time() - start
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(watcher.get(c) is None for c in sent_at):
        procs.check_alive()
        time.sleep(0.1)
    missing = [c for c in sent_at if watcher.get(c) is None]
    if missing:
        raise RuntimeError(f"{len(missing)} of {len(sent_at)} notifications never reached the outbox within 30 s "
                           f"after the last send (e.g. {missing[0]})\n{procs.tail('worker')}")
    return [watcher.get(c) - t for c, t in sent_at.items()], sent_at, (len(senders) - 1) / span if span else 0.0


# --- the baseline ----------------------------------------------------------------------------------------
def baseline_round(queue, jobs: int, rate: float, procs: Processes) -> list[float]:
    pending: list[tuple[Job, float]] = []
    start = time.time()
    for n in range(jobs):
        delay = start + n / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        t0 = time.time()
        pending.append((queue.enqueue_call("tip_latency.stamp", result_ttl=600), t0))
    latencies = []
    deadline = time.monotonic() + 30
    for job, t0 in pending:
        while True:
            value = job.return_value(refresh=True)
            if value is not None:
                latencies.append(float(value) - t0)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"baseline job {job.id} status {job.get_status()} after 30 s\n"
                                   f"{procs.tail('baseline-worker')}")
            procs.check_alive()
            time.sleep(0.05)
    return latencies


# --- where a tip's time goes -----------------------------------------------------------------------------
def breakdown(client, queue_name: str, sent_at: dict[str, float], handed: dict[str, float]) -> dict[str, list]:
    """Per tip, from RQ's job records (enqueued_at; started_at is stamped in the work horse after the fork)."""
    queue = Queue(queue_name, connection=client, serializer=JSONSerializer)
    ids = FinishedJobRegistry(queue=queue).get_job_ids()
    jobs: dict[tuple[str, str], Job] = {}
    for job in Job.fetch_many(ids, connection=client, serializer=JSONSerializer):
        if job is not None and job.args:
            jobs[(job.func_name.rsplit(".", 1)[-1], job.args[0])] = job
    stages: dict[str, list[float]] = {k: [] for k in (
        "POST -> deliver_tip enqueued (webhook)", "deliver_tip enqueued -> started (dequeue, fork)",
        "deliver_tip started -> notify_officer enqueued", "notify_officer enqueued -> started (dequeue, fork)",
        "notify_officer started -> outbox hand-off")}
    names = list(stages)
    for code, t0 in sent_at.items():
        deliver, notify = jobs.get(("deliver_tip", code)), jobs.get(("notify_officer", code))
        if deliver is None or notify is None:
            continue
        points = [t0, deliver.enqueued_at.timestamp(), deliver.started_at.timestamp(),
                  notify.enqueued_at.timestamp(), notify.started_at.timestamp(), handed[code]]
        for name, a, b in zip(names, points, points[1:], strict=False):
            stages[name].append(b - a)
    return stages


# --- report ----------------------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=100, help="measured tips (and baseline jobs)")
    parser.add_argument("--rate", type=float, default=10.0, help="last answers (and baseline jobs) per second")
    parser.add_argument("--warmup", type=int, default=10, help="tips and baseline jobs sent first, not counted")
    args = parser.parse_args()
    if args.tips < 2 or args.rate <= 0 or args.tips > 400:
        parser.error("--tips must be 2..400 (the outbox keeps 500 entries) and --rate positive")

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)  # so `finally` stops every child on kill, too
    workdir = tempfile.mkdtemp(prefix="linea-bench-tip-")
    procs = Processes(workdir)
    watcher = None
    try:
        redis_port = free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        procs.start("redis", [shutil.which("redis-server") or "redis-server", "--port", str(redis_port),
                              "--bind", "127.0.0.1", "--dir", workdir, "--save", "", "--appendonly", "no",
                              "--daemonize", "no"], dict(os.environ))
        client = redis.Redis.from_url(redis_url)
        wait_until(client.ping, 10, "redis-server", procs, interval=0.02)

        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LINE_", "TWILIO_")) and k not in ("OFFICER_NUMBERS", "PUBLIC_BASE_URL")}
        env.update(LINE_MODE="local", REDIS_URL=redis_url)
        web_port = free_port()
        procs.start("gunicorn", [os.path.join(VENV_BIN, "gunicorn"), "--bind", f"127.0.0.1:{web_port}",
                                 "--workers", "2", "--threads", "4", "--timeout", "20", "--log-level", "warning",
                                 "wsgi:app"], env)
        procs.start("worker", [os.path.join(VENV_BIN, "python"), "worker.py"], env)
        procs.start("baseline-worker", [os.path.join(VENV_BIN, "python"), "-c", BASELINE_WORKER],
                    dict(env, PYTHONPATH=os.path.join(ROOT, "bench")))

        line_queue = Queue("linea", connection=client, serializer=JSONSerializer)
        bench_queue = Queue(BENCH_QUEUE, connection=client, serializer=JSONSerializer)
        wait_until(lambda: http_ok(web_port, "/healthz"), 30, "gunicorn /healthz", procs)
        wait_until(lambda: Worker.count(queue=line_queue) >= 1 and Worker.count(queue=bench_queue) >= 1, 30,
                   "both RQ workers to register", procs)

        watcher = OutboxWatcher(client)
        watcher.start()
        if args.warmup:
            baseline_round(bench_queue, args.warmup, args.rate, procs)
            line_round(web_port, watcher, args.warmup, args.rate, "9", procs)
        base = baseline_round(bench_queue, args.tips, args.rate, procs)
        line, sent_at, achieved = line_round(web_port, watcher, args.tips, args.rate, "1", procs)
        stages = breakdown(client, line_queue.name, sent_at, {c: watcher.get(c) for c in sent_at})
        procs.check_alive()

        print(f"tip latency: webhook gets the last answer -> officer notification handed to the (faked) Twilio "
              f"client; {args.tips} tips, {args.warmup} warm-up not counted")
        print(f"date {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, "
              f"redis-server on loopback, gunicorn --workers 2 --threads 4, ONE `python worker.py`")
        print("local mode (LINE_MODE=local): the hand-off is OutboxSender.send() pushing onto the Redis list "
              "ls:outbox; its 'at' (worker's time.time()) is the end point; Twilio's REST API is never called")
        print(f"last answers sent one at a time at {args.rate:g}/s (achieved {achieved:.1f}/s); every conversation "
              f"was first brought to the last question; a tip = 2 RQ jobs (deliver_tip, notify_officer)")
        print(f"baseline: RQ round trip, enqueue -> trivial job running (returns time.time()), queue '{BENCH_QUEUE}', "
              f"its own worker process (same Worker class, JSON serializer, scheduler on), same rate")
        print()
        print(f"{'':22}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
        for name, values in (("baseline (1 RQ job)", base), ("line (tip -> officer)", line)):
            print(f"{name:22}{len(values):5d}{percentile(values, 50)*1000:9.1f}{percentile(values, 95)*1000:9.1f}"
                  f"{percentile(values, 99)*1000:9.1f}{max(values)*1000:9.1f}")
        print("ratio line/baseline:  " + "  ".join(
            f"p{p} {percentile(line, p) / percentile(base, p):.1f}" for p in (50, 95, 99)))
        p50, p99 = percentile(line, 50), percentile(line, 99)
        print(f"targets (issue): p50 < {TARGET_P50*1000:.0f} ms: {'met' if p50 < TARGET_P50 else 'NOT met'} "
              f"({p50*1000:.1f} ms); p99 < {TARGET_P99*1000:.0f} ms: {'met' if p99 < TARGET_P99 else 'NOT met'} "
              f"({p99*1000:.1f} ms)")
        if stages and all(stages.values()):
            print()
            print("where a tip's time goes (RQ job records; started = in the work horse, after the fork)")
            print(f"{'':52}{'p50 ms':>9}{'p95 ms':>9}")
            for name, values in stages.items():
                print(f"{name:52}{percentile(values, 50)*1000:9.1f}{percentile(values, 95)*1000:9.1f}")
    finally:
        if watcher is not None:
            watcher.stopping.set()
            watcher.join(timeout=2)
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
