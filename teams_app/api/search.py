"""API: one search across everything the caller may see (the search page's results and
permissions, as JSON)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from teams_app.api.auth import api_user, protect
from teams_app.api.schemas import PageArgsSchema, UTCDateTime
from teams_app.models import DocKind
from teams_app.search import query
from teams_app.search.query import Filters

blp = protect(Blueprint("api_search", __name__, description="Search"))
KINDS = [k.value for k in DocKind]


class SearchArgsSchema(PageArgsSchema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=query.MAX_QUERY))
    kind = fields.String(validate=validate.OneOf(KINDS))
    team_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    department_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    per_page = fields.Integer(load_default=query.PER_PAGE, validate=validate.Range(min=1, max=50))


class SearchHitSchema(ma.Schema):
    kind = fields.String(required=True, metadata={"enum": KINDS})
    id = fields.Integer(required=True)
    title = fields.String(required=True, metadata={"description": "Plain text"})
    title_html = fields.String(
        required=True, metadata={"description": "Escaped, matches in <mark>"}
    )
    excerpt_html = fields.String(
        required=True, metadata={"description": "Escaped, matches in <mark>"}
    )
    url = fields.String(required=True)
    at = UTCDateTime(required=True)
    score = fields.Float(required=True)


class FacetSchema(ma.Schema):
    id = fields.Raw(required=True)
    label = fields.String(required=True)
    count = fields.Integer(required=True)


class SearchPageSchema(ma.Schema):
    items = fields.List(fields.Nested(SearchHitSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    kinds = fields.List(fields.Nested(FacetSchema), required=True)
    teams = fields.List(fields.Nested(FacetSchema), required=True)
    departments = fields.List(fields.Nested(FacetSchema), required=True)
    close_matches = fields.Boolean(required=True)


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, SearchPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Best matches first, grouped by kind (each group where its best match ranks); hidden
        stories and comments, survey comments and deactivated people appear only to those who
        may see them, in the items and the counts alike."""
        f = Filters(
            kind=args.get("kind"),
            team_id=args.get("team_id"),
            department_id=args.get("department_id"),
            date_from=args.get("date_from"),
            date_to=args.get("date_to"),
        )
        found = query.search(api_user(), args["q"], f, args["page"], args["per_page"])
        root = request.script_root
        return {
            "items": [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "title": h.title.striptags(),
                    "title_html": str(h.title),
                    "excerpt_html": str(h.excerpt),
                    "url": root + h.path,
                    "at": h.at,
                    "score": h.score,
                }
                for h in found.ordered
            ],
            "page": found.page,
            "per_page": found.per_page,
            "total": found.total,
            "kinds": [vars(k) for k in found.kinds],
            "teams": [vars(k) for k in found.teams],
            "departments": [vars(k) for k in found.departments],
            "close_matches": found.close_matches,
        }
