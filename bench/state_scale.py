"""Benchmark: scale of state — Redis memory per conversation, and latency with many stored conversations and tips.

    .venv/bin/python bench/state_scale.py [--conversations 2000] [--tips 200] [--samples 500]
                                          [--load-conversations 100000] [--load-tips 10000]

The line runs in-process (create_app in production mode with fake credentials, every request correctly
signed, through Flask's test client) against one private redis-server (free port, temporary directory, no
persistence). Nothing reaches Twilio: replies are TwiML and officer jobs are only queued (no worker runs).

(a) Memory: `--conversations` residents each go to the middle of an interview ("hola", "2", a description),
    then `--tips` other residents go through a whole interview to a submitted tip. Prints used_memory (INFO)
    before/after divided by the count, and MEMORY USAGE of one key of each kind. Target: <= 2 KB a conversation.
(b) Latency: p50/p95/p99 of handling one message, each from a fresh sender, on an empty Redis (baseline),
    then with `--load-conversations` conversation states and `--load-tips` tips written straight into Redis
    in the line's own key formats, then on an empty Redis again (a check of drift within the run).
    Two kinds of message: a first "hola" (new conversation) and the last interview answer (submits a tip:
    tip record, tip index, RQ job). Target: no measurable growth.
"""
from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # leave no __pycache__ behind in the working tree
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import redis  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bot import create_app  # noqa: E402
from bot.engine import State  # noqa: E402
from bot.tips.repository import Tip, new_code  # noqa: E402

TOKEN = "bench-auth-token-0123456789abcdef"
BASE = "https://bench.example.test"
WEBHOOK = BASE + "/twilio/messages"
MIDDLE = ["hola", "2", "me robaron la cartera en la parada"]
WHOLE = ["hola", "2", "me robaron la cartera en la parada", "Main y 5", "ayer en la noche", "dos hombres", "no",
         "2"]
PIPELINE_BATCH = 2000
WARMUP = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


class RedisServer:
    """A private redis-server: free port, temporary directory, no RDB and no AOF."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="linea-bench-state-")
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--logfile", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        client = redis.Redis.from_url(self.url)
        for _ in range(250):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        else:
            self.stop()
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Resident:
    """Signed Twilio webhook requests from one sender (fresh MessageSid each time)."""

    validator = RequestValidator(TOKEN)
    sid_counter = 0

    def __init__(self, number: int) -> None:
        self.sender = f"+1557{number:07d}"

    def request(self, body: str) -> tuple[str, dict[str, str]]:
        """(url-encoded form, headers) for one message, computed before any timing starts."""
        Resident.sid_counter += 1
        form = {"MessageSid": f"SM{Resident.sid_counter:032x}", "AccountSid": "AC" + "0" * 32,
                "From": self.sender, "To": "+15550009999", "Body": body, "NumMedia": "0", "NumSegments": "1",
                "ApiVersion": "2010-04-01"}
        headers = {"X-Twilio-Signature": self.validator.compute_signature(WEBHOOK, form)}
        return urllib.parse.urlencode(form), headers


def post(client, prepared: tuple[str, dict[str, str]]) -> float:
    """POST one prepared request; return its duration in seconds; fail loudly on anything but a TwiML 200."""
    data, headers = prepared
    started = time.perf_counter()
    response = client.post("/twilio/messages", data=data, content_type="application/x-www-form-urlencoded",
                           headers=headers)
    elapsed = time.perf_counter() - started
    body = response.get_data(as_text=True)
    if response.status_code != 200 or "<Message>" not in body:
        raise RuntimeError(f"unexpected answer: HTTP {response.status_code} {body[:200]!r}")
    if "could not process it right now" in body:  # line.trouble (bilingual): Redis or the store failed
        raise RuntimeError(f"the line answered with its trouble message: {body[:200]!r}")
    return elapsed


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


SEEN_LABEL = "dedupe marks (ls:conv:{..}:seen)"
CATEGORIES = (("ls:conv:", "conversation state (ls:conv:{..})"), ("ls:conv:", SEEN_LABEL),
              ("ls:tips", "tip index (ls:tips zset)"), ("ls:tip:", "tip records (ls:tip:{CODE})"),
              ("rq:job:", "RQ jobs (rq:job:ID)"), ("rq:", "RQ queue/registries (rq:...)"), ("", "other"))


def key_census(client: redis.Redis) -> dict[str, tuple[int, int, bytes]]:
    """Per category: (number of keys, sum of MEMORY USAGE, one example key)."""
    keys = list(client.scan_iter(count=1000))
    sizes = []
    for start in range(0, len(keys), PIPELINE_BATCH):
        with client.pipeline(transaction=False) as pipe:
            for key in keys[start:start + PIPELINE_BATCH]:
                pipe.memory_usage(key, samples=0)
            sizes.extend(pipe.execute())
    census: dict[str, tuple[int, int, bytes]] = {}
    for key, size in zip(keys, sizes):
        text = key.decode()
        label = SEEN_LABEL if ":seen" in text else next(label for prefix, label in CATEGORIES
                                                           if text.startswith(prefix))
        count, total, example = census.get(label, (0, 0, key))
        census[label] = (count + 1, total + int(size or 0), example)
    return census


def print_census(census: dict[str, tuple[int, int, bytes]], per: int, what: str) -> None:
    print(f"  {'keys by kind':38}{'keys':>8}{'MEMORY USAGE':>14}{'per ' + what:>18}")
    for _, label in CATEGORIES:
        if label in census:
            count, total, _ = census[label]
            print(f"  {label:38}{count:8d}{total:14,d}{total / per:16,.0f} B")


def drive(client, residents: list[Resident], script: list[str], label: str) -> float:
    started = time.perf_counter()
    for n, resident in enumerate(residents, 1):
        for text in script:
            post(client, resident.request(text))
        if label and n % max(1, len(residents) // 4) == 0:
            progress(f"{label}: {n}/{len(residents)}")
    return time.perf_counter() - started


def memory_section(app, client, rclient: redis.Redis, args: argparse.Namespace) -> None:
    line = app.extensions["linea"]
    print(f"(a) Redis memory (redis-server {rclient.info('server')['redis_version']}, "
          f"allocator {rclient.info('memory').get('mem_allocator', '?')})")

    drive(client, [Resident(3_000_000 + n) for n in range(5)], WHOLE, "")  # open the app's Redis connections
    rclient.flushall()
    before = used_memory(rclient)
    residents = [Resident(n) for n in range(args.conversations)]
    elapsed = drive(client, residents, MIDDLE, "mid-interview conversations")
    after = used_memory(rclient)
    per_conv = (after - before) / args.conversations
    census = key_census(rclient)
    conv_key = line.store.key(residents[0].sender)
    state, version = line.store.load(conv_key)
    print(f"  {args.conversations} conversations driven to the middle of an interview "
          f"({' / '.join(MIDDLE)}; {len(MIDDLE) * args.conversations} messages in {elapsed:.1f} s)")
    print(f"  used_memory {before:,} -> {after:,} B: {per_conv:,.0f} B per conversation "
          f"(target <= 2,048 B: {'met' if per_conv <= 2048 else 'NOT met'})")
    print(f"  MEMORY USAGE of one conversation key ({conv_key[:17]}...}}): "
          f"{rclient.memory_usage(conv_key, samples=0)} B, TTL {rclient.ttl(conv_key)} s, "
          f"state at node {state.node!r}, version {version}")
    print_census(census, args.conversations, "conversation")
    seen_example = census.get(SEEN_LABEL, (0, 0, b""))[2]
    if seen_example:
        print(f"  a dedupe mark keeps the rendered replies for {rclient.ttl(seen_example)} s "
              f"(LINE_DEDUPE_TTL), longer than the conversation's TTL of {line.config.conversation_ttl} s")

    rclient.flushall()
    before = used_memory(rclient)
    residents = [Resident(1_000_000 + n) for n in range(args.tips)]
    elapsed = drive(client, residents, WHOLE, "whole interviews")
    after = used_memory(rclient)
    census = key_census(rclient)
    codes = line.tips.recent(1)
    tip_key = f"ls:tip:{{{codes[0]}}}" if codes else None
    job_example = census.get("RQ jobs (rq:job:ID)", (0, 0, b""))[2]
    print(f"  {args.tips} conversations through a whole interview to a submitted tip "
          f"({len(WHOLE) * args.tips} messages in {elapsed:.1f} s; no worker, so every RQ job stays queued)")
    print(f"  used_memory {before:,} -> {after:,} B: {(after - before) / args.tips:,.0f} B per submitted tip "
          f"(conversation + dedupe marks + tip + job)")
    if tip_key:
        print(f"  MEMORY USAGE of one tip record ({tip_key}): {rclient.memory_usage(tip_key, samples=0)} B; "
              f"of one RQ job ({job_example.decode()[:20]}...): {rclient.memory_usage(job_example, samples=0)} B")
    print_census(census, args.tips, "tip")


# --- (b) latency -------------------------------------------------------------------------------------------
NODES = ("menu", "ask_what", "ask_where", "ask_when", "ask_who", "ask_hurt", "after_tip")
FIELDS = ("what", "where", "when", "who", "hurt")
ANSWERS = {"es": ("me robaron la cartera en la parada", "Main y 5", "ayer en la noche", "dos hombres", None),
           "en": ("they broke into my car", "5th and Main", "last night", None, "no")}


def state_at(node: str, locale: str, now: float, last_tip: str | None = None) -> State:
    """A plausible state for a conversation waiting at `node` (answers given to every earlier question)."""
    asked = NODES.index(node) - 1 if node in NODES[1:6] else (5 if node == "after_tip" else 0)
    answers = tuple(zip(FIELDS[:asked], ANSWERS[locale][:asked]))
    return State(flow_id="main", node=node, locale=locale, answers=() if node == "after_tip" else answers,
                 last_tip=last_tip, updated_at=now)


def save_state(pipe, key: str, state: State, version: int, ttl: int) -> None:
    """The hash layout Session.saving writes: {"v": version, "state": JSON of State.to_dict()}, with the TTL."""
    pipe.hset(key, mapping={"v": version, "state": json.dumps(state.to_dict())})
    pipe.expire(key, ttl)


def load_state(line, rclient: redis.Redis, conversations: int, tips: int) -> float:
    """Write conversation states and tips straight into Redis with pipelines, in the line's key formats."""
    started = time.perf_counter()
    rng = random.Random(7)
    now = time.time()
    ttl = line.config.conversation_ttl
    codes: set[str] = set()
    while len(codes) < tips:
        codes.add(new_code())
    code_list = sorted(codes)
    with rclient.pipeline(transaction=False) as pipe:
        for n in range(conversations):
            node = NODES[n % len(NODES)]
            locale = "es" if n % 3 else "en"
            last_tip = code_list[n % len(code_list)] if node == "after_tip" and code_list else None
            save_state(pipe, line.store.key(f"+1556{n:07d}"), state_at(node, locale, now - rng.uniform(0, ttl),
                                                                       last_tip), rng.randint(1, 7), ttl)
            if len(pipe) >= PIPELINE_BATCH:
                pipe.execute()
            if (n + 1) % 50_000 == 0:
                progress(f"loaded {n + 1:,} conversation states")
        for n, code in enumerate(code_list):
            locale = "es" if n % 3 else "en"
            line.tips.create(pipe, Tip(code=code, created_at=now - rng.uniform(0, 30 * 86400), locale=locale,
                                       channel="whatsapp" if n % 4 == 0 else "sms",
                                       answers=tuple(zip(FIELDS, ANSWERS[locale]))))
            if len(pipe) >= PIPELINE_BATCH:
                pipe.execute()
        pipe.execute()
    progress(f"loaded {tips:,} tips")
    return time.perf_counter() - started


class Sampler:
    """Fresh senders for the two kinds of timed message."""

    def __init__(self) -> None:
        self.next_number = 2_000_000

    def fresh(self) -> Resident:
        self.next_number += 1
        return Resident(self.next_number)

    def first_messages(self, count: int) -> list[tuple[str, dict[str, str]]]:
        return [self.fresh().request("hola") for _ in range(count)]

    def last_answers(self, line, rclient: redis.Redis, count: int) -> list[tuple[str, dict[str, str]]]:
        """Senders waiting at the follow-up question (state written as the store does); "no" submits a tip."""
        now = time.time()
        prepared = []
        with rclient.pipeline(transaction=False) as pipe:
            for _ in range(count):
                resident = self.fresh()
                hurt = state_at("ask_hurt", "es", now)
                waiting = hurt.with_(node="ask_followup", answers=hurt.answers + (("hurt", "no"),))
                save_state(pipe, line.store.key(resident.sender), waiting, 6, line.config.conversation_ttl)
                prepared.append(resident.request("no"))
            pipe.execute()
        return prepared


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def measure(client, line, rclient: redis.Redis, sampler: Sampler, samples: int) -> dict[str, list[float]]:
    """Time `samples` first messages and `samples` tip-submitting answers, interleaved, each from a fresh sender."""
    for prepared in sampler.first_messages(WARMUP) + sampler.last_answers(line, rclient, WARMUP):
        post(client, prepared)
    firsts = sampler.first_messages(samples)
    lasts = sampler.last_answers(line, rclient, samples)
    timings: dict[str, list[float]] = {"first": [], "tip": []}
    for first, last in zip(firsts, lasts):
        timings["first"].append(post(client, first))
        timings["tip"].append(post(client, last))
    return timings


def latency_section(app, client, rclient: redis.Redis, args: argparse.Namespace) -> None:
    line = app.extensions["linea"]
    sampler = Sampler()
    rounds: dict[str, dict[str, list[float]]] = {}
    rclient.flushall()
    progress("timing on an empty Redis")
    rounds["empty"] = measure(client, line, rclient, sampler, args.samples)
    rclient.flushall()
    load_seconds = load_state(line, rclient, args.load_conversations, args.load_tips)
    dbsize, memory = rclient.dbsize(), used_memory(rclient)
    progress("timing with the loaded Redis")
    rounds["loaded"] = measure(client, line, rclient, sampler, args.samples)
    rclient.flushall()
    progress("timing on an empty Redis again")
    rounds["empty again"] = measure(client, line, rclient, sampler, args.samples)

    print()
    print(f"(b) Latency of one message, in-process test client, signed, {args.samples} samples a row "
          f"(after {WARMUP} warm-up), a fresh sender each")
    print(f"  loaded: {args.load_conversations:,} conversation states + {args.load_tips:,} tips written in "
          f"{load_seconds:.1f} s with pipelines -> {dbsize:,} keys, used_memory {memory / 2**20:,.1f} MiB")
    print(f"  {'':14}{'message':44}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    kinds = {"first": '"hola" (new conversation)', "tip": '"no" to the last question (submits a tip)'}
    for name, timings in rounds.items():
        for kind, label in kinds.items():
            p50, p95, p99 = percentiles(timings[kind])
            print(f"  {name:14}{label:44}{p50:9.2f}{p95:9.2f}{p99:9.2f}")
    for kind, label in kinds.items():
        base = percentiles(rounds["empty"][kind])
        loaded = percentiles(rounds["loaded"][kind])
        again = percentiles(rounds["empty again"][kind])
        print(f"  ratio loaded/empty, {label}: p50 {loaded[0] / base[0]:.2f}, p95 {loaded[1] / base[1]:.2f}, "
              f"p99 {loaded[2] / base[2]:.2f}   (empty again/empty: p50 {again[0] / base[0]:.2f}, "
              f"p95 {again[1] / base[1]:.2f}, p99 {again[2] / base[2]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--tips", type=int, default=200)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--load-conversations", type=int, default=100_000)
    parser.add_argument("--load-tips", type=int, default=10_000)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # keep results and progress lines in order
    if min(args.conversations, args.tips, args.load_tips) < 1 or args.samples < 2:
        parser.error("counts must be positive (samples at least 2)")

    print(f"Scale of state — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}")
    started = time.perf_counter()
    server = RedisServer()
    try:
        app = create_app({
            "mode": "production", "redis_url": server.url, "twilio_account_sid": "AC" + "0" * 32,
            "twilio_auth_token": TOKEN, "public_base_url": BASE, "officer_numbers": "+15550001111",
            "hash_secret": "bench-hash-secret-0123456789", "sms_from": "+15550009999",
            "redis_check": "off",  # this Redis keeps nothing on disk on purpose: memory is what is measured
        })
        logging.getLogger("linea").setLevel(logging.WARNING)  # one INFO line a message would swamp the output
        client = app.test_client()
        rclient = redis.Redis.from_url(server.url)
        memory_section(app, client, rclient, args)
        latency_section(app, client, rclient, args)
    finally:
        server.stop()
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
