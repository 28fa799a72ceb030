"""A request id on every request and response (``X-Request-ID``), for logs and the audit log.

Behind trusted proxies (``TRUSTED_PROXIES``) the id the load balancer sent is kept when it is a
plain token, so one id follows a request through every tier; otherwise the app makes one.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, current_app, g, has_request_context, request

HEADER = "X-Request-ID"
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def current() -> str | None:
    """This request's id, or None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        offered = request.headers.get(HEADER, "")
        trusted = current_app.config["TRUSTED_PROXIES"] > 0 and _SAFE.match(offered)
        g.request_id = offered if trusted else uuid.uuid4().hex
    return str(g.request_id)


def _stamp(response: Response) -> Response:
    response.headers[HEADER] = current() or ""
    return response


def init_app(app: Flask) -> None:
    app.after_request(_stamp)
