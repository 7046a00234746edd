"""The line's RQ queue: jobs are queued by dotted name with JSON arguments (ids only), never by import."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import redis
from rq import Callback, Queue, Retry
from rq.serializers import JSONSerializer

JOB_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])
JOB_TIMEOUT = 120  # seconds; a job whose worker died is noticed after this (plus the worker's maintenance pass)
FAILURE_CALLBACK = "bot.jobs.job_failed"


class JobQueue:
    """Queues jobs for the workers (python worker.py) with the line's retry, timeout and failure policy."""

    def __init__(self, client: redis.Redis, name: str) -> None:
        self.queue = Queue(name, connection=client, serializer=JSONSerializer)

    def enqueue(self, pipe: redis.client.Pipeline | None, function: str, *args: object) -> None:
        """Queue a job by dotted name with JSON arguments (ids only), inside a transaction when given."""
        self.queue.enqueue_call(function, args=list(args), retry=JOB_RETRY, pipeline=pipe, timeout=JOB_TIMEOUT,
                                result_ttl=24 * 3600, failure_ttl=30 * 24 * 3600,
                                on_failure=Callback(FAILURE_CALLBACK))

    def enqueue_at(self, when: float, now: float, function: str, *args: object) -> None:
        """Queue a job by dotted name to run at a time (the line's clock: `now` is that clock's present), with the
        same policy; a time already past runs it now. Workers run RQ's scheduler (python worker.py), which moves
        it to the queue when the time comes."""
        options = dict(retry=JOB_RETRY, job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600, failure_ttl=30 * 24 * 3600,
                       on_failure=Callback(FAILURE_CALLBACK))
        if when <= now:
            self.enqueue(None, function, *args)
            return
        self.queue.enqueue_at(datetime.now(timezone.utc) + timedelta(seconds=when - now), function, *args, **options)
