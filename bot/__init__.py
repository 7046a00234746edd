"""Línea Segura: create_app() is the one composition root. It reads the configuration, checks flows and
translations, connects to Redis, builds every collaborator once (build_services) and registers the web and
the commands. Nothing else constructs a store, a sender or a queue."""
from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any, Callable, Mapping

import redis
from flask import Flask, Response
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot import cli, web
from bot.broadcasts.delivery import Broadcaster
from bot.broadcasts.pacing import Pacer
from bot.broadcasts.quiet import parse_quiet_hours
from bot.broadcasts.store import BroadcastStore
from bot.broadcasts.subscribers import Subscribers
from bot.channels.outbox import Outbox
from bot.channels.senders import Senders
from bot.conversations.line import SHELL_KEYS, Line
from bot.conversations.photo_intake import PhotoIntake
from bot.conversations.spool import Spool
from bot.conversations.stats import Stats
from bot.conversations.store import ConversationStore
from bot.engine import EngineError, Flow, message_keys
from bot.flows import i18n
from bot.flows.files import load_flows
from bot.flows.library import FlowLibrary, shipped_bundle
from bot.flows.rendering import Renderer, notice_params
from bot.flows.revisions import FlowRevisions
from bot.officers.accounts import Accounts
from bot.officers.alerts import OfficerAlerts
from bot.officers.audit import AuditLog
from bot.officers.directory import OfficerDirectory
from bot.officers.duty import DutyRoster
from bot.officers.second_factor import SecondFactors
from bot.officers.single_sign_on import SingleSignOn
from bot.platform.config import Config, ConfigError, load_config
from bot.platform.jobqueue import JobQueue
from bot.platform.logs import setup_logging
from bot.platform.redis_check import check_persistence
from bot.platform.redis_client import connect, redact
from bot.services import EXTENSION, Services
from bot.tips.deliveries import Deliveries
from bot.tips.handles import HandleStore
from bot.tips.media import HttpFetcher
from bot.tips.photos import PhotoStore
from bot.tips.repository import TipRepository
from bot.tips.retention import schedule_purge
from bot.understanding.models import load_models

__all__ = ["ConfigError", "StartupError", "create_app", "start_drainer"]

StartupError = (ConfigError, EngineError, i18n.TranslationError)  # what create_app() raises for a bad setup

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the line's Flask app from the environment (and test overrides); stop with ConfigError if unsafe."""
    setup_logging()
    config = load_config(overrides=test_config)
    flow = load_flows(config.flows_dir)["main"]
    i18n.configure(config.translations_dir)
    problems = i18n.check(message_keys(flow) | set(SHELL_KEYS))
    if problems:
        raise ConfigError("translations are incomplete: " + "; ".join(problems))
    load_models(config.model_cache)  # now, not on the first resident's message (trained once per data)
    # Fail fast: a message Redis cannot take within ~2 s goes to the spool and Twilio still gets its answer.
    try:
        client = connect(config.redis_url, socket_timeout=1.5, socket_connect_timeout=1, health_check_interval=30,
                         retry=Retry(NoBackoff(), 1))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

    if config.redis_check == "on" and not config.local:
        check_persistence(client, redact(config.redis_url))

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    services = build_services(config, client, flow, clock=config.extra.get("clock", time.time))
    app.extensions[EXTENSION] = services
    if not config.local:
        warn_if_policy_not_reviewed(services)

    web.register(app, services)
    cli.register(app)

    security_headers = dict(SECURITY_HEADERS)
    if not config.local:  # production is served over HTTPS only (see DEPLOY.md)
        security_headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        present = {name.lower() for name, _ in response.headers.items()}  # a view's own value wins
        response.headers.extend([(name, value) for name, value in security_headers.items()
                                 if name.lower() not in present])
        return response

    # Flows, translations and the two models loaded above live as long as the process: leave them out of the
    # cyclic garbage collector's full passes (measured: 25 ms -> 2 ms, a pause every few hundred messages).
    gc.freeze()
    return app


def warn_if_policy_not_reviewed(services: Services) -> None:
    """Going live includes a legal review of the immigration-policy wording: say so at every start until an admin
    has recorded it (reviewer and date, in the flow editor)."""
    try:
        reviewed = services.revisions.policy_reviewed()
    except redis.RedisError:
        return  # Redis is down: the start-up check above has said so; the dashboard shows the warning later
    if not reviewed:
        logging.getLogger("linea.startup").warning(
            "the immigration-policy wording has no recorded legal review: an admin records the reviewer and the "
            "date in the flow editor (Flows > Edit > Policy review) and publishes")


def build_services(config: Config, client: redis.Redis, flow: Flow, clock: Callable[[], float]) -> Services:
    """Build every collaborator once and hand each its own: the stores, the senders, the roster, the queue, and the
    message loop that works with them."""
    library = FlowLibrary(client, shipped_bundle(config.flows_dir, config.translations_dir))
    revisions = FlowRevisions(library, flow, clock)
    renderer = Renderer(revisions, notice_params(config))
    tips = TipRepository(client)
    handles = HandleStore(client, config.hash_secret, config.followup_ttl)
    photos = PhotoStore(client, config.hash_secret)
    deliveries = Deliveries(client, config.hash_secret, config.dedupe_ttl)
    roster = DutyRoster(client)
    officers = OfficerDirectory(config, roster)
    outbox = Outbox(client)
    senders = Senders(config, outbox, clock, http_client=config.extra.get("twilio_http_client"))
    jobs = JobQueue(client, config.queue_name)
    store = ConversationStore(client, config.hash_secret, config.conversation_ttl, config.dedupe_ttl,
                              config.lock_seconds)
    stats = Stats(client, config.timezone)
    spool = Spool(config.spool_dir, config.hash_secret)
    intake = PhotoIntake(tips, photos, jobs, draft_ttl=config.conversation_ttl + 3600)
    subscribers = Subscribers(client, config.hash_secret)
    line = Line(config, clock, store=store, revisions=revisions, renderer=renderer, tips=tips, handles=handles,
                photos=photos, intake=intake, deliveries=deliveries, stats=stats, spool=spool, officers=officers,
                jobs=jobs, senders=senders, subscribers=subscribers)
    broadcasts = BroadcastStore(client, clock)

    def last_message_at(who: str) -> float | None:
        state, _ = store.load(store.key_of(who))  # a conversation lives LINE_CONVERSATION_TTL after the last message
        return state.updated_at if state is not None else None

    broadcaster = Broadcaster(config, client, broadcasts, subscribers, Pacer(client, config.alert_rate),
                              parse_quiet_hours(config.alert_quiet_hours, config.timezone), jobs, senders, outbox,
                              clock, last_message_at, sleep=config.extra.get("sleep", time.sleep))
    return Services(config=config, redis=client, clock=clock, library=library, revisions=revisions,
                    renderer=renderer, store=store, tips=tips, handles=handles, photos=photos,
                    media_fetcher=config.extra.get("media_fetcher") or HttpFetcher(), deliveries=deliveries,
                    stats=stats, roster=roster, officers=officers,
                    alerts=OfficerAlerts(config, senders, deliveries, tips, officers),
                    accounts=Accounts(client, config.session_ttl, clock, config.session_idle),
                    second_factors=SecondFactors(client, config.hash_secret, clock),
                    sso=SingleSignOn(client, config, clock) if config.sso else None, audit=AuditLog(client, clock),
                    outbox=outbox, spool=spool, jobs=jobs, senders=senders, line=line, subscribers=subscribers,
                    broadcasts=broadcasts, broadcaster=broadcaster)


def start_drainer(app: Flask) -> threading.Thread:
    """Every LINE_SPOOL_INTERVAL seconds: apply spooled messages (one process at a time) and, once a day, queue
    the retention purge."""
    services: Services = app.extensions[EXTENSION]

    def loop() -> None:
        while True:
            time.sleep(services.config.spool_interval)
            try:
                with app.app_context():
                    services.line.drain()
                    schedule_purge(services.deliveries, services.jobs)
            except Exception:  # keep draining later; never let the thread die
                logging.getLogger("linea.spool").exception("draining the spool failed")

    thread = threading.Thread(target=loop, name="linea-spool-drainer", daemon=True)
    thread.start()
    return thread
