"""One date style, one Markdown renderer, readable excerpts, and chart scales with whole steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from teams_app import dates
from teams_app.markdown_text import excerpt, render
from teams_app.portfolio.chart import build, nice_step
from teams_app.portfolio.queries import Trends

NOON = datetime(2026, 11, 24, 12, 38, tzinfo=UTC)


def test_dates_read_one_way_in_the_readers_zone():
    assert dates.date_text(date(2026, 12, 1)) == "1 Dec 2026"
    assert dates.datetime_text(NOON, ZoneInfo("America/Chicago")) == "24 Nov 2026, 06:38"
    assert dates.month_text("2026-11") == "November 2026"
    assert dates.long_date_text(date(2027, 3, 31)) == "Wednesday 31 March 2027"
    element = dates.time_element(NOON, UTC, now=NOON + timedelta(days=3))
    assert element == (
        '<time datetime="2026-11-24T12:38:00Z" title="24 Nov 2026, 12:38">3 days ago</time>'
    )


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=5), "5 minutes ago"),
        (timedelta(hours=1, minutes=2), "1 hour ago"),
        (timedelta(days=1, hours=2), "yesterday"),
        (timedelta(days=12), "12 days ago"),
        (timedelta(days=95), "3 months ago"),
        (timedelta(days=800), "2 years ago"),
        (timedelta(days=-4), "in 4 days"),
    ],
)
def test_relative_time(delta, text):
    assert dates.relative_text(NOON - delta, now=NOON) == text


def test_excerpts_keep_sentences_apart():
    body = (
        "A passport was left in a book. We called the airport.\n\n- The returns check caught it\n"
        "- The number was on the wiki"
    )
    assert excerpt(body) == (
        "A passport was left in a book. We called the airport. The returns check caught it. "
        "The number was on the wiki."
    )
    assert excerpt(body, 40) == "A passport was left in a book. We…"
    assert excerpt("**Bold** start\nand a second line") == "Bold start and a second line."


def test_markdown_keeps_line_breaks_and_strips_what_is_not_allowed():
    html = str(render("one\ntwo <script>alert(1)</script> [x](javascript:alert(1))"))
    assert "one<br>" in html and "<script" not in html and "javascript:" not in html


def test_chart_scale_has_whole_even_steps_and_years_under_months():
    assert [nice_step(n) for n in (1, 3, 7, 12, 45, 180)] == [1, 1, 2, 5, 20, 50]
    months = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
    chart = build(Trends(months, [0] * 12, [3, 9] + [0] * 10, [1] * 12))
    assert [v for _, v in chart.y_ticks] == [0, 5, 10]
    labels = [(month, year) for _, month, year in chart.x_labels]
    assert labels[:3] == [("Nov", "2025"), ("Dec", ""), ("Jan", "2026")]
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.title == "December 2025: 9 barriers reported"
    assert tallest.height == pytest.approx(0.9 * (chart.bottom - chart.top), abs=0.2)


def test_one_text_leaves_nothing_behind_for_the_next():
    """The Markdown parser is reused between texts: a reference defined in one is not there for
    the next, and the same text renders the same the second (remembered) time."""

    first = "See [the guide][g].\n\n[g]: https://example.org/guide"
    assert 'href="https://example.org/guide"' in render(first)
    assert "href" not in render("See [the guide][g].")
    assert render(first) == render(first) and excerpt(first) == "See the guide."
