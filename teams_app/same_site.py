"""Same-site checks: where a redirect may go, and where a form post may come from.

- ``local_target`` is the one check for every redirect target taken from a request (``next``,
  a form's ``next`` field, the ``Referer``): a path on this site, or an absolute URL on this
  site's own origin reduced to its path. Anything else (another host, ``//host``, ``/\\host``,
  a scheme, control characters) gives the fallback.
- ``refuse_cross_site_posts`` runs before every state-changing page request (the API takes
  bearer tokens and never cookies, so it is out of scope): a browser that says the request
  came from another site (``Sec-Fetch-Site: cross-site`` or ``same-site``, or an ``Origin``
  that is not ours, ``null`` included) gets a 403, even with a valid CSRF token. Requests
  without either header (old browsers, mail clients posting a one-click unsubscribe) are left
  to the CSRF token. A view that must accept posts from elsewhere says so with
  ``cross_site_allowed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request

from teams_app import audit

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def own_origins() -> set[str]:
    """This site's origins: the one the request reached, and BASE_URL's."""
    origins = {f"{request.scheme}://{request.host}".lower()}
    base = urlsplit(current_app.config["BASE_URL"])
    if base.scheme and base.netloc:
        origins.add(f"{base.scheme}://{base.netloc}".lower())
    return origins


def local_target(target: str | None, fallback: str) -> str:
    """``target`` as a same-site path when it is one, else ``fallback``: no open redirects."""
    if not target or any(ch in target for ch in "\\\r\n\t\x00") or not target.isprintable():
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if f"{parts.scheme}://{parts.netloc}".lower() not in own_origins():
            return fallback
        path = parts.path or "/"
        return path + (f"?{parts.query}" if parts.query else "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return fallback


def cross_site_allowed(view: F) -> F:
    """Mark a view that accepts state-changing requests from other sites (e.g. an identity
    provider's ``form_post`` callback). It must then authenticate the request itself."""
    view.cross_site_allowed = True  # type: ignore[attr-defined]
    return view


def _view_allows_cross_site() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "cross_site_allowed", False))


def refuse_cross_site_posts() -> None:
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    origin = request.headers.get("Origin", "").strip().lower()
    cross = (fetch_site and fetch_site not in ALLOWED_FETCH_SITES) or (
        origin and origin not in own_origins()
    )
    if not cross or _view_allows_cross_site():
        return

    audit.record(
        "request.rejected",
        reason="cross_site",
        method=request.method,
        path=request.path,
        origin=origin or None,
        sec_fetch_site=fetch_site or None,
    )
    g.refusal_recorded = True
    abort(
        403,
        description="This form was sent from another site, so it was refused. "
        "Open the page on this site and submit it again.",
    )


def init_app(app: Flask) -> None:
    app.before_request(refuse_cross_site_posts)
