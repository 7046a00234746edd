"""Benchmark: webhook throughput and latency of the line against a bare Flask+Redis baseline, same run.

    .venv/bin/python bench/webhook.py [--conversations 300] [--rounds 5] [--connections 8] [--rate 200]

Both apps run under gunicorn with the README's settings (--workers 2 --threads 4) against one private
redis-server. The load is full conversations (English and Spanish, with a tip interview), sent as
correctly signed Twilio requests over keep-alive connections on loopback. Prints messages/s and
p50/p95/p99 latency for each, and the ratios. Twilio's REST API is not involved (replies are TwiML).

--rate R adds an open-loop round: messages are offered at R per second on a fixed schedule (conversations
interleaved, so each one's messages stay in order), and each latency is measured from the moment the
message was due, so a slow server cannot hide its queueing delay (no coordinated omission).
"""
from __future__ import annotations

import argparse
import http.client
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from twilio.request_validator import RequestValidator  # noqa: E402

TOKEN = "bench-auth-token-0123456789abcdef"
BASE = "https://bench.example.test"
# Conversation scripts; {what}, {where}, {when} and {who} are free text that differs from one conversation to the
# next (what: the labelled tips in tests/data, in the conversation's language), as residents' answers do, so
# that no cache of the line is flattered by 300 identical conversations.
SPANISH = ["hola", "2", "{what}", "{where}", "{when}", "{who}", "no", "2"]
ENGLISH = ["hello", "1", "2", "{what}", "skip", "{when}", "{who}", "no", "2"]
OPENERS = {"es": ["", "buenas, ", "oiga ", "hola, quiero decir que "], "en": ["", "hi, ", "so ", "hello, i want to say "]}
STREETS = {"es": ["Main y {n}", "calle {n} con Roble", "cerca de la parada de la {n}", "en la tienda de la avenida {n}"],
           "en": ["Main and {n}th", "{n} Oak St", "by the bus stop on {n}th", "the store on {n}th avenue"]}
TIMES = {"es": ["ayer en la noche", "hoy como a las {h}", "el viernes a las {h} de la tarde", "hace {d} dias"],
         "en": ["last night", "today around {h}", "friday at {h} pm", "{d} days ago"]}
PEOPLE = {"es": ["dos hombres", "un señor de gorra roja", "{d} muchachos en un carro gris", "no los vi bien"],
          "en": ["two men", "a guy in a red cap", "{d} young guys in a gray car", "didnt see them well"]}


def labelled_tips(language: str) -> list[str]:
    """The labelled tip messages of one language in tests/data (sorted, so every run sends the same ones)."""
    found = set()
    data = os.path.join(ROOT, "tests", "data")
    for name in sorted(os.listdir(data)):
        if name.endswith(".tsv"):
            with open(os.path.join(data, name), encoding="utf-8") as handle:
                for row in handle:
                    lang, intent, text = (row.rstrip("\n").split("\t") + ["", ""])[:3]
                    if lang == language and intent == "tip" and text:
                        found.add(text)
    return sorted(found)


def answers(language: str, serial: int, tips: list[str]) -> dict[str, str]:
    """The free-text answers of conversation number `serial` (different for each conversation)."""
    n, h, d = 1 + serial % 97, 1 + serial % 12, 2 + serial % 9
    opener = OPENERS[language][serial // len(tips) % len(OPENERS[language])]
    return {"what": opener + tips[serial % len(tips)],
            "where": STREETS[language][serial % 4].format(n=n),
            "when": TIMES[language][serial // 4 % 4].format(h=h, d=d),
            "who": PEOPLE[language][serial // 16 % 4].format(d=d)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(port: int, path: str, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def start_gunicorn(module: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    command = [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
               "--threads", "4", "--timeout", "20", "--log-level", "warning", module]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def requests_for(conversations: int, round_no: int = 0) -> list[list[tuple[str, str]]]:
    """Per conversation, the (body, signature) pairs to send in order; every round has its own residents,
    MessageSids and free-text answers, so no message is ever a repeat (a repeat is answered from the dedupe
    mark, not handled)."""
    validator = RequestValidator(TOKEN)
    tips = {language: labelled_tips(language) for language in ("es", "en")}
    plans = []
    for n in range(conversations):
        sender = f"+1{round_no:03d}{n:07d}"
        language = "es" if n % 2 else "en"
        free = answers(language, round_no * conversations // 2 + n // 2, tips[language])
        plan = []
        for i, text in enumerate(SPANISH if language == "es" else ENGLISH):
            form = {"From": sender, "To": "+15550009999", "Body": text.format(**free),
                    "MessageSid": f"SM{round_no:04d}{n:012d}{i:016d}",
                    "NumMedia": "0", "AccountSid": "AC" + "0" * 32}
            plan.append((urllib.parse.urlencode(form), validator.compute_signature(BASE + "/twilio/messages", form)))
        plans.append(plan)
    return plans


def post(conn: http.client.HTTPConnection, body: str, signature: str) -> int:
    """POST one signed webhook request on a keep-alive connection; return the HTTP status."""
    conn.request("POST", "/twilio/messages", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
    response = conn.getresponse()
    response.read()
    return response.status


def in_threads(target, count: int) -> None:
    """Run `count` threads of target and wait for all of them."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_load(port: int, plans: list[list[tuple[str, str]]], connections: int) -> tuple[float, list[float]]:
    """Send every conversation (each in order) over `connections` keep-alive connections."""
    work: queue.Queue = queue.Queue()
    for plan in plans:
        work.put(plan)
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        mine = []
        while True:
            try:
                plan = work.get_nowait()
            except queue.Empty:
                break
            for body, signature in plan:
                started = time.perf_counter()
                status = post(conn, body, signature)
                mine.append(time.perf_counter() - started)
                if status != 200:
                    errors.append(str(status))
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    in_threads(client, connections)
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. HTTP {errors[0]}")
    return elapsed, latencies


def run_open_loop(port: int, plans: list[list[tuple[str, str]]], rate: float, senders: int = 32) -> list[float]:
    """Offer messages at `rate` per second on a fixed schedule; return latencies from each due time."""
    width = len(plans)
    slots = [(j * width + n, plan[j]) for n, plan in enumerate(plans) for j in range(len(plan))]
    slots.sort()
    work: queue.Queue = queue.Queue()
    for item in slots:
        work.put(item)
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []
    start = time.perf_counter() + 0.2

    def sender() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        mine = []
        while True:
            try:
                slot, (body, signature) = work.get_nowait()
            except queue.Empty:
                break
            due = start + slot / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status = post(conn, body, signature)
            mine.append(time.perf_counter() - due)
            if status != 200:
                errors.append(str(status))
        with lock:
            latencies.extend(mine)

    in_threads(sender, senders)
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. HTTP {errors[0]}")
    return latencies


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per app, alternating")
    parser.add_argument("--rate", type=float, default=0.0, help="also offer messages open-loop at this rate")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="linea-bench-")
    redis_port = free_port()
    redis_proc = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--dir", workdir,
                                   "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TWILIO_"))}
    env.update(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", TWILIO_ACCOUNT_SID="AC" + "0" * 32,
               TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=BASE, OFFICER_NUMBERS="+15550001111",
               LINE_REDIS_CHECK="off",  # no AOF for either app: the same Redis setup for line and baseline
               LINE_HASH_SECRET="bench-hash-secret-0123456789", TWILIO_SMS_FROM="+15550009999",
               PYTHONPATH=os.path.join(ROOT, "bench"))
    ports = {"line": free_port(), "baseline": free_port()}
    servers = {"line": start_gunicorn("wsgi:app", ports["line"], env),
               "baseline": start_gunicorn("baseline_app:app", ports["baseline"], env)}
    try:
        wait_http(ports["line"], "/healthz")
        wait_http(ports["baseline"], "/")
        for n, name in enumerate(("baseline", "line")):  # warm-up rounds, not counted
            run_load(ports[name], requests_for(args.conversations, 900 + n), args.connections)
        results: dict[str, tuple[float, list[float]]] = {"baseline": (0.0, []), "line": (0.0, [])}
        ratios = []
        for r in range(args.rounds):  # alternate, so that drift of the machine hits both alike
            rates = {}
            for n, name in enumerate(("baseline", "line")):
                elapsed, latencies = run_load(ports[name], requests_for(args.conversations, 2 * r + n),
                                              args.connections)
                rates[name] = len(latencies) / elapsed
                results[name] = (results[name][0] + elapsed, results[name][1] + latencies)
            ratios.append(rates["line"] / rates["baseline"])
        print(f"{args.conversations} conversations x {args.rounds} rounds, {len(results['line'][1])} signed "
              f"messages per app, {args.connections} connections, gunicorn --workers 2 --threads 4, "
              f"{os.cpu_count()} CPUs")
        print(f"{'':10}{'msg/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for name, (elapsed, lat) in results.items():
            print(f"{name:10}{len(lat) / elapsed:9.0f}{percentile(lat, 50)*1000:9.1f}{percentile(lat, 95)*1000:9.1f}"
                  f"{percentile(lat, 99)*1000:9.1f}")
        print("throughput ratio line/baseline per round: " + " ".join(f"{x:.2f}" for x in ratios))
        print(f"throughput ratio line/baseline (median of rounds): {statistics.median(ratios):.2f}")
        p99 = {name: percentile(latencies, 99) for name, (_, latencies) in results.items()}
        print(f"p99 ratio line/baseline: {p99['line'] / p99['baseline']:.2f}")
        if args.rate:
            offered = {}
            for name in ("baseline", "line"):
                offered[name] = run_open_loop(ports[name], requests_for(args.conversations, 950 + len(offered)),
                                              args.rate)
            print(f"open loop at {args.rate:.0f} msg/s offered ({len(offered['line'])} messages each), latency "
                  "from each message's due time:")
            for name, lat in offered.items():
                print(f"{name:10}{'':9}{percentile(lat, 50)*1000:9.1f}{percentile(lat, 95)*1000:9.1f}"
                      f"{percentile(lat, 99)*1000:9.1f}")
    finally:
        for proc in list(servers.values()) + [redis_proc]:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
