"""When is a person's digest due? Pure date arithmetic, no database and no Flask.

A cron tick runs every few minutes and asks, for each person, which period is due *now*. The
answer is always the most recent period whose scheduled send time has passed, so a missed tick is
caught up by the next one, and because the delivery ledger is unique per (user, period key) a
period can be delivered at most once however many ticks see it.

Everything is scheduled in the person's LOCAL time and converted to UTC one date at a time, so a
daily digest at 08:00 stays at 08:00 across DST changes: the day of a change is simply 23 or 25
hours long and no period is skipped or doubled.

Local times that do not exist or exist twice (PEP 495):

* Spring-forward gap (e.g. 02:00 on 2027-03-14 in America/New_York): we use the ``fold=0``
  reading, i.e. the wall time interpreted with the offset in force *before* the change, which
  moves it forward by the length of the gap (02:00 EST == 03:00 EDT == 07:00 UTC). When the gap
  starts at the send hour, as DST gaps in practice do (whole-hour gaps, and Lord Howe's
  half-hour one), that is exactly the first real instant after the gap. The result is always a
  real instant and never moves earlier than the requested wall time, so it stays after the
  previous day's send.
* Fall-back overlap (e.g. 01:00 on 2027-11-07 in America/New_York): the first occurrence
  (``fold=0``, still on summer time). The repeated hour cannot trigger a second send because the
  period key is the local date, not the instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from teams_app.models import User

__all__ = ["Period", "current_period", "local_send_time", "next_due_at", "zone_for"]

_UTC_ZONE = ZoneInfo("UTC")
_STEPS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


@dataclass(frozen=True)
class Period:
    """One digest period for one person.

    ``key`` ("daily:2026-11-30" / "weekly:2026-11-30", the local date of the scheduled send) is
    what the delivery ledger is unique on; ``starts_at``..``due_at`` is the window the digest
    reports on, and consecutive periods' windows tile time without gaps or overlaps.
    """

    key: str
    due_at: datetime
    starts_at: datetime


def zone_for(name: str | None) -> ZoneInfo:
    """The person's zone, or UTC: a bad stored name must not stop everyone's digests."""
    if not name:
        return _UTC_ZONE
    try:
        return ZoneInfo(name)
    # Unknown names raise ZoneInfoNotFoundError, malformed ones (absolute or "..") and non-TZif
    # files ValueError, directory names ("America") and over-long names OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return _UTC_ZONE


def local_send_time(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """UTC instant of ``hour``:00 local on ``day``; gaps and overlaps as in the module docstring."""
    _check_hour(hour)
    # fold=0 is the default, spelled out because it *is* the gap/overlap policy.
    local = datetime.combine(day, time(hour), tzinfo=zone).replace(fold=0)
    return local.astimezone(UTC)


def current_period(
    frequency: str, weekday: int, hour: int, tz_name: str | None, now: datetime
) -> Period | None:
    """The most recent period whose send time is <= ``now``; None when digests are off.

    Returning the *latest* due period (not "the one due within this tick") is what makes a
    missed tick harmless: the next tick sees the same period and the ledger dedupes it.
    """
    kind = _kind(frequency, weekday, hour, now)
    if kind is None:
        return None
    zone = zone_for(tz_name)
    day, due_at = _latest_send(kind, weekday, hour, zone, now)
    step = _STEPS[kind]
    # The window starts at the previous period that can actually be current. Normally that is
    # just `day - step`, but a local date that does not exist at all (Samoa skipped 2011-12-30)
    # sends at the same instant as the following date and is never current; stepping past it
    # keeps every window non-empty and consecutive windows contiguous.
    previous = day - step
    starts_at = local_send_time(previous, hour, zone)
    while starts_at >= due_at:
        previous -= step
        starts_at = local_send_time(previous, hour, zone)
    return Period(key=f"{kind}:{day.isoformat()}", due_at=due_at, starts_at=starts_at)


def next_due_at(
    frequency: str, weekday: int, hour: int, tz_name: str | None, now: datetime
) -> datetime | None:
    """The first send time strictly after ``now`` (for "your next digest: ..."), or None."""
    kind = _kind(frequency, weekday, hour, now)
    if kind is None:
        return None
    zone = zone_for(tz_name)
    day, _ = _latest_send(kind, weekday, hour, zone, now)
    step = _STEPS[kind]
    day += step
    due_at = local_send_time(day, hour, zone)
    # Already after `now` unless the wall clock lags more than a day behind (tzdata has such
    # jumps only in the 1800s); the loop keeps "strictly after now" true regardless.
    while due_at <= now:
        day += step
        due_at = local_send_time(day, hour, zone)
    return due_at


def _kind(frequency: str, weekday: int, hour: int, now: datetime) -> str | None:
    """Canonical frequency name, or None for "off"/unknown; rejects impossible arguments.

    An out-of-range hour or weekday (the schema forbids both) or a naive ``now`` (server-local
    or UTC?) is a bug in the caller, so it fails loudly instead of scheduling something odd.
    """
    kind = next((name for name in _STEPS if name == frequency), None)
    if kind is None:
        return None
    _check_hour(hour)
    if kind == "weekly" and not 0 <= weekday <= 6:
        raise ValueError(f"digest weekday must be 0..6, got {weekday!r}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return kind


def _latest_send(
    kind: str, weekday: int, hour: int, zone: ZoneInfo, now: datetime
) -> tuple[date, datetime]:
    """The latest schedulable local date whose send time is <= ``now``, with that time."""
    step = _STEPS[kind]
    # Start one day past the local date of `now`: when a fall-back change crosses midnight the
    # wall clock can show an earlier date than a send that has already happened.
    day = now.astimezone(zone).date() + timedelta(days=1)
    if kind == "weekly":
        day -= timedelta(days=(day.weekday() - weekday) % 7)
    due_at = local_send_time(day, hour, zone)
    while due_at > now:
        day -= step
        due_at = local_send_time(day, hour, zone)
    return day, due_at


def _check_hour(hour: int) -> None:
    """Reject hours the schema forbids instead of silently scheduling something odd."""
    if not 0 <= hour <= 23:
        raise ValueError(f"digest hour must be 0..23, got {hour!r}")


def period_for(user: User, now: datetime) -> Period | None:
    """The person's current period by their own schedule (None: digests are off)."""
    return current_period(
        user.digest_frequency, user.digest_weekday, user.digest_hour, user.timezone, now
    )
