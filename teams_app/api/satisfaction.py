"""API: satisfaction survey results. Each endpoint calls the same service as the pages
(``teams_app.satisfaction.services``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from teams_app.api.auth import accepts_body, api_user, protect, require_api
from teams_app.api.people import DepartmentRefSchema
from teams_app.api.schemas import (
    ApiErrorBodySchema,
    BodySchema,
    Id,
    Month,
    Number,
    PageArgsSchema,
    QuerySchema,
    UTCDateTime,
    page_body,
    page_of,
)
from teams_app.errors import InvalidInput
from teams_app.models import SatisfactionResult
from teams_app.pagination import paginate
from teams_app.satisfaction import figures, queries, services

blp = protect(Blueprint("api_satisfaction", __name__, description="Satisfaction survey results"))


# --- Schemas ------------------------------------------------------------------------------------


class SatisfactionSchema(ma.Schema):
    id = fields.Integer()
    period = fields.String(metadata={"example": "2026-01"})
    metric = fields.String(metadata={"example": "Customer satisfaction"})
    score = fields.Float()
    scale_max = fields.Float()
    percent = fields.Float(metadata={"description": "The score as a percentage of its scale"})
    respondents = fields.Integer()
    department = fields.Nested(
        DepartmentRefSchema,
        allow_none=True,
        metadata={"description": "null for an organisation-wide result"},
    )
    created_at = UTCDateTime()


class SatisfactionArgsSchema(PageArgsSchema):
    metric = fields.String(
        validate=validate.Length(max=services.METRIC_MAX),
        metadata={"description": "One metric (case and spacing do not matter)"},
    )
    department_id = Id(
        metadata={"description": "One department's results; without it, every result"}
    )


class SatisfactionCreateSchema(BodySchema):
    period = Month(required=True, metadata={"description": "The month, YYYY-MM"})
    metric = fields.String(required=True, validate=validate.Length(max=services.METRIC_MAX))
    score = Number(
        required=True, metadata={"description": "0..scale_max; decimals allowed (two kept)"}
    )
    scale_max = Number(required=True, metadata={"description": "Above 0, such as 5"})
    respondents = fields.Integer(required=True, strict=True)
    department_id = Id(allow_none=True, metadata={"description": "null: organisation-wide"})


class ImportedSchema(ma.Schema):
    imported = fields.Integer(required=True)
    items = fields.List(fields.Nested(SatisfactionSchema), required=True)


class RowProblemSchema(ma.Schema):
    row = fields.Integer(metadata={"description": "1 is the header; the first data row is 2"})
    field = fields.String(metadata={"description": "The column, or csv for the file itself"})
    message = fields.String()


class ImportErrorBodySchema(ApiErrorBodySchema):
    rows = fields.List(fields.Nested(RowProblemSchema))


class ImportErrorSchema(ma.Schema):
    error = fields.Nested(ImportErrorBodySchema, required=True)


class SummaryArgsSchema(QuerySchema):
    metric = fields.String(required=True, validate=validate.Length(min=1, max=services.METRIC_MAX))
    baseline = Month(
        metadata={"description": "YYYY-MM, a month with a result; default the earliest"}
    )
    department_id = Id(metadata={"description": "One department's; default organisation-wide"})


class PointSchema(ma.Schema):
    period = fields.String()
    score = fields.Float()
    scale_max = fields.Float()
    percent = fields.Float()
    respondents = fields.Integer()


class SummarySchema(ma.Schema):
    metric = fields.String()
    baseline = fields.Nested(PointSchema)
    latest = fields.Nested(PointSchema)
    change_pct = fields.Float(
        allow_none=True,
        metadata={
            "description": "The relative change of the score as a share of its scale, in "
            "percent to one decimal: (latest% - baseline%) / baseline% * 100. 72% to 80% "
            "is 11.1. null when the baseline score is 0."
        },
    )
    change_text = fields.String(metadata={"example": "+11.1% since January 2026"})


# --- Endpoints ----------------------------------------------------------------------------------


@blp.route("/satisfaction")
class Results(MethodView):
    @blp.arguments(SatisfactionArgsSchema, location="query")
    @blp.response(200, page_of(SatisfactionSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Results sorted by period, oldest first (then by metric and department)."""
        stmt = queries.list_query(args.get("metric"), args.get("department_id"))
        return page_body(paginate(stmt, args["page"], args["per_page"]))

    @require_api("record_satisfaction")
    @blp.arguments(SatisfactionCreateSchema)
    @blp.response(201, SatisfactionSchema)
    def post(self, data: dict[str, Any]) -> SatisfactionResult:
        """Record one result (leadership). The same period, metric and department twice: 409."""
        result = services.record_result(api_user(), services.ResultDetails(**data))
        return result


@blp.route("/satisfaction/import")
class Import(MethodView):
    @require_api("record_satisfaction")
    @accepts_body("text/csv")
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": services.CSV_TEMPLATE,
                }
            },
            "description": "Columns period, metric, score, scale_max, respondents, and "
            "optionally department (a name) or department_id.",
        }
    )
    @blp.response(201, ImportedSchema)
    @blp.alt_response(
        422,
        schema=ImportErrorSchema,
        description="Nothing imported: `rows` lists `{row, field, message}` for each problem, "
        "and `fields` the same messages by column, each starting “Row N:”.",
    )
    def post(self) -> dict[str, Any]:
        """Import many results from CSV (leadership): every row is checked first, then all are
        imported or none."""
        charset = (request.mimetype_params.get("charset") or "utf-8").lower()
        try:
            text = request.get_data().decode("utf-8-sig" if charset == "utf-8" else charset)
        except (LookupError, UnicodeDecodeError):
            raise InvalidInput.on("csv", "Send the CSV as UTF-8 text.") from None
        created = services.import_csv(api_user(), text)
        return {"imported": len(created), "items": created}


@blp.route("/satisfaction/summary")
class Summary(MethodView):
    @blp.arguments(SummaryArgsSchema, location="query")
    @blp.response(200, SummarySchema)
    def get(self, args: dict[str, Any]) -> figures.Summary:
        """The change from a baseline month (default the earliest) to the latest result of one
        metric, organisation-wide or for one department. 404 when the metric has no results."""
        return queries.summary(args["metric"], args.get("baseline"), args.get("department_id"))
