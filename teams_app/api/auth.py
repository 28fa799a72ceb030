"""Bearer-token authentication for the API. Browser session cookies are never accepted here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from teams_app import audit
from teams_app.account.services import user_for_secret
from teams_app.auth import throttle
from teams_app.errors import InvalidInput
from teams_app.extensions import csrf, limiter
from teams_app.models import User
from teams_app.permissions import can
from teams_app.security import hash_api_secret

F = TypeVar("F", bound=Callable[..., Any])


def authenticate_request() -> None:
    """The bearer token's owner, or 401. A client address that keeps sending bad tokens is
    refused with 429 for a while (``auth.throttle``), whatever it sends."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, description="Send an API token: Authorization: Bearer <token>.")
    throttle.refuse_if_blocked("token")
    user = user_for_secret(secret.strip())
    if user is None:
        throttle.note_failure("token")
        audit.record(
            "auth.token_failed",
            actor=None,
            token_prefix=secret.strip()[:8],
            method=request.method,
            path=request.path,
        )
        abort(401, description="This API token is not valid, revoked, or its owner is deactivated.")
    g.api_user = user


BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})


def accepts_body(*mimetypes: str) -> Callable[[F], F]:
    """Mark an API view that reads a body other than JSON (the CSV import takes ``text/csv``).

    ``require_json_body`` leaves such a view alone and the view refuses other types itself,
    after any permission check above it: a caller who may not act gets 403, not 415.
    """
    allowed = frozenset(mimetypes)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if request.mimetype not in allowed:
                wanted = " or ".join(sorted(allowed))
                abort(415, description=f"Send the body with Content-Type: {wanted}.")
            return view(*args, **kwargs)

        wrapped.accepted_bodies = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _handler() -> Any:
    """The function that will answer this request (a MethodView's method, or the view)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(getattr(view, "view_class", None), request.method.lower(), view)


def _reads_own_body() -> bool:
    """Whether the view about to run declared its own body types with ``accepts_body``."""
    return getattr(_handler(), "accepted_bodies", None) is not None


def _json_body_required() -> bool | None:
    """None when the view reads no JSON body, else whether its body is required (flask-smorest
    records each ``@blp.arguments`` on the view; a body is required unless it says otherwise)."""
    apidoc = getattr(_handler(), "_apidoc", {})
    for parameter in apidoc.get("arguments", {}).get("parameters", []):
        if parameter.get("in") == "json":
            return bool(parameter.get("required", True))
    return None


def require_json_body() -> None:
    """A body the API would not read is refused, not silently ignored: JSON only, unless the
    view declares otherwise with ``accepts_body``. Where the view reads a JSON body, it must
    be an object, and it must be there when the view requires one (422 otherwise, as for
    missing fields)."""
    if request.method not in BODY_METHODS or _reads_own_body():
        return
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if has_body and not request.is_json:
        abort(415, description="Send the body as JSON, with Content-Type: application/json.")
    required = _json_body_required()
    if required is None:
        return
    if not has_body or not request.get_data(cache=True).strip():
        if required:
            raise InvalidInput(
                "This request needs a JSON object body.",
                fields={"_body": ["Send a JSON object with the fields to set."]},
            )
        return
    if not isinstance(request.get_json(silent=True), dict):
        raise InvalidInput(
            "The body must be a JSON object.",
            fields={"_body": ["Send a JSON object ({...}), not an array, a string or a number."]},
        )


def require_api(
    action: str,
    *,
    load: Callable[..., Any] | None = None,
    state: Callable[[Any], None] | None = None,
    unless: Callable[[Any], bool] | None = None,
    message: str = "Your role does not allow this.",
) -> Callable[[F], F]:
    """The API's one permission guard, run before the body is parsed, so a caller who may not
    act gets 403 rather than a list of validation errors about a request they could never make.

    With ``load``, the view's path arguments name the object the action is on:

    1. ``load(**path arguments)`` fetches it; one that does not exist, or that the caller may
       not see, raises ``NotFound`` (404);
    2. ``state(obj)`` refuses an object in the wrong state whoever asks (a ``Conflict``, 409),
       as the contract wants;
    3. ``permissions.can(caller, action, obj)``, else 403 with ``message``; ``unless(obj)``
       true leaves the decision to the service (a closed barrier: 409, or a reopen).
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            obj = load(**kwargs) if load is not None else None
            if obj is not None and state is not None:
                state(obj)
            left_to_service = obj is not None and unless is not None and unless(obj)
            if not left_to_service and not can(api_user(), action, obj):
                abort(403, description=message)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def api_user() -> User:
    user: User = g.api_user
    return user


def rate_limit_key() -> str:
    """Limit per token when one is sent, else per address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "token:" + hash_api_secret(header[7:].strip())[:16]
    return get_remote_address()


def protect(blp: Blueprint) -> Blueprint:
    """Every API blueprint: bearer auth, JSON bodies only, no CSRF (no cookies are accepted),
    a rate limit."""
    blp.before_request(authenticate_request)
    blp.before_request(require_json_body)
    csrf.exempt(blp)
    limiter.limit("300 per minute", key_func=rate_limit_key)(blp)
    return blp
