"""The staff directory, for everyone signed in."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from teams_app.models import Level, Role
from teams_app.pagination import clamp, paginate
from teams_app.people import services
from teams_app.permissions import can

bp = Blueprint("people", __name__, url_prefix="/people")


def directory_filter_from_args(admin_view: bool = False) -> services.DirectoryFilter:
    """Read directory filters from the query string, ignoring values that are not valid."""
    args = request.args
    dept = args.get("department", type=int)
    level = args.get("level") if args.get("level") in {lv.value for lv in Level} else None
    role = args.get("role") if args.get("role") in {r.value for r in Role} else None
    return services.DirectoryFilter(
        q=(args.get("q") or "").strip()[:100],
        department_id=dept,
        level=level,
        role=role,
        include_inactive=admin_view and args.get("status") != "active",
        search_email=admin_view,
    )


@bp.get("/")
@login_required
def directory() -> str:
    f = directory_filter_from_args(admin_view=False)
    page, per_page = clamp(
        request.args.get("page"), request.args.get("per_page"), current_app.config["PER_PAGE"]
    )
    results = paginate(services.directory_query(f), page, per_page)
    return render_template(
        "people/directory.html",
        results=results,
        f=f,
        departments=services.list_departments(),
        show_email=can(current_user, "see_email", None),
    )
