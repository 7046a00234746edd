"""The web: the Twilio webhook, the public privacy notice, the local simulator, and the pages for officers,
coordinators and admins (sign-in, tip dashboard, flow editor). Templates and static files live here too.

May import: every package below it, and bot.services (what create_app() built). Never bot.jobs' internals:
jobs are queued by name."""
from __future__ import annotations

from flask import Flask, Response, current_app

from bot.services import Services

from . import auth, broadcasts, dashboard, editor, notice, present, second_factor, simulator, sso, users, webhook


def register(app: Flask, services: Services) -> None:
    """Attach every blueprint (the simulator only in local mode) and the template helpers to the app."""
    present.install(app, services)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(notice.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(second_factor.bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(broadcasts.bp)
    if services.config.local:
        app.register_blueprint(simulator.bp)
    app.add_url_rule("/favicon.ico", "favicon", favicon)

    @app.context_processor
    def _policy_review() -> dict:
        # base.html asks on signed-in pages only: one Redis read there, none for the webhook
        return {"policy_review_missing": lambda: not services.revisions.policy_reviewed(),
                # a link to enrol, where a second factor is not required of everyone (one Redis read there)
                "offer_second_factor": lambda name: services.config.mfa != "required"
                and not services.second_factors.enrolled(name)}


def favicon() -> Response:
    """The line's icon, for browsers that ask for /favicon.ico before reading a page's <link rel="icon">."""
    return current_app.send_static_file("favicon.svg")
