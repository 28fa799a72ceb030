"""Geometry for the portfolio's 12-month bar chart (the template only draws it).

Three bars a month (barriers reported, barriers removed, initiatives completed) on a y-axis
whose ticks are whole, evenly spaced counts; months are labelled "Jan" with the year under the
first month and under each January, so a reader always knows which year a bar belongs to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from teams_app.dates import MONTH_ABBR, month_text
from teams_app.portfolio.queries import Trends

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 46
SERIES = (
    ("reported", "Barriers reported"),
    ("removed", "Barriers removed"),
    ("completed", "Initiatives completed"),
)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    title: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    # (x, month abbreviation, year or "")
    x_labels: list[tuple[float, str, str]] = field(default_factory=list)
    series: tuple[tuple[str, str], ...] = SERIES


def nice_step(top: int, ticks: int = 4) -> int:
    """A whole step (1, 2, 5, 10, 20, 50...) giving about ``ticks`` ticks up to ``top``."""
    raw = max(1.0, top / ticks)
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return int(multiple * magnitude)
    return int(10 * magnitude)


def build(trends: Trends) -> Chart:
    chart = Chart()
    values = {"reported": trends.reported, "removed": trends.removed, "completed": trends.completed}
    peak = max([1, *trends.reported, *trends.removed, *trends.completed])
    step = nice_step(peak)
    high = step * math.ceil(peak / step)
    plot_h = chart.bottom - chart.top
    slot = (chart.right - chart.left) / max(1, len(trends.months))
    bar_w = round(slot * 0.8 / len(SERIES), 1)

    def y_at(n: float) -> float:
        return round(chart.bottom - n / high * plot_h, 1)

    chart.y_ticks = [(y_at(v), v) for v in range(0, high + 1, step)]
    for i, month in enumerate(trends.months):
        x0 = chart.left + i * slot + slot * 0.1
        year, number = month[:4], int(month[5:7])
        first_or_january = i == 0 or number == 1
        chart.x_labels.append(
            (round(x0 + bar_w * 1.5, 1), MONTH_ABBR[number - 1], year if first_or_january else "")
        )
        for j, (key, label) in enumerate(SERIES):
            n = values[key][i]
            chart.bars.append(
                Bar(
                    x=round(x0 + j * bar_w, 1),
                    y=y_at(n),
                    width=bar_w,
                    height=round(chart.bottom - y_at(n), 1),
                    series=key,
                    title=f"{month_text(month)}: {n} {label.lower()}",
                )
            )
    return chart
