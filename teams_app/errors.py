"""Service errors, and the handlers that turn any error into an HTML page or the API's JSON shape.

Services raise ``ServiceError`` subclasses; the web views turn them into flashed or form messages,
and the API turns them into ``{"error": {status, code, message, fields}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException

from teams_app import audit, outages
from teams_app.auth.session import expired_form
from teams_app.drafts import from_our_pages
from teams_app.extensions import db
from teams_app.outages import database_outage, forget_failed_transaction, unavailable_response


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(ServiceError):
    status = 422
    code = "validation_error"

    @classmethod
    def on(cls, field: str, message: str) -> InvalidInput:
        return cls(message, fields={field: [message]})


class RowErrors(InvalidInput):
    """An import refused as a whole: ``rows`` lists every problem as ``{row, field, message}``.

    ``fields`` carries the same messages by column, each prefixed "Row N: ", so callers that only
    read ``fields`` still see them; the API adds ``rows`` beside ``fields`` in its error body.
    """

    def __init__(self, message: str, rows: list[dict[str, Any]]) -> None:
        by_field: dict[str, list[str]] = {}
        for problem in rows:
            by_field.setdefault(problem["field"], []).append(
                f"Row {problem['row']}: {problem['message']}"
            )
        super().__init__(message, fields=by_field)
        self.rows = rows


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


TITLES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    401: ("Sign in needed", "Please sign in to continue."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "We could not find that page. It may have moved or been removed."),
    405: ("Method not allowed", "That action is not available here."),
    409: ("Conflict", "Someone changed this while you were working. Reload and try again."),
    413: ("Too large", "What you sent is too large."),
    415: ("Unsupported media type", "Send the body as JSON, with Content-Type: application/json."),
    422: ("Could not process", "Some of what you sent is not valid."),
    429: ("Too many requests", "You are going a little fast. Wait a moment and try again."),
    500: ("Something went wrong", "An unexpected error occurred. It has been logged."),
    503: ("Unavailable", "The service is briefly unavailable. Try again in a minute."),
}

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") and not request.path.startswith("/api/docs")


def json_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    rows: list[dict[str, Any]] | None = None,
) -> Any:
    body: dict[str, Any] = {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message,
    }
    if fields:
        body["fields"] = fields
    if rows is not None:
        body["rows"] = rows
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_webargs(messages: Any) -> dict[str, list[str]]:
    """webargs nests messages by location ({"json": {"name": [...]}}); the API wants fields."""
    fields: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    for location, by_field in messages.items():
        if not isinstance(by_field, dict):
            fields.setdefault(location, []).extend(map(str, _as_list(by_field)))
            continue
        for name, errs in by_field.items():
            fields.setdefault(str(name), []).extend(_messages(errs))
    return fields


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _messages(errs: Any) -> list[str]:
    if isinstance(errs, dict):  # nested field errors: keep them readable
        return [f"{k}: {m}" for k, v in errs.items() for m in _messages(v)]
    return [str(e) for e in _as_list(errs)]


# Headers an error keeps in its JSON form: what to retry after, which methods exist, how to
# authenticate.
KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")


def _json_http_error(error: HTTPException, status: int) -> Response:
    """An HTTP error as the API's JSON error, keeping the headers a client needs."""
    data = getattr(error, "data", None) or {}
    headers: dict[str, str] = dict(data.get("headers") or {})
    headers.update({k: v for k, v in error.get_headers() if k in KEPT_HEADERS})
    if status == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if status == 422 and "messages" in data:
        fields = _flatten_webargs(data["messages"])
        _audit_unknown_fields(fields)
        return json_error(422, "Some fields are not valid.", fields=fields, headers=headers)
    if status == 400 and "messages" in data:
        return json_error(400, "The request body is not valid JSON.", headers=headers)
    message = data.get("message") or error.description or TITLES.get(status, ("",))[0]
    return json_error(status, str(message), headers=headers)


def _page_words(error: HTTPException, status: int) -> tuple[str, str]:
    """The error page's title and text: the app's own words for a refusal when it gave some."""
    if isinstance(error, CSRFError):
        return (
            "This form has expired",
            "For your security, forms expire after a while. Go back, reload the page and "
            "send it again.",
        )
    title, text = TITLES.get(status, (error.name, error.description or ""))
    if error.description and error.description != type(error).description:
        text = error.description
    return title, text


def handle_http_exception(error: HTTPException) -> Any:
    """The one place that maps every HTTP error to the API's JSON or an error page."""
    status = error.code or 500
    if status == 403:
        _audit_denied(error.description or "")
    if wants_json():
        return _json_http_error(error, status)
    if isinstance(error, CSRFError) and request.method == "POST" and from_our_pages():
        return expired_form()  # an expired form of ours: keep what was typed, send them back
    title, text = _page_words(error, status)
    response = render_page(status=status, title=title, text=text)
    if response.status_code == status:
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    return response


def render_page(*, status: int, title: str, text: str) -> Response:
    """The error page; if the database is down it cannot even show the account menu, so the
    answer becomes the outage page (503) instead of a bare 500."""

    try:
        page = render_template("errors/error.html", status=status, title=title, text=text)
    except SQLAlchemyError as exc:
        if not database_outage(exc):
            raise
        forget_failed_transaction()
        return make_response(unavailable_response("database"))
    return make_response(page, status)


def handle_service_error(error: ServiceError) -> Any:
    """A service refused outside a view's own handling: map it to the matching HTTP answer."""
    if error.status == 403:
        _audit_denied(error.message)
    if wants_json():
        rows = error.rows if isinstance(error, RowErrors) else None
        return json_error(
            error.status, error.message, code=error.code, fields=error.fields, rows=rows
        )
    title, _ = TITLES.get(error.status, ("Error", ""))
    return render_page(status=error.status, title=title, text=error.message)


def handle_data_error(error: DataError) -> Any:
    """A value the database cannot store (input checks should have caught it): a 400, not a 500.

    The failed statement has left the session's transaction unusable, so roll it back first.
    """

    db.session.rollback()
    current_app.logger.warning("database refused a value: %s", error.orig)
    return handle_http_exception(
        BadRequest(description="Some of what you sent cannot be stored. Check the values.")
    )


# Path parameters that name the object a request acts on, and the object's kind.
_PATH_OBJECTS = {
    "team_id": "team",
    "slug": "team",
    "initiative_id": "initiative",
    "barrier_id": "barrier",
    "action_id": "action",
    "story_id": "impactstory",
    "user_id": "user",
    "token_id": "apitoken",
    "dept_id": "department",
    "stage_id": "stage",
}
UNKNOWN_FIELD = "Unknown field."


def _audit_denied(reason: str) -> None:
    """Every 403 is a failed authorisation attempt: record what was asked for (once: a check
    that recorded its own refusal, such as the cross-site one, sets ``g.refusal_recorded``)."""

    if g.pop("refusal_recorded", False):
        return
    # The request is refused: whatever it wrote is not kept (and on SQLite its lock goes, so
    # the audit row can be written).
    db.session.rollback()

    args = request.view_args or {}
    kind, ident = next(
        ((_PATH_OBJECTS[k], v) for k, v in args.items() if k in _PATH_OBJECTS), (None, None)
    )
    detail: dict[str, Any] = {"method": request.method, "path": request.path, "reason": reason}
    if kind is not None and not isinstance(ident, int):
        detail["ref"], ident = ident, None  # a slug: keep it readable
    audit.record("access.denied", object=(kind, ident) if kind else None, **detail)


def _audit_unknown_fields(fields: dict[str, list[str]]) -> None:
    """Fields the API does not take (``"role": "admin"`` on a profile) are an attempt to write
    what the caller may not: recorded, then refused with the usual 422."""
    unknown = sorted(name for name, msgs in fields.items() if UNKNOWN_FIELD in msgs)
    if unknown:
        audit.record(
            "request.rejected",
            reason="unknown_fields",
            fields=unknown,
            method=request.method,
            path=request.path,
        )


def register_error_handlers(app: Flask) -> None:

    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(DataError, handle_data_error)
    outages.register(app)  # database and Redis outages: 503, never a bare 500
