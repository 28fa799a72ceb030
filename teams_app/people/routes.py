"""The staff directory, for everyone signed in."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from teams_app.input_guard import parse_id
from teams_app.models import Level, Role, User
from teams_app.pagination import Page, clamp, paginate
from teams_app.people import search, services
from teams_app.permissions import can

bp = Blueprint("people", __name__, url_prefix="/people")


def directory_filter_from_args(admin_view: bool = False) -> services.DirectoryFilter:
    """Read directory filters from the query string, ignoring values that are not valid."""
    args = request.args
    dept = args.get("department", type=parse_id)
    level = args.get("level") if args.get("level") in {lv.value for lv in Level} else None
    role = args.get("role") if args.get("role") in {r.value for r in Role} else None
    return services.DirectoryFilter(
        q=(args.get("q") or "").strip()[:100],
        department_id=dept,
        level=level,
        role=role,
        include_inactive=admin_view and args.get("status") != "active",
        include_pending=admin_view,
        search_email=admin_view,
        with_identities=admin_view,
    )


def directory_page(admin_view: bool) -> tuple[services.DirectoryFilter, Page[User]]:
    """The filter from the query string and the page of people it selects."""
    f = directory_filter_from_args(admin_view=admin_view)
    page, per_page = clamp(
        request.args.get("page"), request.args.get("per_page"), current_app.config["PER_PAGE"]
    )
    return f, paginate(services.directory_query(f), page, per_page)


@bp.get("/")
@login_required
def directory() -> str:
    f, results = directory_page(admin_view=False)
    return render_template(
        "people/directory.html",
        results=results,
        f=f,
        departments=services.list_departments(),
        show_email=can(current_user, "see_email", None),
    )


@bp.get("/search")
@login_required
def search_people() -> Response:
    """People whose name contains ``q``, at most ``limit`` (the typeahead asks as you type)."""
    limit = request.args.get("limit", default=10, type=int) or 10
    found = search.matching(request.args.get("q") or "", limit=limit)
    labels = search.labels(found)
    return jsonify(
        [
            {
                "id": u.id,
                "name": u.name,
                "department": u.department.name if u.department else None,
                "label": labels[u.id],
            }
            for u in found
        ]
    )
