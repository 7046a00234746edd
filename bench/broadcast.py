"""Benchmark: one community alert to many subscribers through a fake Twilio HTTP layer, with 1, 2 and 4 workers.

    .venv/bin/python bench/broadcast.py [--subscribers 50000] [--workers 1,2,4] [--latency 0.004] [--rate 400]
                                        [--chunk 500]

One private redis-server (free port, temporary directory, no persistence). The subscribers are written straight
into Redis in the line's own format (consent record, Fernet-encrypted address, language set), as the Line writes
them when a resident texts ALERTAS. For each number of workers a new alert to everyone is approved and started
(the audience is cut into chunks in this process), then that many worker processes (RQ SimpleWorker, burst, the
line built by create_app in production mode with fake credentials) send it. Their Twilio HTTP layer is a fake
that waits --latency seconds per request (the API's round trip) and counts each recipient in a separate Redis
database, so the benchmark can check that nobody got the alert twice.

Prints, per worker count: messages per second (first to last request at the fake layer), the ratio to 1 worker
(the baseline, measured in the same run), and the configured rate limit (LINE_ALERT_RATE, shared by all workers
through Redis): throughput should grow with workers until it meets the limit. Then Redis memory per subscriber
(used_memory before and after writing them, and MEMORY USAGE of one record), and the duplicate check.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # leave no __pycache__ behind in the working tree
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import redis  # noqa: E402
from twilio.http import HttpClient  # noqa: E402
from twilio.http.response import Response as TwilioResponse  # noqa: E402

from bot import create_app  # noqa: E402
from bot.broadcasts.subscribers import Subscriber  # noqa: E402
from bot.platform.keys import sender_id  # noqa: E402

SETTINGS = {"mode": "production", "twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "bench-token-0123456789",
            "public_base_url": "https://bench.example.test", "officer_numbers": "+15550001111",
            "hash_secret": "bench-hash-secret-0123456789", "sms_from": "+15550009999",
            "whatsapp_from": "whatsapp:+15550009999", "redis_check": "off", "alert_quiet_hours": "off"}
BATCH = 2000


class FakeTwilio(HttpClient):
    """Twilio's Messages API faked: waits `latency` s per request, counts each recipient in Redis db 1."""

    def __init__(self, counter: redis.Redis, latency: float) -> None:
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.counter = counter
        self.latency = latency
        self.first = self.last = 0.0
        self.count = 0

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        time.sleep(self.latency)
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.count += 1
        self.counter.hincrby("got", (data or {}).get("To", "?"), 1)
        body = {"sid": f"SM{os.getpid():08x}{self.count:024x}", "status": "queued"}
        return TwilioResponse(201, json.dumps(body))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis() -> tuple[subprocess.Popen, str, str]:
    directory = tempfile.mkdtemp(prefix="linea-bench-broadcast-")
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
                                "--save", "", "--appendonly", "no", "--logfile", ""],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.02)
    return process, url, directory


def run_worker(args: argparse.Namespace) -> None:
    """One worker process: the line's app with the fake Twilio layer, an RQ SimpleWorker in burst mode."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer
    logging.disable(logging.WARNING)
    counter = redis.Redis.from_url(args.redis.rsplit("/", 1)[0] + "/1")
    fake = FakeTwilio(counter, args.latency)
    app = create_app(dict(SETTINGS, redis_url=args.redis, alert_rate=args.rate, alert_chunk_size=args.chunk,
                          spool_dir=tempfile.mkdtemp(prefix="linea-bench-spool-"),
                          extra={"twilio_http_client": fake}))
    services = app.extensions["linea"]
    counter.incr("ready")
    while int(counter.get("go") or 0) == 0:
        time.sleep(0.01)
    with app.app_context():
        SimpleWorker([services.queue], connection=services.redis, serializer=JSONSerializer,
                     log_job_description=False).work(burst=True, logging_level="WARNING")
    print(json.dumps({"first": fake.first, "last": fake.last, "count": fake.count}))


def subscribe(services, count: int) -> None:
    secret = services.config.hash_secret
    now = time.time()
    for start in range(0, count, BATCH):
        with services.redis.pipeline(transaction=False) as pipe:
            for n in range(start, min(count, start + BATCH)):
                number = f"+1816{n:07d}"
                services.subscribers.join(pipe, sender_id(secret, number),
                                          Subscriber(number, "+15550009999", "es" if n % 3 else "en", "sms"), now,
                                          "flows.alerts_joined@r0")
            pipe.execute()


def one_round(services, url: str, args: argparse.Namespace, workers: int) -> dict:
    counter = redis.Redis.from_url(url.rsplit("/", 1)[0] + "/1")
    counter.flushdb()
    alert = services.broadcasts.create({"en": "Robberies near the food line at 24th and Quincy. Report safely: "
                                              "police never ask about status.",
                                        "es": "Robos cerca de la fila de comida en la 24 y Quincy. Denuncie sin "
                                              "miedo: la policía nunca pregunta por su estatus."}, "all", "ana")
    alert = services.broadcasts.approve(alert.id, "luis", services.broadcaster.starts_at(alert))
    planned = time.perf_counter()
    assert services.broadcaster.start(alert.id) == "sending"
    plan_seconds = time.perf_counter() - planned
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--redis", url, "--latency", str(args.latency),
               "--rate", str(args.rate), "--chunk", str(args.chunk)]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    while int(counter.get("ready") or 0) < workers:
        time.sleep(0.05)
    counter.set("go", 1)
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in processes]
    got = [int(v) for v in counter.hvals("got")]
    done = services.broadcasts.get(alert.id)
    first = min(r["first"] for r in results if r["count"])
    last = max(r["last"] for r in results)
    marks = sum(int(services.redis.memory_usage(services.broadcasts.key(alert.id, part)) or 0)
                for part in ("r", "sid", "n"))
    return {"workers": workers, "sent": sum(r["count"] for r in results), "rate": done.count("sent") / (last - first),
            "alert_bytes": marks / max(1, done.count("queued")),
            "recipients": len(got), "twice": sum(1 for n in got if n > 1), "status": done.status,
            "per_worker": [r["count"] for r in results], "plan_s": plan_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latency", type=float, default=0.004, help="seconds per fake Twilio request")
    parser.add_argument("--rate", type=float, default=400, help="LINE_ALERT_RATE: messages/s for the one sender")
    parser.add_argument("--chunk", type=int, default=500, help="LINE_ALERT_CHUNK")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    logging.disable(logging.WARNING)
    process, url, directory = start_redis()
    try:
        app = create_app(dict(SETTINGS, redis_url=url, alert_rate=args.rate, alert_chunk_size=args.chunk,
                              spool_dir=tempfile.mkdtemp(prefix="linea-bench-spool-")))
        services = app.extensions["linea"]
        client = services.redis
        before = int(client.info("memory")["used_memory"])
        subscribe(services, args.subscribers)
        after = int(client.info("memory")["used_memory"])
        one = next(iter(client.sscan_iter(services.subscribers.audience_key("es"), count=10)))
        record = int(client.memory_usage(services.subscribers.key(one.decode())))
        print(f"{args.subscribers} subscribers; fake Twilio latency {args.latency * 1000:.0f} ms; "
              f"LINE_ALERT_RATE {args.rate:g}/s; chunks of {args.chunk}")
        print(f"Redis memory per subscriber: {(after - before) / args.subscribers:.0f} B "
              f"(used_memory delta; one consent record: {record} B, plus its language-set member)")
        rounds = []
        for workers in [int(w) for w in args.workers.split(",")]:
            with app.app_context():
                result = one_round(services, url, args, workers)
            rounds.append(result)
            base = rounds[0]["rate"]
            print(f"{workers} worker(s): {result['rate']:7.1f} msg/s  ratio to 1 worker {result['rate'] / base:4.2f}  "
                  f"({result['rate'] / args.rate * 100:3.0f} % of the rate limit); sent {result['sent']} to "
                  f"{result['recipients']} recipients, {result['twice']} twice; per worker {result['per_worker']}; "
                  f"planning {result['plan_s']:.2f} s; alert {result['status']}, its marks "
                  f"{result['alert_bytes']:.0f} B per recipient")
        ok = all(r["twice"] == 0 and r["recipients"] == args.subscribers == r["sent"] for r in rounds)
        print("nobody got an alert twice, and everyone got each one" if ok else "DUPLICATES OR MISSING RECIPIENTS")
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
