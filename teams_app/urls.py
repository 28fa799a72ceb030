"""Links without a request: absolute ones for mail, built from BASE_URL (jobs run without a
request), and paths from the app's root for the search index."""

from __future__ import annotations

from typing import Any

from flask import current_app
from werkzeug.routing import MapAdapter


def _adapter() -> MapAdapter:
    """One URL adapter kept per app rather than a fake request per link: a digest has dozens of
    links and a weekly run thousands of digests. (The app registers no URL defaults or
    preprocessors, the only other thing ``url_for`` would apply.)"""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    adapter: MapAdapter | None = app.extensions.get("urls.adapter")
    if adapter is None:
        adapter = app.url_map.bind("localhost", script_name="/")
        app.extensions["urls.adapter"] = adapter
    return adapter


def app_path(endpoint: str, **values: Any) -> str:
    """The endpoint's path from the app's root, as ``url_for`` gives it in a request for "/"."""
    return _adapter().build(endpoint, {k: v for k, v in values.items() if v is not None})


def external_url(endpoint: str, **values: Any) -> str:
    """``BASE_URL`` + the endpoint's path."""
    return str(current_app.config["BASE_URL"]) + app_path(endpoint, **values)
