"""Specification of bot.platform.jobqueue: jobs by dotted name, JSON ids, the line's retry and failure policy."""
from __future__ import annotations

import redis
from rq.registry import ScheduledJobRegistry

from bot.platform.jobqueue import FAILURE_CALLBACK, JOB_TIMEOUT, JobQueue


def test_a_job_is_queued_by_name_with_its_policy(redis_url):
    jobs = JobQueue(redis.Redis.from_url(redis_url), "linea-test")
    jobs.enqueue(None, "bot.jobs.deliver_tip", "K7QF-3MZP")
    (job,) = jobs.queue.get_jobs()
    assert (job.func_name, job.args, job.timeout) == ("bot.jobs.deliver_tip", ["K7QF-3MZP"], JOB_TIMEOUT)
    assert job.retries_left == 5 and job.retry_intervals == [5, 30, 120, 600, 1800]
    callback = job.failure_callback
    assert f"{callback.__module__}.{callback.__name__}" == FAILURE_CALLBACK


def test_a_job_queued_in_a_transaction_appears_only_when_it_commits(redis_url):
    client = redis.Redis.from_url(redis_url)
    jobs = JobQueue(client, "linea-test")
    with client.pipeline(transaction=True) as pipe:
        jobs.enqueue(pipe, "bot.jobs.fetch_photo", "abc123")
        assert jobs.queue.count == 0
        pipe.execute()
    assert jobs.queue.count == 1 and len(ScheduledJobRegistry(queue=jobs.queue)) == 0
