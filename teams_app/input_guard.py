"""Input the app cannot read or the database cannot store is refused once, for every request,
before any view runs, with a 400 in the page or API error shape.

- Text: PostgreSQL rejects a NUL character, and a lone UTF-16 surrogate (JSON's ``"\\ud800"``)
  cannot be encoded for it at all; both are refused in the path, query string, form fields and
  JSON strings (keys included).
- JSON bodies: parsed here first, so nesting deeper than ``MAX_JSON_DEPTH`` (which would exhaust
  the parser's recursion), numbers Python will not read (over 4,300 digits), ``NaN`` and
  ``Infinity`` (not JSON) and bodies that are not UTF-8 are a 400 rather than a 500. Size is
  capped by ``MAX_CONTENT_LENGTH`` (413).
- Ids are ``integer`` columns, so every id the app reads (URL, query string, JSON) is bounded to
  1..2**31-1: the ``int`` URL converter and ``parse_id`` here, ``schemas.Id`` in the API.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

from teams_app import audit

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


MAX_JSON_DEPTH = 32
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: Any) -> bool:
    """Whether ``value`` (text, or JSON made of lists and dicts) holds a NUL or a lone
    surrogate anywhere, keys included. Iterative: depth is bounded, breadth need not be."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_depth(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _multidict_unstorable(values: Any) -> bool:
    return any(unstorable(key) or unstorable(value) for key, value in values.items(multi=True))


def _refuse(reason: str, message: str) -> NoReturn:

    audit.record("request.rejected", reason=reason, method=request.method, path=request.path)
    abort(400, description=message)


def _check_json_body() -> None:
    body = request.get_data(cache=True)
    if not body:
        return
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_not_json)
    except RecursionError:
        _refuse("json_too_deep", TOO_DEEP_MESSAGE)
    except ValueError:  # includes UnicodeDecodeError and json.JSONDecodeError
        _refuse("json_malformed", "The request body is not valid JSON.")
    if json_depth(value) > MAX_JSON_DEPTH:
        _refuse("json_too_deep", TOO_DEEP_MESSAGE)
    if unstorable(value):
        _refuse("unstorable_text", UNSTORABLE_MESSAGE)


TOO_DEEP_MESSAGE = f"The JSON body nests too deeply (at most {MAX_JSON_DEPTH} levels)."
UNSTORABLE_MESSAGE = (
    "The request contains a NUL character or a lone surrogate (an unpaired \\ud800-\\udfff "
    "escape), which cannot be stored."
)


def guard_request() -> None:
    """400 for what the app cannot read or store, before any view (or its parser) sees it."""
    if (
        unstorable(request.path)
        or _multidict_unstorable(request.args)
        or (request.mimetype != "application/json" and _multidict_unstorable(request.form))
    ):
        _refuse("unstorable_text", UNSTORABLE_MESSAGE)
    if request.is_json:
        _check_json_body()


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: rules pick their converter class when they are added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(guard_request)
