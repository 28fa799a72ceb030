"""The delivery ledger: sending a person's digest for a period exactly once.

A ledger row unique per person and period is claimed before any mail goes out (``claim``); an
attempt starts by compare-and-set on the claim (``start_attempt``, ``attempt_statement``); the
row then records the outcome: sent, skipped, failed (``record_failure``) or retired unsent
(``retire``). ``send`` is one person's whole run; ``batches.send_batch`` the same rules for many.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Update

from teams_app.digests import content
from teams_app.digests.schedule import Period, period_for, zone_for
from teams_app.digests.unsubscribe import unsubscribe_token
from teams_app.extensions import db
from teams_app.mail import build_message, deliver
from teams_app.models import DeliveryStatus, DigestDelivery, User, utcnow
from teams_app.urls import external_url

# Why a claimed row was retired unsent, by the outcome ``send`` and ``send_batch`` report.
RETIRED = {
    "inactive": "The person is no longer active.",
    "stale": "The schedule changed before it was sent.",
}


def last_window_end(user: User) -> datetime | None:
    """The end of the window the person's last digest covered (sent or skipped), if any."""
    return db.session.scalar(
        select(DigestDelivery.until)
        .where(
            DigestDelivery.user_id == user.id,
            DigestDelivery.status.in_((DeliveryStatus.SENT.value, DeliveryStatus.SKIPPED.value)),
        )
        .order_by(DigestDelivery.until.desc())
        .limit(1)
    )


def claim_row(
    user: User, period: Period, last_end: datetime | None, token: str, now: datetime
) -> DigestDelivery:
    """A new claimed row for (person, period): its window runs from the end of the last one
    (``last_end``; else the period's start, or when the person joined) to ``now``, and its
    Message-ID is fixed now, so a resend after a crash is recognisably the same message."""
    return DigestDelivery(
        user_id=user.id,
        period_key=period.key,
        due_at=period.due_at,
        since=last_end or max(period.starts_at, user.created_at),
        until=now,
        status=DeliveryStatus.CLAIMED.value,
        message_id=make_msgid(
            idstring=f"digest.{user.id}.{period.key}".replace(":", "."), domain="mission-teams"
        ),
        claim_token=token,
        claimed_at=now,
    )


def claim(user: User, period: Period, token: str, now: datetime) -> DigestDelivery | None:
    """Claim the (person, period) row for ``token``; None when it is already sent, skipped or
    failed, or another worker holds a live claim. A lapsed claim is taken over."""
    row = claim_row(user, period, last_window_end(user), token, now)
    db.session.add(row)
    try:
        db.session.commit()
        return row
    except IntegrityError:
        db.session.rollback()
    existing = db.session.scalars(
        select(DigestDelivery).where(
            DigestDelivery.user_id == user.id, DigestDelivery.period_key == period.key
        )
    ).one()
    if existing.status != DeliveryStatus.CLAIMED.value:
        return None
    if existing.claim_token == token:
        return existing  # a retry of the same job
    lease = timedelta(seconds=current_app.config["DIGEST_LEASE_SECONDS"])
    if existing.claimed_at >= now - lease:
        return None  # someone else is sending it right now
    # Take over a lapsed claim: compare-and-set on the old token, so of two takers one wins.
    result = db.session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == existing.id, DigestDelivery.claim_token == existing.claim_token)
        .values(claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    db.session.refresh(existing)
    return existing


def retire(user_id: int, period_key: str, reason: str) -> None:
    """A claimed row that must not be sent (digests turned off, the schedule moved on, the
    person left): skipped with an empty window, so the next digest still covers its content,
    and no tick picks it up again."""
    row = db.session.scalars(
        select(DigestDelivery).where(
            DigestDelivery.user_id == user_id,
            DigestDelivery.period_key == period_key,
            DigestDelivery.status == DeliveryStatus.CLAIMED.value,
        )
    ).one_or_none()
    if row is not None:
        row.status, row.until, row.error = DeliveryStatus.SKIPPED.value, row.since, reason
        row.finished_at = utcnow()
        db.session.commit()


def start_attempt(row: DigestDelivery, now: datetime) -> bool:
    """Count an attempt and renew the lease, by compare-and-set. An attempt still sending (not
    lapsed) blocks another: of two executions holding the same claim (one job id enqueued
    twice), exactly one sends; a retry after a failed attempt goes ahead."""
    if not _start_attempt_on(row.id, row.claim_token, now):
        return False
    db.session.refresh(row)
    return True


def _start_attempt_on(row_id: int, token: str | None, now: datetime) -> bool:
    result = db.session.execute(attempt_statement(row_id, token, now))
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def attempt_statement(row_id: int, token: str | None, now: datetime) -> Update:
    """The compare-and-set that starts an attempt: the claim is still this token's, unsent, and
    no other attempt is sending it (or that one's lease ran out)."""
    lease = timedelta(seconds=current_app.config["DIGEST_LEASE_SECONDS"])
    return (
        update(DigestDelivery)
        .where(
            DigestDelivery.id == row_id,
            DigestDelivery.claim_token == token,
            DigestDelivery.status == DeliveryStatus.CLAIMED.value,
            or_(
                DigestDelivery.sending_since.is_(None),
                DigestDelivery.sending_since < now - lease,
            ),
        )
        .values(attempts=DigestDelivery.attempts + 1, claimed_at=now, sending_since=now)
        .execution_options(synchronize_session=False)
    )


def send(user_id: int, period_key: str, token: str | None = None, *, last_try: bool = True) -> str:
    """Send one person's digest for one period, at most once. Returns what happened. Raises
    on any failure to build or deliver it (so RQ retries); the last try marks the row failed."""
    now = utcnow()
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.is_pending:
        retire(user_id, period_key, RETIRED["inactive"])
        return "inactive"
    period = period_for(user, now)
    if period is None or period.key != period_key:
        # Digests turned off, or the schedule (or the calendar) moved on since the tick: the
        # next period's digest covers this content.
        retire(user_id, period_key, RETIRED["stale"])
        return "stale"
    row = claim(user, period, token or uuid.uuid4().hex, now)
    if row is None:
        return "duplicate"
    if not start_attempt(row, now):
        return "busy"
    row_id = row.id
    try:
        digest = content.build(user, row.since, row.until)
        if digest.empty:
            row.status, row.finished_at = DeliveryStatus.SKIPPED.value, utcnow()
            db.session.commit()
            return "skipped"
        message = message_for(user, row, digest)
        deliver(message)
    except Exception as exc:
        record_failure(row_id, exc, last_try=last_try)
        raise
    row.status, row.finished_at, row.item_count, row.error = (
        DeliveryStatus.SENT.value,
        utcnow(),
        digest.count,
        None,
    )
    db.session.commit()
    return "sent"


def record_failure(row_id: int, exc: Exception, *, last_try: bool) -> None:
    """This attempt is over: the row says why, and on the last try it is failed for good."""
    db.session.rollback()
    failed = db.session.get(DigestDelivery, row_id)
    if failed is not None:
        failed.error = f"{type(exc).__name__}: {exc}"[:2000]
        failed.sending_since = None  # a retry may go ahead
        if last_try:
            failed.status, failed.finished_at = DeliveryStatus.FAILED.value, utcnow()
        db.session.commit()


def message_for(user: User, row: DigestDelivery, digest: content.Digest) -> EmailMessage:
    """The digest mail of ``row``: its fixed Message-ID, and a one-click unsubscribe link."""
    unsubscribe_url = external_url("digests.unsubscribe", token=unsubscribe_token(user))
    count = digest.count
    return build_message(
        user.email,
        f"Your Mission Teams digest: {count} update{'s' if count != 1 else ''}",
        "digest",
        message_id=row.message_id,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        user=user,
        digest=digest,
        unsubscribe_url=unsubscribe_url,
        preferences_url=external_url("account.profile") + "#digest",
        since=row.since.astimezone(zone_for(user.timezone)),
    )
