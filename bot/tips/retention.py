"""When tips are purged: once a day, whichever process asks first queues the purge job."""
from __future__ import annotations

import redis

from bot.platform.jobqueue import JobQueue

from .deliveries import Deliveries

PURGE_JOB = "bot.jobs.purge_expired_tips"


def schedule_purge(deliveries: Deliveries, jobs: JobQueue) -> bool:
    """Queue the retention purge once a day (whichever process asks first); True if it queued it now."""
    try:
        if not deliveries.claim_daily("purge"):
            return False
        jobs.enqueue(None, PURGE_JOB)
    except redis.RedisError:
        return False  # Redis is down: the spool is busy anyway; try again on the next round
    return True
