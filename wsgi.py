"""Entry point for gunicorn (gunicorn wsgi:app) and for the flask CLI (flask --app wsgi ...)."""
import sys

from bot import StartupError, create_app

try:
    app = create_app()
except StartupError as exc:
    sys.exit(f"Línea Segura cannot start: {exc}")
