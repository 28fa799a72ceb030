"""Geometry for the server-side SVG line chart of one metric: the template only draws it.

Months are evenly spaced (a missing month leaves a gap in spacing, not a squeezed line); the
vertical axis is the score as a percentage of its scale; each month in which initiatives were
completed gets one vertical marker, numbered with how many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from teams_app.satisfaction.figures import MonthCompletions, Point, Series, period_label

WIDTH, HEIGHT = 760, 250
LEFT, RIGHT, TOP, BOTTOM = 78, 18, 30, 54
_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:]) - 1


@dataclass
class Dot:
    x: float
    y: float
    title: str
    baseline: bool
    latest: bool


@dataclass
class Marker:
    x: float
    number: int  # how many initiatives were completed that month
    title: str

    @property
    def digits(self) -> int:
        """Three or more digits are drawn smaller so the circle keeps the width of a month."""
        return min(3, len(str(self.number)))


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    line: str = ""
    dots: list[Dot] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    # (x, month, year or "", minor): minor labels are left out on narrow screens.
    x_labels: list[tuple[float, str, str, bool]] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    baseline_y: float | None = None


def _label(point: Point) -> str:
    score, scale = point.score_text, point.scale_text
    return f"{period_label(point.period)}: {score} of {scale} ({point.percent:g}%)"


def build(one: Series, completions: list[MonthCompletions], baseline: str | None) -> Chart:
    """The chart of ``one`` with ``completions`` (months already limited to its span) marked."""
    chart = Chart()
    points = one.points
    if not points:
        return chart
    first, last = _index(points[0].period), _index(points[-1].period)
    span = max(1, last - first)
    plot_w, plot_h = chart.right - chart.left, chart.bottom - chart.top

    def x_at(months: float) -> float:
        if last == first:
            return round(chart.left + plot_w / 2, 1)
        return round(chart.left + (months - first) / span * plot_w, 1)

    lowest = min(p.percent for p in points)
    low = max(0, math.floor((lowest - 5) / 10) * 10)
    high = 100

    def y_at(pct: float) -> float:
        return round(chart.top + (high - pct) / (high - low) * plot_h, 1)

    step = 10 if high - low <= 50 else 20
    chart.y_ticks = [(y_at(v), f"{v}%") for v in range(low, high + 1, step)]
    months = last - first + 1
    every = max(1, math.ceil(months / 12))
    for n, i in enumerate(range(first, last + 1, every)):
        year, month = divmod(i, 12)
        sub = str(year) if (i == first or month == 0) else ""
        chart.x_labels.append((x_at(i), _ABBR[month], sub, n % 2 == 1 and not sub))
    for p in points:
        chart.dots.append(
            Dot(
                x_at(_index(p.period)),
                y_at(p.percent),
                _label(p),
                p.period == baseline,
                p is points[-1],
            )
        )
    chart.line = " ".join(f"{d.x},{d.y}" for d in chart.dots)
    if baseline is not None:
        base = next((p for p in points if p.period == baseline), None)
        if base is not None:
            chart.baseline_y = y_at(base.percent)
    for done in completions:
        at = min(max(_index(done.period), first), last)
        chart.markers.append(Marker(x_at(at), done.count, _marker_title(done)))
    return chart


def _marker_title(month: MonthCompletions) -> str:
    titles = ", ".join(f"{c.title} ({c.team})" for c in month.first)
    more = f" and {month.more} more" if month.more else ""
    what = "initiative" if month.count == 1 else "initiatives"
    return f"{period_label(month.period)}: {month.count} {what} completed: {titles}{more}"
