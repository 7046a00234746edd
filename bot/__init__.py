"""Línea Segura: create_app() is the one place that wires config, Redis, queue, flows, i18n and blueprints."""
from __future__ import annotations

import time
from typing import Any, Mapping

import redis
from flask import Flask, Response

from . import i18n
from .config import ConfigError, load_config
from .engine import EngineError, message_keys
from .flows import load_flows
from .understanding import load_models
from .line import SHELL_KEYS, Line
from .logs import setup_logging

__all__ = ["ConfigError", "StartupError", "create_app"]

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
    client = redis.Redis.from_url(config.redis_url, socket_timeout=3, socket_connect_timeout=2,
                                  health_check_interval=30)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.extensions["linea"] = Line(config, client, flow, clock=config.extra.get("clock", time.time))

    from . import cli, simulator, webhook
    app.register_blueprint(webhook.bp)
    if config.local:
        app.register_blueprint(simulator.bp)
    cli.register(app)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
