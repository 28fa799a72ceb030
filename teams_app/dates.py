"""The one way dates and times are written for people: "24 Nov 2026", "24 Nov 2026, 12:38" in the
reader's own time zone, "November 2026" for a month, and "3 days ago" where relative time helps.

Pages, mail and digests all call these, so a date reads the same everywhere. Machines get ISO 8601
(``<time datetime>``, the API, CSV files).

Dates and months people type or send are bounded to years 1900-2999, everywhere.

Python's ``date`` stops at year 9999 and "the month after 9999-12" is an error, PostgreSQL and
SQLite order and store these years the same way, and no library plan needs more: so every date
field (forms and API), every date or month filter and every "YYYY-MM" month is checked against
one range here, and anything outside it is a field error (or an ignored filter), never a 500.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, tzinfo

from markupsafe import Markup, escape

MONTHS = list(calendar.month_name)[1:]
MONTH_ABBR = list(calendar.month_abbr)[1:]
MIN_YEAR, MAX_YEAR = 1900, 2999
MIN_DATE, MAX_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
OUT_OF_RANGE = f"Use a date between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}."
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def aware(value: datetime) -> datetime:
    """Naive times in this app are UTC (SQLite, RQ): make them explicit."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def date_text(value: date) -> str:
    """24 Nov 2026"""
    return f"{value.day} {MONTH_ABBR[value.month - 1]} {value.year}"


def long_date_text(value: date) -> str:
    """Tuesday 24 November 2026 (where the weekday matters: a due date, a meeting)."""
    return (
        f"{calendar.day_name[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"
    )


def datetime_text(value: datetime, zone: tzinfo) -> str:
    """24 Nov 2026, 12:38 in ``zone``."""
    local = aware(value).astimezone(zone)
    return f"{date_text(local.date())}, {local:%H:%M}"


def month_text(period: str | date) -> str:
    """ "2026-11" (or a date in it) → "November 2026"."""
    if isinstance(period, date):
        return f"{MONTHS[period.month - 1]} {period.year}"
    return f"{MONTHS[int(period[5:7]) - 1]} {period[:4]}"


def short_month_text(period: str) -> str:
    """ "2026-11" → "Nov 2026" (chart axes, narrow tables)."""
    return f"{MONTH_ABBR[int(period[5:7]) - 1]} {period[:4]}"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def relative_text(value: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "5 minutes ago", "yesterday", "3 days ago", "2 months ago", "in 4 days"."""
    if value is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - aware(value)).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    days = seconds // 86400
    if days == 0:
        text = (
            _plural(seconds // 3600, "hour")
            if seconds >= 3600
            else _plural(seconds // 60, "minute")
        )
    elif days == 1:
        return "tomorrow" if future else "yesterday"
    elif days < 45:
        text = _plural(days, "day")
    elif days < 365:
        text = _plural(round(days / 30.44), "month")
    else:
        text = _plural(days // 365, "year")
    return f"in {text}" if future else f"{text} ago"


def time_element(value: datetime | None, zone: tzinfo, now: datetime | None = None) -> Markup:
    """``<time>`` with relative text; the exact local time is its title and its datetime."""
    if value is None:
        return Markup("never")
    value = aware(value)
    iso = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    exact = datetime_text(value, zone)
    # Built with escape(), not Markup.format: a long list shows hundreds of these.
    relative = escape(relative_text(value, now))
    return Markup(f'<time datetime="{iso}" title="{escape(exact)}">{relative}</time>')  # noqa: S704


def date_element(value: date | None) -> Markup:
    """``<time datetime="2026-11-24">24 Nov 2026</time>``"""
    if value is None:
        return Markup("")
    text = escape(date_text(value))
    return Markup(f'<time datetime="{value.isoformat()}">{text}</time>')  # noqa: S704


# --- The range every date people give must fall in ---


def in_range(day: date | None) -> bool:
    return day is None or MIN_DATE <= day <= MAX_DATE


def parse_date(raw: str | None) -> date | None:
    """A filter's ``YYYY-MM-DD``, or None when it is missing, malformed or out of range."""
    try:
        day = date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None
    return day if day is not None and in_range(day) else None


def month_bounds(month: str | None) -> tuple[date, date]:
    """The first day of ``month`` ("YYYY-MM") and the first day of the next; ValueError when
    it is not a month in range."""
    found = _MONTH.match((month or "").strip())
    if found is None:
        raise ValueError(f"{month!r} is not a month")
    year, mon = int(found.group(1)), int(found.group(2))
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= mon <= 12):
        raise ValueError(f"{month!r} is not a month between {MIN_YEAR}-01 and {MAX_YEAR}-12")
    start = date(year, mon, 1)
    end = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return start, end


def is_month(value: str | None) -> bool:
    try:
        month_bounds(value)
    except ValueError:
        return False
    return True
