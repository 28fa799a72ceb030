"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user
from markupsafe import Markup

from teams_app import dates
from teams_app.activity import describe
from teams_app.digests.schedule import zone_for
from teams_app.drafts import pending_for_page
from teams_app.markdown_text import excerpt
from teams_app.markdown_text import render as render_markdown
from teams_app.models import Action, DepartmentKind, DigestFrequency, Health, Level, Role

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _viewer_zone() -> tzinfo:
    return zone_for(getattr(current_user, "timezone", None))


def local_time(value: datetime | None) -> str:
    """A UTC time in the viewer's own time zone: "24 Nov 2026, 12:38"."""
    if value is None:
        return ""
    return dates.datetime_text(value, _viewer_zone())


def local_date(value: datetime | date | None) -> str:
    """The day of a UTC time in the viewer's time zone (or a date as it is): "24 Nov 2026"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = dates.aware(value).astimezone(_viewer_zone()).date()
    return dates.date_text(value)


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    return dates.relative_text(value, now)


def when(value: datetime | None) -> Markup:
    """Relative text in a ``<time>`` whose title is the exact local time."""
    return dates.time_element(value, _viewer_zone())


def on_day(value: date | None) -> Markup:
    """A date as ``<time datetime="2026-11-24">24 Nov 2026</time>``."""
    return dates.date_element(value)


def days_since(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (datetime.now(UTC) - value).days


def health_label(value: str) -> str:
    """ "on_track" → "On track": every page words a health as ``Health.label`` does."""
    return Health(value).label


def _due_wording(action: Action, today: date) -> tuple[str, str]:
    """The CSS class and the words for an action's due date, ``{date}`` standing for the day."""
    if action.due_on is None:
        return "due text-body-secondary", "No due date"
    days = (action.due_on - today).days
    if action.is_overdue(today):
        return "due overdue", f"Overdue {-days} day{'' if days == -1 else 's'} ({{date}})"
    if action.is_open and days == 0:
        return "due due-soon", "Due today"
    if action.is_open and days <= 7:
        return "due due-soon", f"Due in {days} day{'' if days == 1 else 's'}"
    return "due", "Due {date}"


def due_text(action: Action, today: date) -> str:
    """``due_phrase`` as plain text, for mail: "Overdue 3 days (24 Nov 2026)", "Due today"."""
    _, words = _due_wording(action, today)
    return words.format(date=dates.date_text(action.due_on)) if action.due_on else words


def due_phrase(action: Action, today: date) -> Markup:
    """How an action's due date reads on a page, from the model's rules (``is_overdue``,
    ``is_open``): "Overdue 3 days (24 Nov 2026)", "Due today", "Due in 2 days" (within a week),
    "Due 24 Nov 2026" or "No due date"."""
    css, words = _due_wording(action, today)
    text = Markup(words).format(date=dates.date_element(action.due_on)) if action.due_on else words
    return Markup('<span class="{}">{}</span>').format(css, text)


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


# Pages that belong to another section than their blueprint: a team's board and its new
# initiative form are the team's; actions are the barriers'; my actions has its own item.
_SECTIONS = {
    "main.home": "home",
    "initiatives.board": "teams",
    "initiatives.new": "teams",
    "barriers.my_actions": "my_actions",
    "digests.preview": "account",
    "api_docs.docs": "account",
}
_BLUEPRINT_SECTIONS = {"account": "account", "digests": "account"}


def nav_section() -> str:
    """Which main navigation item the current page belongs to (it is shown as current)."""
    endpoint = request.endpoint or ""
    if endpoint in _SECTIONS:
        return _SECTIONS[endpoint]
    blueprint = endpoint.partition(".")[0]
    return _BLUEPRINT_SECTIONS.get(blueprint, blueprint)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["on_day"] = on_day
    app.jinja_env.filters["month_text"] = dates.month_text
    app.jinja_env.filters["date_text"] = dates.date_text
    app.jinja_env.filters["days_since"] = days_since
    app.jinja_env.filters["health_label"] = health_label
    app.jinja_env.filters["due_phrase"] = due_phrase
    app.jinja_env.globals.update(
        url_with=url_with,
        nav_section=nav_section,
        pending_draft=pending_for_page,
        describe=describe,
        markdown=render_markdown,
        excerpt=excerpt,
        Role=Role,
        Level=Level,
        DepartmentKind=DepartmentKind,
        DigestFrequency=DigestFrequency,
        Health=Health,
        WEEKDAYS=WEEKDAYS,
        APP_NAME="Mission Teams",
    )
