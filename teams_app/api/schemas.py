"""Shared API schemas: errors, pagination, times in ISO 8601 UTC with a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from teams_app.input_guard import MAX_ID
from teams_app.pagination import MAX_PAGE, MAX_PER_PAGE, Page


class UTCDateTime(fields.DateTime):
    """Serialises as ``2026-11-28T09:41:52Z``."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Id(fields.Integer):
    """A reference to a row: 1..2**31-1 (the ``integer`` column's range), else a 422."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Range(1, MAX_ID), **kwargs)


class ApiErrorBodySchema(ma.Schema):
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    fields = fields.Dict(  # type: ignore[assignment]  # the API's own "fields" member
        keys=fields.String(), values=fields.List(fields.String())
    )


class ApiErrorSchema(ma.Schema):
    error = fields.Nested(ApiErrorBodySchema, required=True)


class PageArgsSchema(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


@cache
def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """``{"items": [...], "page", "per_page", "total"}`` for one item schema (named for OpenAPI)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (ma.Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
    )


def page_body(page: Page[Any]) -> dict[str, Any]:
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}
