"""The search page (works without JavaScript) and the header's typeahead (JSON)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.wrappers import Response

from teams_app.models import DocKind
from teams_app.search import query
from teams_app.search.filters import read_filters
from teams_app.views import current_person, signed_in_only

bp = Blueprint("search", __name__)
signed_in_only(bp)


@bp.get("/search")
def page() -> str:
    text = request.args.get("q", "")
    parsed = read_filters(request.args)
    page_no = request.args.get("page", "1")
    results = query.search(
        current_person(), text, parsed.filters, int(page_no) if page_no.isdigit() else 1
    )
    return render_template(
        "search/index.html",
        results=results,
        filters=parsed.filters,
        problems=parsed.problems,
        kinds=list(DocKind),
    )


@bp.get("/search/suggest")
def suggest() -> Response:
    """The top few matches for what is typed so far, for the header's list."""
    hits = query.suggest(current_person(), request.args.get("q", ""))
    response = jsonify(
        items=[
            {
                "kind": h.kind,
                "kind_label": h.kind_label,
                "title_html": str(h.title),
                "url": request.script_root + h.path,
            }
            for h in hits
        ]
    )
    return response
