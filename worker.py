"""Run an RQ worker for the line's queue: python worker.py (configuration from the environment)."""
from __future__ import annotations

import sys

from rq import Worker
from rq.serializers import JSONSerializer

from bot import StartupError, create_app


def main() -> int:
    """Build the app, then work the queue with RQ's scheduler (for retries with back-off) until stopped."""
    try:
        app = create_app()
    except StartupError as exc:
        print(f"worker: cannot start: {exc}", file=sys.stderr)
        return 2
    line = app.extensions["linea"]
    with app.app_context():
        # Maintenance every minute: jobs whose worker died are retried (or reported) within a few minutes.
        # Job arguments are ids only, and still not logged (log_job_description=False).
        worker = Worker([line.queue], connection=line.redis, serializer=JSONSerializer, maintenance_interval=60,
                        log_job_description=False)
        worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
