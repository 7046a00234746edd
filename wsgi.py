"""Entry point for gunicorn (gunicorn wsgi:app) and for the flask CLI (flask --app wsgi ...)."""
import sys

from bot import StartupError, create_app, start_drainer

try:
    app = create_app()
except StartupError as exc:
    sys.exit(f"Línea Segura cannot start: {exc}")
if "gunicorn" in sys.modules:  # the web server replays messages spooled while Redis was down
    start_drainer(app)
