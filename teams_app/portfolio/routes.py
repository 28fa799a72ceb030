"""The portfolio page for leadership: matrix, totals, what needs attention, trends."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from teams_app.initiatives import pipeline
from teams_app.input_guard import parse_id
from teams_app.models import Health, utcnow
from teams_app.pagination import paginate
from teams_app.people.services import list_departments
from teams_app.permissions import require
from teams_app.portfolio import queries
from teams_app.teams.queries import TeamFilter, directory_query
from teams_app.views import signed_in_only

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
signed_in_only(bp)


@bp.before_request
def _leadership_only() -> None:
    require(current_user, "view_portfolio")


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


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


@bp.get("/")
def index() -> str:
    f = filter_from_args()
    now = utcnow()
    return render_template(
        "portfolio/index.html",
        f=f,
        overview=queries.overview(f, now),
        attention=queries.attention(f, now),
        trends=queries.trends(f, now),
        healths=[(h.value, h.label) for h in Health],
        stages=pipeline.stages(),
        teams=paginate(directory_query(TeamFilter()), 1, 200).items,
        sponsors=queries.sponsors(),
        departments=list_departments(),
    )
