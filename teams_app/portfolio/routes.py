"""The portfolio page for leadership: matrix, totals, what needs attention, trends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from teams_app.dates import parse_date
from teams_app.extensions import db
from teams_app.initiatives import pipeline
from teams_app.input_guard import parse_id
from teams_app.models import Health, Team, utcnow
from teams_app.pagination import clamp
from teams_app.permissions import require
from teams_app.portfolio import board as board_queries
from teams_app.portfolio import chart, exports, figures, queries
from teams_app.satisfaction import queries as satisfaction_queries
from teams_app.satisfaction.figures import summarise as summarise_satisfaction
from teams_app.stories.queries import featured_for_home
from teams_app.urls import external_url
from teams_app.views import csv_download, signed_in_only

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
signed_in_only(bp)


@bp.before_request
def _leadership_only() -> None:
    require(current_user, "view_portfolio")


def _date(raw: str | None) -> date | None:
    return parse_date(raw)  # None when malformed or out of range: the filter is ignored


def filter_from_args() -> queries.PortfolioFilter:
    args = request.args
    health = args.get("health")
    return queries.PortfolioFilter(
        team_id=args.get("team_id", type=parse_id),
        sponsor_id=args.get("sponsor_id", type=parse_id),
        stage_id=args.get("stage_id", type=parse_id),
        health=health if health in {h.value for h in Health} else None,
        department_id=args.get("department_id", type=parse_id),
        target_from=_date(args.get("target_from")),
        target_to=_date(args.get("target_to")),
    )


SINCE_CHOICES = (7, 30, 90)


def _since() -> int:
    days = request.args.get("since", type=int)
    return days if days in SINCE_CHOICES else 30


@bp.get("/")
def index() -> str:
    f = filter_from_args()
    now = utcnow()
    since = _since()
    stages = pipeline.stages()
    choices = figures.filter_choices()
    trends = figures.trends(f, now)
    return render_template(
        "portfolio/index.html",
        f=f,
        overview=figures.overview(f, now, stages),
        attention=figures.attention(f, now),
        trends=trends,
        chart=chart.build(trends),
        medians=figures.median_days_in_stage(f, now),
        changes=queries.changes(f, since, now),
        since=since,
        since_choices=SINCE_CHOICES,
        healths=[(h.value, h.label) for h in Health],
        stages=stages,
        team_href=_team_href(f),
        teams=choices.teams,
        sponsors=choices.sponsors,
        departments=choices.departments,
    )


def _team_href(f: queries.PortfolioFilter) -> Callable[[int], str]:
    """The page filtered to one more team, for each of up to 500 rows: ``url_for`` once, not
    once a row (the same address ``url_for`` builds: the filter's arguments, then team_id)."""
    base = url_for("portfolio.index")
    args = f.as_args()
    return lambda team_id: f"{base}?{urlencode({**args, 'team_id': team_id})}"


@bp.get("/board")
def board() -> str:
    """Initiatives per team and stage, a page of teams at a time; each team's cards open under
    its row (``board.js`` fetches ``board_cards``) or, without script, on ``board_team``."""
    f = filter_from_args()
    page, _ = clamp(request.args.get("page", 1), board_queries.TEAMS_PER_PAGE)
    stages = pipeline.stages()
    found = board_queries.counts(f, stages, page, utcnow())
    return render_template(
        "portfolio/board.html",
        f=f,
        stages=stages,
        counts=found,
        total=found.total,
    )


def _board_team(team_id: int) -> tuple[Team, dict[int, list[Any]], int]:
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    columns, total = board_queries.team_cards(filter_from_args(), team)
    return team, columns, total


@bp.get("/board/teams/<int:team_id>")
def board_team(team_id: int) -> str:
    """One team's cards on the portfolio board, as a page of its own."""
    team, columns, total = _board_team(team_id)
    return render_template(
        "portfolio/board_team.html",
        f=filter_from_args(),
        team=team,
        stages=pipeline.stages(),
        columns=columns,
        total=total,
        limit=board_queries.CARDS_PER_TEAM,
        now=utcnow(),
    )


@bp.get("/board/teams/<int:team_id>/cards")
def board_cards(team_id: int) -> str:
    """The same cards as an HTML fragment, for the board's "Show cards"."""
    team, columns, total = _board_team(team_id)
    return render_template(
        "portfolio/_team_cards.html",
        f=filter_from_args(),
        team=team,
        stages=pipeline.stages(),
        columns=columns,
        total=total,
        limit=board_queries.CARDS_PER_TEAM,
        now=utcnow(),
        heading="h3",
    )


REPORT_LINES = 300  # initiatives listed in the printed pack; the CSV export has every one


@bp.get("/report")
def report() -> str:
    """The pack for a board or trustees meeting: overview, attention, the 12-month trends, the
    latest satisfaction results, the Story of the Month and one line per initiative. Printable
    on A4 or Letter (the print stylesheet hides the app's chrome)."""
    f = filter_from_args()
    now = utcnow()
    stages = pipeline.stages()
    trends = figures.trends(f, now)
    lines = queries.initiatives_for(f, limit=REPORT_LINES)
    return render_template(
        "portfolio/report.html",
        f=f,
        overview=figures.overview(f, now, stages),
        attention=figures.attention(f, now),
        initiatives=lines,
        initiatives_total=queries.count_initiatives(f),
        healths=[(h.value, h.label) for h in Health],
        trends=trends,
        chart=chart.build(trends),
        satisfaction=[
            summarise_satisfaction(s.metric, s.points, None) for s in satisfaction_queries.series()
        ],
        featured_story=featured_for_home(),
        now=now,
    )


@bp.get("/export/<kind>.csv")
def export(kind: str) -> Response:
    make = exports.EXPORTS.get(kind)
    if make is None:
        abort(404)
    f = filter_from_args()
    lines = make(f, lambda endpoint, ident: _absolute(endpoint, ident))
    return csv_download(lines, kind)


def _absolute(endpoint: str, ident: int) -> str:
    key = {"initiatives.show": "initiative_id", "barriers.show": "barrier_id"}[endpoint]
    return external_url(endpoint, **{key: ident})
