"""Digest jobs: the cron tick that finds who is due, and the job that sends one digest.

The tick enqueues; sending claims a ledger row first, so ticks that overlap, jobs that run
twice and retries after a crash never mail anyone twice for one period.
"""

from __future__ import annotations

from flask import current_app
from rq import Queue, Retry, get_current_job
from rq.registry import ScheduledJobRegistry

from teams_app.digests import services
from teams_app.queue import get_queue


def job_id(user_id: int, period_key: str) -> str:
    return f"digest-{user_id}-{period_key}".replace(":", "-")


def _waiting_ids(queue: Queue) -> set[str]:
    """Job ids really waiting: in the queue itself or scheduled (a retry's pause). Not a job's
    status field: a job a dead worker had popped can still say "queued"."""
    return set(queue.get_job_ids()) | set(ScheduledJobRegistry(queue=queue).get_job_ids())


def tick() -> dict[str, int]:
    """Enqueue a digest for everyone due, and again for claims whose worker died."""
    queue = get_queue("mail")
    intervals = current_app.config["DIGEST_RETRY_INTERVALS"]
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    # Someone due whose job is already waiting (an earlier tick's) is not enqueued twice. A
    # lapsed claim is always enqueued again: its worker is gone, whatever RQ still says. Any
    # duplicate that slips through finds the ledger row taken.
    waiting = _waiting_ids(queue)
    wanted = [(u.id, p.key) for u, p in services.due() if job_id(u.id, p.key) not in waiting]
    lapsed = [(row.user_id, row.period_key) for row in services.abandoned()]
    for user_id, key in wanted + lapsed:
        queue.enqueue(
            "jobs.digests.send_digest",
            user_id,
            key,
            job_id=job_id(user_id, key),
            retry=retry,
            description=f"digest for user {user_id}, {key}",
        )
    return {"due": len(wanted), "retried": len(lapsed)}


def send_digest(user_id: int, period_key: str) -> str:
    """Send one digest. A retry of this job keeps its claim token (in the job's meta); another
    job for the same period finds the claim taken and does nothing."""
    job = get_current_job()
    token = None
    last_try = True
    if job is not None:
        token = job.meta.get("claim_token")
        if token is None:
            import uuid

            token = uuid.uuid4().hex
            job.meta["claim_token"] = token
            job.save_meta()
        last_try = not job.retries_left
    return services.send(user_id, period_key, token, last_try=last_try)
