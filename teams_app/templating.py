"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from teams_app.activity import describe
from teams_app.markdown_text import render as render_markdown
from teams_app.models import DepartmentKind, DigestFrequency, Level, Role

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def local_time(value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A UTC time shown in the viewer's own time zone."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    from teams_app.digests.schedule import zone_for

    zone = zone_for(getattr(current_user, "timezone", None))
    return value.astimezone(zone).strftime(fmt)


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return "never"
    if value.tzinfo is None:  # RQ hands back naive UTC times
        value = value.replace(tzinfo=UTC)
    seconds = int(((now or datetime.now(UTC)) - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def days_since(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (datetime.now(UTC) - value).days


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (filters, pagination).

    ``endpoint`` and ``_``-prefixed names (``_external``, ``_scheme``, ``_method``...) mean
    something to ``url_for`` itself, so a visitor's query string must not pass them through.
    """
    args: dict[str, Any] = {
        key: value
        for key, value in request.args.to_dict(flat=True).items()
        if key != "endpoint" and not key.startswith("_")
    }
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = str(value)
    args.update(request.view_args or {})
    return url_for(request.endpoint or "main.home", **args)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["days_since"] = days_since
    app.jinja_env.globals.update(
        url_with=url_with,
        describe=describe,
        markdown=render_markdown,
        Role=Role,
        Level=Level,
        DepartmentKind=DepartmentKind,
        DigestFrequency=DigestFrequency,
        WEEKDAYS=WEEKDAYS,
        APP_NAME="Mission Teams",
    )
