"""Input the database cannot store is refused once, for every request, before any view runs.

PostgreSQL rejects a NUL character in text and an integer beyond its column's range with a
``DataError``; without these checks a stray ``%00`` or a 20-digit id would be a 500. Ids are
``integer`` columns, so every id the app reads (URL, query string, JSON) is bounded to 1..2**31-1.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` everywhere: 1..2**31-1, so an out-of-range id in a URL is a plain 404."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 1,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value: str) -> int:
    """An id from a query string; ``ValueError`` when it is not one (``args.get(type=parse_id)``
    then answers the default, so HTML filters ignore it)."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"{value!r} is not an id")
    return number


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _multidict_has_nul(values: Any) -> bool:
    return any(_has_nul(key) or _has_nul(value) for key, value in values.items(multi=True))


def reject_nul_characters() -> None:
    """400 for a NUL character in the path, the query string, form fields or JSON strings."""
    if (
        _has_nul(request.path)
        or _multidict_has_nul(request.args)
        or _multidict_has_nul(request.form)
        or (request.is_json and _has_nul(request.get_json(silent=True)))
    ):
        abort(400, description="The request contains a NUL character, which is not allowed.")


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: rules pick their converter class when they are added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(reject_nul_characters)
