"""Shared API schemas: errors, pagination, times in ISO 8601 UTC with a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from teams_app.dates import MAX_DATE, MAX_YEAR, MIN_DATE, MIN_YEAR, OUT_OF_RANGE
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


class Number(fields.Decimal):
    """A JSON number (not a string of digits, not a boolean), read exactly as a Decimal."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


MONTH_MESSAGE = f"Give a month as YYYY-MM, from {MIN_YEAR}-01 to {MAX_YEAR}-12."


# A month in the app's range (dates.py): 1900-01 to 2999-12. The pattern is also the OpenAPI
# document's, so clients (and the fuzzer) know exactly what is accepted.
MONTH_PATTERN = r"^(19\d\d|2\d\d\d)-(0[1-9]|1[0-2])$"


def Month(**kwargs: Any) -> fields.String:  # noqa: N802 - a field, named like one
    """A "YYYY-MM" month in the app's range, else a 422."""
    metadata = {"example": "2026-11", **kwargs.pop("metadata", {})}
    return fields.String(
        validate=validate.Regexp(MONTH_PATTERN, error=MONTH_MESSAGE), metadata=metadata, **kwargs
    )


DATE_RANGE = validate.Range(MIN_DATE, MAX_DATE, error=OUT_OF_RANGE)


def _bound(field: fields.Field[Any]) -> None:
    """Every date the API reads is within the app's range (dates.py)."""
    if isinstance(field, fields.Date) and DATE_RANGE not in field.validators:
        field.validators = [*field.validators, DATE_RANGE]


class BodySchema(ma.Schema):
    """Every JSON request body: values must have the JSON type the schema says, with no
    coercion (``1.5`` is not an id, ``0`` is not ``false``, ``"3"`` is not a number), dates
    are in range, and unknown fields are refused (marshmallow's default, kept)."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        _strict(field_obj)


def _strict(field: fields.Field[Any]) -> None:
    if isinstance(field, fields.Integer):
        _only(field, int)
    elif isinstance(field, fields.Boolean):
        _only(field, bool)
    elif isinstance(field, fields.Number) and not isinstance(field, Number):
        raise TypeError(f"use schemas.Number for {field!r} in a request body")
    elif isinstance(field, fields.List):
        _strict(field.inner)
    elif isinstance(field, fields.Nested) and not isinstance(field.schema, BodySchema):
        raise TypeError(f"a request body nests {field.schema!r}: make it a BodySchema")
    _bound(field)


def _only(field: fields.Field[Any], kind: type) -> None:
    """Refuse any value that is not of the JSON type ``kind`` (a bool is not an int here, and
    ``1`` is not ``True``) before the field's own checks run."""
    deserialize = field._deserialize

    def typed(value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise field.make_error("invalid")
        return deserialize(value, attr, data, **kwargs)

    field._deserialize = typed  # type: ignore[method-assign]


class QuerySchema(ma.Schema):
    """Every query string: values arrive as text, so numbers are parsed, but a boolean is only
    ``true``/``false`` (or ``1``/``0``), and dates are in range."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        if isinstance(field_obj, fields.Boolean):
            field_obj.truthy, field_obj.falsy = {"true", "1"}, {"false", "0"}
        _bound(field_obj)


class ApiErrorBodySchema(ma.Schema):
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    fields = fields.Dict(  # type: ignore[assignment]  # the API's own "fields" member
        keys=fields.String(), values=fields.List(fields.String())
    )


class ApiErrorSchema(ma.Schema):
    error = fields.Nested(ApiErrorBodySchema, required=True)


class PageArgsSchema(QuerySchema):
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
