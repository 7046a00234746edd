"""Línea Segura: create_app() is the one place that wires config, Redis, queue, flows, i18n and blueprints."""
from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any, Mapping

from flask import Flask, Response
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import i18n
from .config import ConfigError, load_config
from .engine import EngineError, message_keys
from .flows import load_flows
from .understanding import load_models
from .line import SHELL_KEYS, Line
from .logs import setup_logging
from .redis_check import check_persistence
from .redis_client import connect, redact

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
    load_models()  # now, not on the first resident's message
    # Fail fast: a message Redis cannot take within ~2 s goes to the spool and Twilio still gets its answer.
    try:
        client = connect(config.redis_url, socket_timeout=1.5, socket_connect_timeout=1, health_check_interval=30,
                         retry=Retry(NoBackoff(), 1))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

    if config.redis_check == "on" and not config.local:
        check_persistence(client, redact(config.redis_url))

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    line = Line(config, client, flow, clock=config.extra.get("clock", time.time))
    app.extensions["linea"] = line

    from . import admin, cli, notice, simulator, webhook
    app.register_blueprint(webhook.bp)
    app.register_blueprint(notice.bp)
    admin.register(app, line)
    if config.local:
        app.register_blueprint(simulator.bp)
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


def start_drainer(app: Flask) -> threading.Thread:
    """Every LINE_SPOOL_INTERVAL seconds: apply spooled messages (one process at a time) and, once a day, queue
    the retention purge."""
    line: Line = app.extensions["linea"]

    def loop() -> None:
        while True:
            time.sleep(line.config.spool_interval)
            try:
                with app.app_context():
                    line.drain()
                    line.schedule_purge()
            except Exception:  # keep draining later; never let the thread die
                logging.getLogger("linea.spool").exception("draining the spool failed")

    thread = threading.Thread(target=loop, name="linea-spool-drainer", daemon=True)
    thread.start()
    return thread
