"""The figures of satisfaction results, without the database: a result as a point of a series,
the change from a baseline and the one way it is written, the months initiatives completed in.
``services`` records results and ``queries`` reads them; both work in these terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from teams_app.dates import month_text
from teams_app.errors import InvalidInput, NotFound

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def period_label(period: str) -> str:
    """ "2026-01" → "January 2026"."""
    return month_text(period)


def metric_key(metric: str) -> str:
    return " ".join(metric.split()).lower()


def check_period(value: Any) -> str | None:
    """The period as "YYYY-MM" when it is a real month, else None."""
    found = _PERIOD.match(str(value or "").strip())
    if not found or not 1900 <= int(found.group(1)) <= 2999 or not 1 <= int(found.group(2)) <= 12:
        return None
    return found.group(0)


@dataclass
class Point:
    period: str
    score: Decimal
    scale_max: Decimal
    respondents: int

    @property
    def percent(self) -> float:
        """The score as a share of its scale, in percent (4.0 of 5 → 80.0)."""
        return round(float(self.score) / float(self.scale_max) * 100, 1)

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def score_text(self) -> str:
        """On a short scale a whole score keeps one decimal ("4.0 of 5"), as surveys print it."""
        text = plain(self.score)
        return f"{text}.0" if "." not in text and self.scale_max <= 10 else text

    @property
    def scale_text(self) -> str:
        return plain(self.scale_max)


def plain(number: Decimal) -> str:
    """4.20 → "4.2", 100.00 → "100" (never "1E+2")."""
    return f"{Decimal(number).normalize():f}"


@dataclass
class Summary:
    metric: str
    baseline: Point
    latest: Point
    change_pct: float | None

    @property
    def change_text(self) -> str:
        """ "+10.4% since January 2026" ("No change since …", or no comparison when the baseline
        score is 0)."""
        return change_text(self.baseline, self.latest, self.change_pct)

    @property
    def change_points(self) -> float:
        """The same change in percentage points of the scale (what the chart's axis shows)."""
        return round(self.latest.percent - self.baseline.percent, 1)


def change_text(baseline: Point, latest: Point, pct: float | None) -> str:
    """The one way a change in satisfaction is written, on every page and in the API: the
    relative change of the score ("+10.4% since January 2026"); see ``change_pct``."""
    since = f"since {period_label(baseline.period)}"
    if baseline.period == latest.period:
        return f"The first result: nothing earlier than {period_label(latest.period)}"
    if pct is None:
        return f"No comparison {since} (the baseline score is 0)"
    if pct == 0:
        return f"No change {since}"
    return f"{pct:+.1f}% {since}"


def change_pct(baseline: Point, latest: Point) -> float | None:
    """The relative change of the score as a share of its scale, in percent, to one decimal.

    Each score is first taken as a percentage of its own scale (so a survey that moved from a
    5-point to a 10-point scale still compares), then: (latest% − baseline%) / baseline% × 100.
    3.6 of 5 (72%) → 4.0 of 5 (80%) is +11.1%: "+11.1% since January". It is not a difference
    in percentage points. None when the baseline is 0 (no relative change exists).
    """
    base = Decimal(baseline.score) / Decimal(baseline.scale_max)
    if base == 0:
        return None
    now = Decimal(latest.score) / Decimal(latest.scale_max)
    change = (now - base) / base * 100
    return float(change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def summarise(metric: str, points: list[Point], baseline: str | None) -> Summary:
    """The change from ``baseline`` (a period with a result; default the earliest) to the latest
    result of a series sorted oldest first."""
    if not points:
        raise NotFound("There are no results for this metric.")
    start = points[0]
    if baseline is not None:
        period = check_period(baseline)
        if period is None:
            raise InvalidInput.on("baseline", "Give the baseline month as YYYY-MM.")
        found = next((p for p in points if p.period == period), None)
        if found is None:
            raise InvalidInput.on(
                "baseline",
                f"There is no {metric} result for {period_label(period)}: choose a month with "
                "a result.",
            )
        start = found
    latest = points[-1]
    return Summary(metric, start, latest, change_pct(start, latest))


@dataclass
class Series:
    """One metric's results over time (organisation-wide or one department's), oldest first."""

    metric: str
    key: str
    points: list[Point] = field(default_factory=list)

    @property
    def periods(self) -> list[str]:
        return [p.period for p in self.points]


@dataclass
class Latest:
    """The newest organisation-wide result, with the one before it for the same metric."""

    metric: str
    point: Point
    previous: Point | None

    @property
    def change_pct(self) -> float | None:
        """The relative change since the previous result, as everywhere (None without one)."""
        if self.previous is None:
            return None
        return change_pct(self.previous, self.point)

    @property
    def change_text(self) -> str | None:
        if self.previous is None:
            return None
        return change_text(self.previous, self.point, self.change_pct)


@dataclass
class Completion:
    initiative_id: int
    title: str
    team: str
    completed_on: date

    @property
    def period(self) -> str:
        return self.completed_on.strftime("%Y-%m")


def month_bounds(first: str, last: str) -> tuple[datetime, datetime]:
    """From the first instant of month ``first`` to the first instant after month ``last`` (UTC)."""
    start = datetime(int(first[:4]), int(first[5:]), 1, tzinfo=UTC)
    year, month = int(last[:4]), int(last[5:])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return start, datetime(year, month, 1, tzinfo=UTC)


@dataclass
class MonthCompletions:
    """The initiatives completed in one month: how many, and the first few of them."""

    period: str
    count: int
    first: list[Completion] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.first)
