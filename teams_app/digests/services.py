"""Who is due a digest, what it would hold now, and what admins see of the runs. Sending one
exactly once is ``ledger``.

The database, not Redis, is the source of truth: a tick works out from each person's schedule
and the delivery ledger who is due (so a tick missed while Redis was down is caught up on the
next), and a ledger row unique per person and period is claimed before any mail goes out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import joinedload

from teams_app.digests import content, ledger
from teams_app.digests.schedule import Period, period_for
from teams_app.extensions import db
from teams_app.models import DeliveryStatus, DigestDelivery, DigestFrequency, User, utcnow


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


def recent_runs(limit: int = 50) -> list[DigestDelivery]:
    return list(
        db.session.scalars(
            select(DigestDelivery)
            .options(joinedload(DigestDelivery.user))
            .order_by(DigestDelivery.claimed_at.desc(), DigestDelivery.id.desc())
            .limit(limit)
        )
    )


def status_counts(days: int = 7) -> dict[str, int]:
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
    since = ledger.last_window_end(user)
    if since is None:
        fallback = period.starts_at if period is not None else now - timedelta(days=7)
        since = max(fallback, user.created_at)
    return content.build(user, since, now)
