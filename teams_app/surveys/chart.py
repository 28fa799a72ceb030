"""Geometry for the results page's server-side SVG charts (the template only draws them).

A rating question is drawn as columns, one per value of its scale, with the count above each
column and a dashed line at the mean; a choice or "which branch" question as horizontal bars,
each with its label above it and its count and share at its end, so long labels never squeeze the
bars. The numbers are always in a table beside the chart as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from teams_app.surveys.results import QuestionResult

WIDTH = 400
COLUMNS_HEIGHT = 170
PAD = 8
TOP, BOTTOM = 22, 30
BAR_ROW = 40  # a label line and a bar
LABEL_MAX = 48


@dataclass
class Mark:
    x: float
    y: float
    width: float
    height: float
    label: str  # under a column, or above a bar
    count: int
    share: float
    title: str
    text_x: float
    text_y: float


@dataclass
class Chart:
    kind: str  # "columns" or "bars"
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    baseline_y: float = 0
    mean_x: float | None = None
    mean_text: str = ""


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1].rstrip() + "…"


def _answers(n: int) -> str:
    return f"{n} {'answer' if n == 1 else 'answers'}"


def build(result: QuestionResult) -> Chart | None:
    """The chart for one question's result; None for text questions or no distribution."""
    if not result.distribution:
        return None
    if result.kind.is_rating:
        return _columns(result)
    return _bars(result)


def _columns(result: QuestionResult) -> Chart:
    chart = Chart("columns", WIDTH, COLUMNS_HEIGHT)
    bottom = COLUMNS_HEIGHT - BOTTOM
    chart.baseline_y = bottom
    plot_h = bottom - TOP
    slot = (WIDTH - 2 * PAD) / len(result.distribution)
    bar_w = round(slot * 0.7, 1)
    peak = max([1, *(b.count for b in result.distribution)])
    for i, b in enumerate(result.distribution):
        h = round(b.count / peak * plot_h, 1)
        x = round(PAD + i * slot + (slot - bar_w) / 2, 1)
        chart.marks.append(
            Mark(
                x=x,
                y=round(bottom - h, 1),
                width=bar_w,
                height=h,
                label=b.label,
                count=b.count,
                share=b.share,
                title=f"{b.label}: {_answers(b.count)} ({b.share:g}%)",
                text_x=round(x + bar_w / 2, 1),
                text_y=round(bottom - h - 5, 1),
            )
        )
    if result.mean is not None:
        low = result.distribution[0].value
        position = (result.mean - Decimal(low)) * Decimal(str(slot)) + Decimal(str(slot)) / 2
        chart.mean_x = round(PAD + float(position), 1)
        chart.mean_text = f"mean {result.mean}"
    return chart


def _bars(result: QuestionResult) -> Chart:
    rows = len(result.distribution)
    chart = Chart("bars", WIDTH, rows * BAR_ROW + PAD)
    room = WIDTH - 2 * PAD - 86  # space for "1234 (100%)" after the longest bar
    peak = max([1, *(b.count for b in result.distribution)])
    for i, b in enumerate(result.distribution):
        top = PAD + i * BAR_ROW
        w = round(b.count / peak * room, 1)
        chart.marks.append(
            Mark(
                x=PAD,
                y=top + 18,
                width=max(w, 1.5) if b.count else 0,
                height=14,
                label=_short(b.label),
                count=b.count,
                share=b.share,
                title=f"{b.label}: {_answers(b.count)} ({b.share:g}%)",
                text_x=round(PAD + w + 6, 1),
                text_y=top + 29,
            )
        )
    return chart
