"""Redis connection, RQ queues, and enqueueing jobs after the commit that makes their work visible.

If Redis is down the web app keeps serving: enqueue failures are logged, never raised into a page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING_KEY = "mission_teams_pending_jobs"
_SAVEPOINTS_KEY = "mission_teams_savepoint_marks"


@dataclass
class PendingJob:
    func: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    queue: str
    options: dict[str, Any] = field(default_factory=dict)


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


def enqueue_now(func: str, *args: Any, queue: str = "default", **options: Any) -> str | None:
    """Enqueue immediately; returns the job id, or None when Redis is unreachable (logged)."""
    kwargs = options.pop("kwargs", {})
    try:
        job = get_queue(queue).enqueue(func, args=args, kwargs=kwargs, **options)
    except (RedisError, OSError):
        current_app.logger.exception("could not enqueue %s: Redis is unreachable", func)
        return None
    return str(job.id)


def enqueue_after_commit(func: str, *args: Any, queue: str = "default", **options: Any) -> None:
    """Queue ``func`` (a dotted path in ``jobs``) once the session's transaction commits.

    A job enqueued before its data is committed could run against a row that does not exist yet;
    a rolled-back transaction must not send anything at all.
    """
    from teams_app.extensions import db

    kwargs = options.pop("kwargs", {})
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so a rollback fires its event and drops the pending job
    session.info.setdefault(_PENDING_KEY, []).append(PendingJob(func, args, kwargs, queue, options))


MAIL_RETRY_INTERVALS = [10, 60, 300]  # seconds: an SMTP hiccup should not lose a link


def enqueue_mail_after_commit(func: str, *args: Any) -> None:
    """Queue a mail job on the ``mail`` queue, retried three times with growing pauses."""
    enqueue_after_commit(
        func,
        *args,
        queue="mail",
        retry=Retry(max=len(MAIL_RETRY_INTERVALS), interval=MAIL_RETRY_INTERVALS),
    )


def _after_transaction_create(session: Session, transaction: Any) -> None:
    """Remember how many jobs were pending when a savepoint began."""
    if transaction.nested:
        marks = session.info.setdefault(_SAVEPOINTS_KEY, {})
        marks[transaction] = len(session.info.get(_PENDING_KEY, []))


def _after_commit(session: Session) -> None:
    session.info.pop(_SAVEPOINTS_KEY, None)
    pending: list[PendingJob] = session.info.pop(_PENDING_KEY, [])
    for job in pending:
        enqueue_now(job.func, *job.args, queue=job.queue, kwargs=job.kwargs, **job.options)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    """A rolled-back transaction sends nothing. A rolled-back savepoint drops only the jobs queued
    inside it: the outer work, and its jobs, still go ahead at the outer commit."""
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
