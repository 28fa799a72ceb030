"""The portfolio page for leadership: matrix, totals, what needs attention, trends."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from teams_app.dates import parse_date
from teams_app.initiatives import pipeline
from teams_app.input_guard import parse_id
from teams_app.models import Health, utcnow
from teams_app.pagination import paginate
from teams_app.people.services import list_departments
from teams_app.permissions import require
from teams_app.portfolio import chart, exports, queries
from teams_app.satisfaction import queries as satisfaction_queries
from teams_app.satisfaction import services as satisfaction
from teams_app.stories.queries import featured_for_home
from teams_app.teams.queries import TeamFilter, directory_query
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
    trends = queries.trends(f, now)
    return render_template(
        "portfolio/index.html",
        f=f,
        overview=queries.overview(f, now),
        attention=queries.attention(f, now),
        trends=trends,
        chart=chart.build(trends),
        medians=queries.median_days_in_stage(f, now),
        changes=queries.changes(f, since, now),
        since=since,
        since_choices=SINCE_CHOICES,
        healths=[(h.value, h.label) for h in Health],
        stages=pipeline.stages(),
        teams=paginate(directory_query(TeamFilter()), 1, 200).items,
        sponsors=queries.sponsors(),
        departments=list_departments(),
    )


@bp.get("/board")
def board() -> str:
    """All initiatives by stage, grouped by team: the team board's cards, read-only."""
    f = filter_from_args()
    items = queries.initiatives_for(f)
    by_team: dict[int, tuple[Any, dict[int, list[Any]]]] = {}
    for item in items:
        team, columns = by_team.setdefault(item.team_id, (item.team, {}))
        columns.setdefault(item.stage_id, []).append(item)
    return render_template(
        "portfolio/board.html",
        f=f,
        stages=pipeline.stages(),
        groups=list(by_team.values()),
        total=len(items),
        now=utcnow(),
    )


@bp.get("/report")
def report() -> str:
    """The pack for a board or trustees meeting: overview, attention, the 12-month trends, the
    latest satisfaction results, the Story of the Month and one line per initiative. Printable
    on A4 or Letter (the print stylesheet hides the app's chrome)."""
    f = filter_from_args()
    now = utcnow()
    trends = queries.trends(f, now)
    return render_template(
        "portfolio/report.html",
        f=f,
        overview=queries.overview(f, now),
        attention=queries.attention(f, now),
        initiatives=queries.initiatives_for(f),
        healths=[(h.value, h.label) for h in Health],
        trends=trends,
        chart=chart.build(trends),
        satisfaction=[
            satisfaction.summarise(s.metric, s.points, None) for s in satisfaction_queries.series()
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
