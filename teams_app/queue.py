"""Redis connection, RQ queues, and the transactional outbox's write side.

``enqueue_after_commit`` writes an ``OutboxJob`` row into the caller's own transaction and, once
that transaction commits, pushes the job to RQ. If Redis is down the push is logged and skipped:
the row stays pending and the sweeper (``teams_app.outbox.sweep``: the cron tick, and each worker
when it starts or gets Redis back) pushes it later. A rolled-back transaction writes and sends
nothing. Nothing here ever raises a Redis failure into a page.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from teams_app.extensions import db
from teams_app.models import Activity, User
from teams_app.models.outbox import OutboxJob, rq_job_id

log = logging.getLogger(__name__)

_PENDING_KEY = "mission_teams_pending_jobs"
_SAVEPOINTS_KEY = "mission_teams_savepoint_marks"
RUN_FUNC = "jobs.outbox.run"


@dataclass
class PendingPush:
    """What the push after the commit needs, captured before the commit expires the row."""

    row: Any  # the OutboxJob; only its identity is read after the commit (no SQL)
    queue: str
    retry_intervals: list[int]
    func: str

    @property
    def outbox_id(self) -> int:
        return int(inspect(self.row).identity[0])


def redis_connection(app: Flask | None = None) -> Redis:
    """One client per app, created lazily (never at import time)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    conn = app.extensions.get("redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        app.extensions["redis"] = conn
    return conn


def get_queue(name: str = "default", app: Flask | None = None) -> Queue:
    return Queue(name, connection=redis_connection(app))


def push(outbox_id: int, queue: str, retry_intervals: list[int], func: str = "") -> bool:
    """Put an outbox row's job on its RQ queue. Pushing twice is harmless: the job id is the
    row's, and the job claims its row before doing anything. False when Redis is unreachable."""

    retry = Retry(max=len(retry_intervals), interval=retry_intervals) if retry_intervals else None
    try:
        get_queue(queue).enqueue(
            RUN_FUNC,
            outbox_id,
            job_id=rq_job_id(outbox_id),
            retry=retry,
            description=f"outbox {outbox_id}: {func}" if func else f"outbox {outbox_id}",
        )
    except (RedisError, OSError) as exc:
        current_app.logger.warning(
            "could not push outbox job %s (%s) to Redis (%s); it stays pending and the "
            "sweeper will push it when Redis answers",
            outbox_id,
            func,
            type(exc).__name__,
        )
        return False
    return True


def enqueue_after_commit(
    func: str,
    *args: Any,
    queue: str = "default",
    key: str | None = None,
    kwargs: dict[str, Any] | None = None,
    retry_intervals: list[int] | None = None,
) -> Any:
    """Run ``func`` (a dotted path in ``jobs``) once, after the session's transaction commits.

    The job is written as an outbox row in that same transaction, so it exists exactly when the
    change that caused it does. ``key`` is the idempotency key (one row per key); by default
    every call is its own job. Arguments must be JSON values (ids, not ORM objects).
    """

    session = db.session()
    if not session.in_transaction():
        session.begin()  # so a rollback fires its event and drops the pending push
    row = OutboxJob(
        key=key or f"{func}:{uuid.uuid4().hex}",
        func=func,
        args=list(args),
        kwargs=dict(kwargs or {}),
        queue=queue,
        retry_intervals=list(retry_intervals or []),
    )
    session.add(row)
    push_after_commit(row)
    return row


def push_after_commit(row: Any) -> None:
    """Push an outbox row (new, or sent back to pending) once the session's transaction commits."""

    db.session().info.setdefault(_PENDING_KEY, []).append(
        PendingPush(row, row.queue, list(row.retry_intervals or []), row.func)
    )


def enqueue_mail_after_commit(func: str, *args: Any, key: str | None = None) -> Any:
    """A mail job on the ``mail`` queue, retried with growing pauses (``MAIL_RETRY_INTERVALS``,
    10 s, 1 min, 5 min by default) so an SMTP hiccup does not lose a link."""
    return enqueue_after_commit(
        func,
        *args,
        queue="mail",
        key=key,
        retry_intervals=list(current_app.config["MAIL_RETRY_INTERVALS"]),
    )


def mail_person_after_commit(job: str, event: Activity, person: User | None, actor: User) -> None:
    """Mail ``person`` about ``event`` once the unit of work commits, unless they did it
    themself or cannot sign in. ``job`` is ``jobs.<module>.<name>``; the key
    ``<name>:<event id>`` sends it once however often the commit is retried."""
    if person is None or person.id == actor.id or not person.active:
        return
    enqueue_mail_after_commit(job, event.id, key=f"{job.rsplit('.', 1)[-1]}:{event.id}")


def _after_transaction_create(session: Session, transaction: Any) -> None:
    """Remember how many pushes were pending when a savepoint began."""
    if transaction.nested:
        marks = session.info.setdefault(_SAVEPOINTS_KEY, {})
        marks[transaction] = len(session.info.get(_PENDING_KEY, []))


def _after_commit(session: Session) -> None:
    session.info.pop(_SAVEPOINTS_KEY, None)
    pending: list[PendingPush] = session.info.pop(_PENDING_KEY, [])
    for item in pending:
        push(item.outbox_id, item.queue, item.retry_intervals, item.func)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    """A rolled-back transaction sends nothing (its outbox rows are rolled back with it). A
    rolled-back savepoint drops only the jobs queued inside it: the outer work, and its jobs,
    still go ahead at the outer commit."""
    if previous_transaction.nested:
        mark = session.info.get(_SAVEPOINTS_KEY, {}).pop(previous_transaction, None)
        pending = session.info.get(_PENDING_KEY)
        if mark is not None and pending is not None:
            del pending[mark:]
        return
    session.info.pop(_SAVEPOINTS_KEY, None)
    session.info.pop(_PENDING_KEY, None)


def init_app(app: Flask) -> None:
    """Hook the session events once per process (create_app may run many times in tests)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
        event.listen(Session, "after_transaction_create", _after_transaction_create)


def redis_ok(app: Flask | None = None) -> tuple[bool, str]:
    try:
        redis_connection(app).ping()
    except (RedisError, OSError) as exc:
        return False, exc.__class__.__name__
    return True, "ok"
