"""Sending the digests of a batch of people in one job: the weekly run at thousands of people.

The same rules as ``ledger.send`` for each person (the ledger row is claimed before any mail
goes out, an attempt starts by compare-and-set, the row records the outcome), with the work
that does not have to be per person done once for the batch:

* the claims are one insert when nobody else holds any of them (a retry, or a duplicate job,
  falls back to claiming one by one);
* the digests' sources are loaded in a fixed number of queries (``content.load``) and every
  message is rendered before the first is sent;
* the ledger writes of the sending loop go over a connection of their own, one round trip
  each (``_ledger_connection``);
* every message goes over one SMTP connection (``mail.smtp_session``).

A failure to build or deliver one person's digest is recorded on that person's row and the
batch carries on; the job then raises, so RQ retries it, and the retry sends only what is still
claimed by this job: nobody's digest is lost or sent twice. The job's timeout is the exception:
the attempt under way is recorded and the batch stops at once, leaving the rest claimed for the
retry, rather than sending on until the worker kills it with a row still marked sending.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from rq.timeouts import BaseTimeoutException
from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from teams_app.digests import content, ledger
from teams_app.digests.schedule import Period, period_for
from teams_app.extensions import db
from teams_app.mail import deliver, smtp_session
from teams_app.models import DeliveryStatus, DigestDelivery, User, utcnow


class BatchFailed(Exception):
    """Some digests of the batch could not be sent: their rows say why; a retry sends them."""


@dataclass
class _Prepared:
    user_id: int
    period_key: str
    row_id: int
    token: str | None
    count: int = 0
    message: EmailMessage | None = None  # None: nothing new, the period is skipped
    error: Exception | None = None  # building or rendering failed


def send_batch(
    work: Sequence[tuple[int, str]], token: str, *, last_try: bool = True
) -> dict[tuple[int, str], str]:
    """Send the digests of ``work`` (person, period key) once each; returns each one's outcome
    (sent, skipped, duplicate, busy, inactive, stale, failed). Raises ``BatchFailed`` after
    trying everyone when any failed, so the job is retried."""
    now = utcnow()
    pairs = list(dict.fromkeys((int(user_id), str(key)) for user_id, key in work))
    outcomes: dict[tuple[int, str], str] = {}
    users = _users([user_id for user_id, _ in pairs])
    due: list[tuple[User, Period]] = []
    for user_id, key in pairs:
        user = users.get(user_id)
        period = None if user is None else period_for(user, now)
        if user is None or not user.active or user.is_pending:
            outcomes[user_id, key] = "inactive"
        elif period is None or period.key != key:
            outcomes[user_id, key] = "stale"
        else:
            due.append((user, period))
    due_pairs = [(u.id, p.key) for u, p in due]
    for (user_id, key), outcome in list(outcomes.items()):  # rare: one by one
        ledger.retire(user_id, key, ledger.RETIRED[outcome])

    rows = _claim_all(due, token, now)
    outcomes.update({pair: "duplicate" for pair in due_pairs if pair[0] not in rows})
    prepared = _prepare(rows)
    # What is left needs only ids and the rendered messages: with nothing in the session, a
    # failure's commit expires nothing. The read transaction ends; the loop writes on its own.
    db.session.expunge_all()
    db.session.commit()

    failures: list[Exception] = []
    with _ledger_connection() as conn, smtp_session():
        for item in prepared:
            outcome = _send_one(conn, item, last_try=last_try)
            outcomes[item.user_id, item.period_key] = outcome
            if outcome == "failed" and item.error is not None:
                failures.append(item.error)
    if failures:
        first = failures[0]
        raise BatchFailed(
            f"{len(failures)} of {len(pairs)} digests failed; first: {type(first).__name__}: "
            f"{first}"
        ) from first
    return outcomes


def _users(ids: list[int]) -> dict[int, User]:
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _claim_all(
    due: list[tuple[User, Period]], token: str, now: datetime
) -> dict[int, DigestDelivery]:
    """Each person's claimed row (missing: someone else's). One insert for everyone when no
    row exists yet; otherwise ``ledger.claim`` one by one, which knows every other case."""
    if not due:
        return {}
    ids = [u.id for u, _ in due]
    last_end = dict(
        db.session.execute(
            select(DigestDelivery.user_id, func.max(DigestDelivery.until))
            .where(
                DigestDelivery.user_id.in_(ids),
                DigestDelivery.status.in_(
                    (DeliveryStatus.SENT.value, DeliveryStatus.SKIPPED.value)
                ),
            )
            .group_by(DigestDelivery.user_id)
        ).all()
    )
    rows = {
        user.id: ledger.claim_row(user, period, last_end.get(user.id), token, now)
        for user, period in due
    }
    mine = {(u.id, p.key) for u, p in due}
    db.session.add_all(rows.values())
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        claimed = [(u, p) for u, p in due if ledger.claim(u, p, token, now) is not None]
        mine = {(u.id, p.key) for u, p in claimed}
    # The commits expired everything: one query each brings the rows and people back.
    ids = [user_id for user_id, _ in mine]
    found = db.session.scalars(
        select(DigestDelivery).where(
            DigestDelivery.user_id.in_(ids),
            DigestDelivery.period_key.in_({key for _, key in mine}),
        )
    )
    rows = {r.user_id: r for r in found if (r.user_id, r.period_key) in mine}
    _users(ids)
    return rows


def _prepare(rows: dict[int, DigestDelivery]) -> list[_Prepared]:
    """Every digest built and rendered, before the ledger loop's first commit."""
    windows = [content.Window(row.user, row.since, row.until) for row in rows.values()]
    try:
        digests = content.build_many(windows)
    except BaseTimeoutException:
        raise  # the job's time is up: nothing was attempted, the retry takes the claims
    except Exception as exc:  # noqa: BLE001 - recorded on every row of the batch
        return [
            _Prepared(r.user_id, r.period_key, r.id, r.claim_token, error=exc)
            for r in rows.values()
        ]
    prepared = []
    for window, digest in zip(windows, digests, strict=True):
        row = rows[window.user.id]
        item = _Prepared(row.user_id, row.period_key, row.id, row.claim_token, count=digest.count)
        try:
            if not digest.empty:
                item.message = ledger.message_for(window.user, row, digest)
        except BaseTimeoutException:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on this person's row
            item.error = exc
        prepared.append(item)
    return prepared


@contextmanager
def _ledger_connection() -> Iterator[Connection]:
    """A connection of its own, in autocommit mode, for the loop's ledger writes: starting an
    attempt and recording its outcome are one round trip each. On PostgreSQL their commits do
    not wait for the WAL to reach the disk (``synchronous_commit`` off on this connection while
    the batch runs; waiting was most of a digest's time). A commit is visible to every other
    worker at once, so a worker's crash changes nothing; only a crash of the database server
    in the next instant could forget an outcome, and a forgotten one is sent again, with the
    same Message-ID, when its lease lapses. The claims, which fix each Message-ID, and failures
    are committed durably, by the session."""
    with db.engine.connect() as plain:
        conn = plain.execution_options(isolation_level="AUTOCOMMIT")
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("SET synchronous_commit TO OFF"))
        try:
            yield conn
        finally:
            if postgres:
                _reset(conn)


def _reset(conn: Connection) -> None:
    """Durable commits again before the connection goes back to the pool; a connection that
    cannot say so is discarded instead, never lent out with non-durable commits."""
    try:
        conn.execute(text("RESET synchronous_commit"))
    except SQLAlchemyError:
        conn.invalidate()
    except BaseException:
        conn.invalidate()
        raise


def _send_one(conn: Connection, item: _Prepared, *, last_try: bool) -> str:
    """One person's attempt: started by compare-and-set (as ``ledger.send`` does), then the
    message handed over, then the outcome recorded."""
    started = conn.execute(ledger.attempt_statement(item.row_id, item.token, utcnow()))
    if started.rowcount != 1:
        return "busy"
    try:
        if item.error is not None:
            raise item.error
        if item.message is not None:
            deliver(item.message)
    except BaseTimeoutException as exc:
        # The job's time is up (RQ's timeouts are Exceptions): this row's attempt is recorded
        # and the batch stops here, instead of sending on until the worker kills it mid-send
        # and leaves a row "sending" for its lease to send again.
        item.error = exc
        ledger.record_failure(item.row_id, exc, last_try=last_try)
        raise
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the batch raises at the end
        item.error = exc
        ledger.record_failure(item.row_id, exc, last_try=last_try)
        return "failed"
    if item.message is None:
        _finish(conn, item.row_id, status=DeliveryStatus.SKIPPED.value)
        return "skipped"
    values = {"status": DeliveryStatus.SENT.value, "item_count": item.count, "error": None}
    try:
        _finish(conn, item.row_id, **values)
    except BaseTimeoutException:
        _finish(conn, item.row_id, **values)  # it was sent: say so, then stop
        raise
    return "sent"


def _finish(conn: Connection, row_id: int, **values: object) -> None:
    conn.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == row_id)
        .values(finished_at=utcnow(), **values)
    )
