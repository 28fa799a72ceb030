"""Digest jobs: the cron tick that finds who is due, and the jobs that send digests.

The tick enqueues batches of people (``DIGEST_BATCH_SIZE``, 100 by default): one job sends a
batch's digests from sources loaded together and over one SMTP connection. Sending claims each
person's ledger row first, so ticks that overlap, jobs that run twice and retries after a crash
never mail anyone twice for one period.
"""

from __future__ import annotations

import hashlib
import uuid

from flask import current_app
from rq import Queue, Retry, get_current_job
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from teams_app.digests import batches, ledger, services
from teams_app.queue import get_queue

BATCH_SIZE = 100
BATCH_PREFIX = "digests-"


def job_id(user_id: int, period_key: str) -> str:
    """The id of a one-person digest job (enqueued before batches existed)."""
    return f"digest-{user_id}-{period_key}".replace(":", "-")


def batch_job_id(work: list[tuple[int, str]]) -> str:
    """Named by its content: the same batch enqueued again is the same job."""
    names = ",".join(f"{user_id}/{key}" for user_id, key in work)
    return BATCH_PREFIX + hashlib.sha256(names.encode()).hexdigest()[:24]


def _waiting_ids(queue: Queue) -> set[str]:
    """Job ids really waiting: in the queue itself or scheduled (a retry's pause). Not a job's
    status field: a job a dead worker had popped can still say "queued"."""
    return set(queue.get_job_ids()) | set(ScheduledJobRegistry(queue=queue).get_job_ids())


def _waiting_work(queue: Queue, ids: set[str]) -> set[tuple[int, str]]:
    """(person, period key) of every digest in a waiting batch job."""
    waiting: set[tuple[int, str]] = set()
    batch_ids = [i for i in ids if i.startswith(BATCH_PREFIX)]
    for job in Job.fetch_many(batch_ids, connection=queue.connection):
        if job is not None and job.args:
            waiting.update((int(user_id), str(key)) for user_id, key in job.args[0])
    return waiting


def tick() -> dict[str, int]:
    """Enqueue digests for everyone due, and again for claims whose worker died, in batches."""
    queue = get_queue("mail")
    intervals = current_app.config["DIGEST_RETRY_INTERVALS"]
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    size = int(current_app.config.get("DIGEST_BATCH_SIZE") or BATCH_SIZE)
    # Someone due whose job is already waiting (an earlier tick's) is not enqueued twice. A
    # lapsed claim is always enqueued again: its worker is gone, whatever RQ still says. Any
    # duplicate that slips through finds the ledger row taken.
    waiting_ids = _waiting_ids(queue)
    waiting = _waiting_work(queue, waiting_ids)
    wanted = [
        (u.id, p.key)
        for u, p in services.due()
        if (u.id, p.key) not in waiting and job_id(u.id, p.key) not in waiting_ids
    ]
    lapsed = [(row.user_id, row.period_key) for row in services.abandoned()]
    # Apart: a batch of fresh claims is one insert; lapsed ones are taken over one by one.
    chunks = [work[i : i + size] for work in (wanted, lapsed) for i in range(0, len(work), size)]
    for chunk in chunks:
        queue.enqueue(
            "jobs.digests.send_digests",
            chunk,
            job_id=batch_job_id(chunk),
            retry=retry,
            job_timeout=max(180, 3 * len(chunk)),
            description=f"digests for {len(chunk)} people, from user {chunk[0][0]}",
        )
    return {"due": len(wanted), "retried": len(lapsed)}


def _claim_token() -> tuple[str, bool]:
    """This job's claim token, kept in its meta so that a retry holds the same claims; and
    whether this is its last try."""
    job = get_current_job()
    if job is None:
        return uuid.uuid4().hex, True
    token = job.meta.get("claim_token")
    if token is None:
        token = uuid.uuid4().hex
        job.meta["claim_token"] = token
        job.save_meta()
    return str(token), not job.retries_left


def send_digests(work: list[tuple[int, str]]) -> dict[str, int]:
    """Send a batch's digests. A retry keeps the claim token, so it sends what the failed try
    left (each person's ledger row decides); another job for the same people does nothing."""
    token, last_try = _claim_token()
    outcomes = batches.send_batch([(int(u), str(k)) for u, k in work], token, last_try=last_try)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def send_digest(user_id: int, period_key: str) -> str:
    """Send one digest (jobs enqueued before batches existed). A retry of this job keeps its
    claim token; another job for the same period finds the claim taken and does nothing."""
    token, last_try = _claim_token()
    return ledger.send(user_id, period_key, token, last_try=last_try)
