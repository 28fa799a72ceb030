"""Who is due a digest, and sending one exactly once.

The database, not Redis, is the source of truth: a tick works out from each person's schedule
and the delivery ledger who is due (so a tick missed while Redis was down is caught up on the
next), and a ledger row unique per person and period is claimed before any mail goes out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Update

from teams_app.digests import content
from teams_app.digests.schedule import Period, current_period
from teams_app.extensions import db
from teams_app.mail import build_message, deliver
from teams_app.models import DeliveryStatus, DigestDelivery, DigestFrequency, User, utcnow
from teams_app.security import _serializer
from teams_app.urls import external_url

UNSUBSCRIBE_PURPOSE = "digest-unsubscribe"


def period_for(user: User, now: datetime) -> Period | None:
    return current_period(
        user.digest_frequency, user.digest_weekday, user.digest_hour, user.timezone, now
    )


def _recipients() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.password_hash.is_not(None),
                User.digest_frequency != DigestFrequency.OFF.value,
            )
            .order_by(User.id)
        )
    )


def due(now: datetime | None = None) -> list[tuple[User, Period]]:
    """People whose current period has passed its send time and has no ledger row yet. A
    period that ended before the person joined is not theirs: they start with the next."""
    now = now or utcnow()
    candidates = []
    for user in _recipients():
        period = period_for(user, now)
        if period is not None and period.due_at >= user.created_at:
            candidates.append((user, period))
    if not candidates:
        return []
    taken: set[tuple[int, str]] = set()
    for chunk_start in range(0, len(candidates), 500):
        chunk = candidates[chunk_start : chunk_start + 500]
        pairs = [(u.id, p.key) for u, p in chunk]
        rows = db.session.execute(
            select(DigestDelivery.user_id, DigestDelivery.period_key).where(
                tuple_(DigestDelivery.user_id, DigestDelivery.period_key).in_(pairs)
            )
        )
        taken.update((user_id, key) for user_id, key in rows)
    return [(u, p) for u, p in candidates if (u.id, p.key) not in taken]


def abandoned(now: datetime | None = None) -> list[DigestDelivery]:
    """Claims whose worker went away (killed mid-run): their lease has run out."""
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config["DIGEST_LEASE_SECONDS"])
    return list(
        db.session.scalars(
            select(DigestDelivery).where(
                DigestDelivery.status == DeliveryStatus.CLAIMED.value,
                DigestDelivery.claimed_at < now - lease,
            )
        )
    )


@dataclass
class Outcome:
    status: str  # sent, skipped, duplicate, busy
    delivery: DigestDelivery | None = None


def _last_window_end(user: User) -> datetime | None:
    return db.session.scalar(
        select(DigestDelivery.until)
        .where(
            DigestDelivery.user_id == user.id,
            DigestDelivery.status.in_((DeliveryStatus.SENT.value, DeliveryStatus.SKIPPED.value)),
        )
        .order_by(DigestDelivery.until.desc())
        .limit(1)
    )


def claim(user: User, period: Period, token: str, now: datetime) -> DigestDelivery | None:
    """Claim the (person, period) row for ``token``; None when it is already sent, skipped or
    failed, or another worker holds a live claim. A lapsed claim is taken over."""
    row = DigestDelivery(
        user_id=user.id,
        period_key=period.key,
        due_at=period.due_at,
        since=_last_window_end(user) or max(period.starts_at, user.created_at),
        until=now,
        status=DeliveryStatus.CLAIMED.value,
        message_id=make_msgid(
            idstring=f"digest.{user.id}.{period.key}".replace(":", "."), domain="mission-teams"
        ),
        claim_token=token,
        claimed_at=now,
    )
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


def _retire(user_id: int, period_key: str, reason: str) -> None:
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


def _start_attempt(row: DigestDelivery, now: datetime) -> bool:
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


def unsubscribe_token(user: User) -> str:
    return _serializer(UNSUBSCRIBE_PURPOSE).dumps({"u": user.id})


def user_for_unsubscribe(token: str) -> User | None:
    """The person a signed unsubscribe token names; None when it is forged or mangled."""
    from itsdangerous import BadSignature

    try:
        data = _serializer(UNSUBSCRIBE_PURPOSE).loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def unsubscribe(user: User) -> None:
    user.digest_frequency = DigestFrequency.OFF.value
    db.session.commit()


def send(user_id: int, period_key: str, token: str | None = None, *, last_try: bool = True) -> str:
    """Send one person's digest for one period, at most once. Returns what happened. Raises
    on any failure to build or deliver it (so RQ retries); the last try marks the row failed."""
    now = utcnow()
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.is_pending:
        _retire(user_id, period_key, "The person is no longer active.")
        return "inactive"
    period = period_for(user, now)
    if period is None or period.key != period_key:
        # Digests turned off, or the schedule (or the calendar) moved on since the tick: the
        # next period's digest covers this content.
        _retire(user_id, period_key, "The schedule changed before it was sent.")
        return "stale"
    row = claim(user, period, token or uuid.uuid4().hex, now)
    if row is None:
        return "duplicate"
    if not _start_attempt(row, now):
        return "busy"
    row_id = row.id
    try:
        digest = content.build(user, row.since, row.until)
        if digest.empty:
            row.status, row.finished_at = DeliveryStatus.SKIPPED.value, utcnow()
            db.session.commit()
            return "skipped"
        message = _message(user, row, digest)
        deliver(message)
    except Exception as exc:
        _record_failure(row_id, exc, last_try=last_try)
        raise
    row.status, row.finished_at, row.item_count, row.error = (
        DeliveryStatus.SENT.value,
        utcnow(),
        digest.count,
        None,
    )
    db.session.commit()
    return "sent"


def _record_failure(row_id: int, exc: Exception, *, last_try: bool) -> None:
    """This attempt is over: the row says why, and on the last try it is failed for good."""
    db.session.rollback()
    failed = db.session.get(DigestDelivery, row_id)
    if failed is not None:
        failed.error = f"{type(exc).__name__}: {exc}"[:2000]
        failed.sending_since = None  # a retry may go ahead
        if last_try:
            failed.status, failed.finished_at = DeliveryStatus.FAILED.value, utcnow()
        db.session.commit()


def _message(user: User, row: DigestDelivery, digest: content.Digest) -> EmailMessage:
    from teams_app.digests.schedule import zone_for

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


def recent_runs(limit: int = 50) -> list[DigestDelivery]:
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(DigestDelivery)
            .options(joinedload(DigestDelivery.user))
            .order_by(DigestDelivery.claimed_at.desc(), DigestDelivery.id.desc())
            .limit(limit)
        )
    )


def status_counts(days: int = 7) -> dict[str, int]:
    from sqlalchemy import func

    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(DigestDelivery.status, func.count())
        .where(DigestDelivery.claimed_at >= since)
        .group_by(DigestDelivery.status)
    ).all()
    counts = {s.value: 0 for s in DeliveryStatus}
    counts.update({status: n for status, n in rows})
    return counts


def preview(user: User, now: datetime | None = None) -> content.Digest:
    """What the person's digest would hold if it were sent now."""
    now = now or utcnow()
    period = period_for(user, now)
    since = _last_window_end(user)
    if since is None:
        fallback = period.starts_at if period is not None else now - timedelta(days=7)
        since = max(fallback, user.created_at)
    return content.build(user, since, now)
