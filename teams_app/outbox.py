"""The outbox's read and recovery side: claiming a row, finishing it, sweeping rows Redis does
not hold, resending failed ones, pruning old ones, and what the operations page lists.

The database is the record of what must run; Redis only carries it. A job claims its row by
compare-and-set before it does anything, so a row pushed twice runs its effect once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import delete, func, or_, select, update

from teams_app import audit
from teams_app.activity import Verb, record
from teams_app.errors import Conflict, NotFound
from teams_app.extensions import db
from teams_app.models import NoticeDelivery, OutboxJob, OutboxStatus, User, utcnow
from teams_app.pagination import Page, paginate
from teams_app.permissions import can, require
from teams_app.queue import push, push_after_commit, redis_connection

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])


def claim(outbox_id: int, now: datetime | None = None) -> tuple[OutboxJob, str] | None:
    """Take a pending row (or one whose worker's lease ran out) for this execution. None when
    it is done, failed, or running elsewhere: the caller then does nothing."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    result = db.session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == outbox_id,
            or_(
                OutboxJob.status == OutboxStatus.PENDING.value,
                (OutboxJob.status == OutboxStatus.RUNNING.value)
                & (OutboxJob.claimed_at < now - _lease()),
            ),
        )
        .values(
            status=OutboxStatus.RUNNING.value,
            claim_token=token,
            claimed_at=now,
            attempts=OutboxJob.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = db.session.get(OutboxJob, outbox_id)
    assert row is not None
    db.session.refresh(row)
    return row, token


def _settle(outbox_id: int, token: str, **values: Any) -> bool:
    """Compare-and-set on the claim token: only the execution that holds the row settles it."""
    result = db.session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == outbox_id, OutboxJob.claim_token == token)
        .values(claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def finish(outbox_id: int, token: str, result: Any) -> bool:
    text = None if result is None else str(result)[:200]
    return _settle(
        outbox_id,
        token,
        status=OutboxStatus.DONE.value,
        finished_at=utcnow(),
        result=text,
        last_error=None,
    )


def fail(outbox_id: int, token: str, error: BaseException, *, last_try: bool) -> bool:
    """Record a failed try. A later try (an RQ retry) finds the row pending again; the last one
    leaves it failed for an admin to see and resend."""
    db.session.rollback()
    status = OutboxStatus.FAILED if last_try else OutboxStatus.PENDING
    return _settle(
        outbox_id,
        token,
        status=status.value,
        finished_at=utcnow() if last_try else None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )


def _jobs_redis_holds(now: datetime) -> set[str]:
    """Job ids that are queued, waiting for a retry, or running, on every queue.

    A job that a worker took more than a lease ago without claiming its row is not held: the
    worker died between taking it and claiming it (SIGKILL, OOM), and RQ only gives up on it
    when its timeout runs out, minutes later. Pushing it again is safe: the claim decides."""
    conn = redis_connection()
    ids: set[str] = set()
    started: set[str] = set()
    for name in current_app.config["RQ_QUEUES"]:
        queue = Queue(name, connection=conn)
        ids.update(queue.get_job_ids())
        ids.update(ScheduledJobRegistry(queue=queue).get_job_ids(cleanup=False))
        started.update(StartedJobRegistry(queue=queue).get_job_ids(cleanup=False))
    taken_before = now - _lease()
    for job in Job.fetch_many(sorted(started - ids), connection=conn):
        if job is None:
            continue  # its hash is gone: nothing will run it
        taken = [_aware(e.created_at) for e in job.get_executions()]
        if taken and max(taken) >= taken_before:
            ids.add(job.id)
    return ids


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Push rows that should be running and that Redis does not hold: pending rows whose push
    failed (Redis was down) or whose job Redis lost (a restart without persistence), and running
    rows whose worker died (lease over). Raises if Redis is unreachable: nothing is lost, the
    next sweep tries again."""
    now = now or utcnow()
    held = _jobs_redis_holds(now)
    grace = now - timedelta(seconds=current_app.config["OUTBOX_SWEEP_GRACE_SECONDS"])
    due = or_(
        (OutboxJob.status == OutboxStatus.PENDING.value)
        & (OutboxJob.created_at < grace)
        & or_(OutboxJob.resent_at.is_(None), OutboxJob.resent_at < grace),
        (OutboxJob.status == OutboxStatus.RUNNING.value) & (OutboxJob.claimed_at < now - _lease()),
    )
    pushed = checked = 0
    after = 0
    while True:  # in batches by id, so a long backlog that Redis holds hides no lost row
        rows = db.session.scalars(
            select(OutboxJob)
            .where(due, OutboxJob.id > after)
            .order_by(OutboxJob.id)
            .limit(SWEEP_BATCH)
        ).all()
        last_id = rows[-1].id if rows else after
        for row in rows:
            abandoned = row.status == OutboxStatus.RUNNING.value
            if not abandoned and row.rq_job_id in held:
                continue
            if not push(row.id, row.queue, list(row.retry_intervals or []), row.func):
                db.session.commit()
                return {"pushed": pushed, "checked": checked}  # Redis went away: next sweep
            row.pushes += 1
            pushed += 1
        db.session.commit()
        checked += len(rows)
        if len(rows) < SWEEP_BATCH:
            break
        after = last_id
    if pushed:
        log.info("outbox sweep pushed %d job(s) Redis did not hold", pushed)
    return {"pushed": pushed, "checked": checked}


def resend(actor: User, outbox_id: int) -> OutboxJob:
    """An admin sends a failed job again: the row goes back to pending and is pushed after the
    commit. Audited in the security audit log (and the activity log)."""
    require(actor, "resend_jobs")
    row = db.session.get(OutboxJob, outbox_id)
    if row is None:
        raise NotFound("That job is not in the outbox (old done jobs are pruned).")
    if row.status != OutboxStatus.FAILED.value:
        raise Conflict(f"Only a failed job can be resent; this one is {row.status}.")
    now = utcnow()
    row.status, row.finished_at, row.resent_at, row.resent_by_id = (
        OutboxStatus.PENDING.value,
        None,
        now,
        actor.id,
    )
    record(actor, Verb.RESENT_JOB, row, func=row.func, label=row.label, key=row.key)
    _forget_failed_rq_job(row)
    push_after_commit(row)
    db.session.commit()
    audit.record("outbox.resent", actor=actor, object=row, func=row.func, key=row.key)
    return row


def _forget_failed_rq_job(row: OutboxJob) -> None:
    """Take the row's job off RQ's failed list, which the page also shows: it is going again.
    If Redis is down the row is still resent (the sweep pushes it once Redis is back)."""
    try:
        queue = Queue(row.queue, connection=redis_connection())
        FailedJobRegistry(queue=queue).remove(row.rq_job_id)
    except (RedisError, OSError):
        pass


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete done rows and sent notice ledger rows older than ``OUTBOX_KEEP_DAYS``. Failed and
    pending rows stay until someone deals with them."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"])
    jobs = db.session.execute(
        delete(OutboxJob).where(
            OutboxJob.status == OutboxStatus.DONE.value, OutboxJob.finished_at < cutoff
        )
    )
    notices = db.session.execute(
        delete(NoticeDelivery).where(
            NoticeDelivery.status == "sent", NoticeDelivery.sent_at < cutoff
        )
    )
    db.session.commit()
    return {
        "jobs": jobs.rowcount,  # type: ignore[attr-defined]
        "notices": notices.rowcount,  # type: ignore[attr-defined]
    }


# --- What the operations page shows ------------------------------------------------------------


def status_counts() -> dict[str, int]:
    counts = {s.value: 0 for s in OutboxStatus}
    rows = db.session.execute(
        select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
    ).all()
    counts.update({status: n for status, n in rows})
    return counts


def listing(status: str, page: int, per_page: int = 25) -> Page[OutboxJob]:
    """Rows in one status, newest first (failed ones by when they failed)."""
    stmt = select(OutboxJob).where(OutboxJob.status == status)
    if status in (OutboxStatus.DONE.value, OutboxStatus.FAILED.value):
        stmt = stmt.order_by(OutboxJob.finished_at.desc(), OutboxJob.id.desc())
    else:
        stmt = stmt.order_by(OutboxJob.id.desc())
    return paginate(stmt, page, per_page)


USER_ARG_FUNCS = {
    "jobs.mail.send_invitation",
    "jobs.mail.send_signup_link",
    "jobs.mail.send_signup_notice",
    "jobs.mail.send_password_reset",
}
EVENT_ARG_FUNCS = {
    "jobs.notify.team_event",
    "jobs.notify.barrier_resolved",
    "jobs.notify.story_hidden",
}


def subjects(rows: list[OutboxJob]) -> dict[int, str]:
    """Who or what each row is about, in words ("priya@…", "team event 12"), for the page.
    One query for every person named, whatever the number of rows."""
    user_ids = {
        int(r.args[0]) for r in rows if r.func in USER_ARG_FUNCS and r.args and _is_id(r.args[0])
    }
    emails: dict[int, str] = {}
    if user_ids:
        found = db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
        emails = {user_id: email for user_id, email in found}
    out: dict[int, str] = {}
    for r in rows:
        first = r.args[0] if r.args else None
        if r.func in USER_ARG_FUNCS and isinstance(first, int):
            out[r.id] = emails.get(first, f"person {first} (deleted)")
        elif r.func == "jobs.mail.send_password_reset_to" and isinstance(first, str):
            out[r.id] = first
        elif r.func in EVENT_ARG_FUNCS and _is_id(first):
            out[r.id] = f"event {first}"
        else:
            out[r.id] = ", ".join(map(str, r.args))[:80]
    return out


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def may_resend(user: Any, row: OutboxJob) -> bool:
    return row.status == OutboxStatus.FAILED.value and can(user, "resend_jobs")
