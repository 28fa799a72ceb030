"""API: the leadership portfolio, the same figures as the page."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from teams_app.api.auth import protect, require_api
from teams_app.api.schemas import Id, QuerySchema
from teams_app.models import Health, utcnow
from teams_app.portfolio import figures, queries

blp = protect(Blueprint("api_portfolio", __name__, description="Leadership portfolio"))


class PortfolioArgsSchema(QuerySchema):
    team_id = Id()
    sponsor_id = Id()
    stage_id = Id()
    health = fields.String(validate=validate.OneOf([h.value for h in Health]))
    department_id = Id(metadata={"description": "The initiative owner's department"})
    target_from = fields.Date()
    target_to = fields.Date()


class CellSchema(ma.Schema):
    stage_id = fields.Integer()
    stage = fields.String()
    health = fields.String()
    count = fields.Integer()


class AttentionSchema(ma.Schema):
    kind = fields.String(metadata={"description": "initiative, barrier or team"})
    id = fields.Integer()
    title = fields.String()
    reasons = fields.List(fields.String())


class TrendsSchema(ma.Schema):
    months = fields.List(fields.String())
    completed = fields.List(fields.Integer(), metadata={"description": "initiatives done"})
    reported = fields.List(fields.Integer(), metadata={"description": "barriers reported"})
    removed = fields.List(fields.Integer(), metadata={"description": "barriers removed"})


class TotalSchema(ma.Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String()
    count = fields.Integer()


class MedianSchema(ma.Schema):
    stage_id = fields.Integer()
    stage = fields.String()
    days = fields.Float()


class PortfolioSchema(ma.Schema):
    matrix = fields.List(fields.Nested(CellSchema))
    teams = fields.Dict(keys=fields.String(), values=fields.Integer())
    barriers = fields.Dict(keys=fields.String(), values=fields.Integer())
    attention = fields.List(fields.Nested(AttentionSchema))
    trends = fields.Nested(TrendsSchema)
    by_team = fields.List(fields.Nested(TotalSchema))
    by_sponsor = fields.List(fields.Nested(TotalSchema))
    median_days_in_stage = fields.List(fields.Nested(MedianSchema))


@blp.route("/portfolio")
class Portfolio(MethodView):
    @require_api("view_portfolio")
    @blp.arguments(PortfolioArgsSchema, location="query")
    @blp.response(200, PortfolioSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Totals by stage x health, teams and barriers, the attention list (worst first) and
        monthly trends, with the page's filters."""
        f = queries.PortfolioFilter(**args)
        now = utcnow()
        overview = figures.overview(f, now)
        medians = figures.median_days_in_stage(f, now)
        return {
            "matrix": overview.matrix,
            "teams": overview.teams,
            "barriers": overview.barriers,
            "attention": figures.attention(f, now),
            "trends": figures.trends(f, now),
            "by_team": [{"id": i, "name": n, "count": c} for i, n, c in overview.by_team],
            "by_sponsor": [{"id": i, "name": n, "count": c} for i, n, c in overview.by_sponsor],
            "median_days_in_stage": [
                {"stage_id": s.id, "stage": s.name, "days": medians[s.id]}
                for s in overview.stages
                if s.id in medians
            ],
        }
