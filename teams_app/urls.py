"""Absolute links for mail, built from BASE_URL (jobs run without a request)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    with current_app.test_request_context():
        path = url_for(endpoint, **values)
    return str(current_app.config["BASE_URL"]) + path
