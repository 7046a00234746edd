"""The web pages for officers, coordinators and admins: sign-in and the tip dashboard."""
from __future__ import annotations

from flask import Flask

from ..accounts import Accounts
from ..audit import AuditLog
from ..line import Line
from . import auth, dashboard, editor, present


def register(app: Flask, line: Line) -> None:
    """Attach accounts, the audit log, the sign-in pages and the dashboard to the app."""
    app.extensions["linea-accounts"] = Accounts(line.redis, line.config.session_ttl, line.clock)
    app.extensions["linea-audit"] = AuditLog(line.redis, line.clock)
    present.install(app, line)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(editor.bp)
