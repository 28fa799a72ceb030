"""How long a session lasts: the one place the limits are defined (``config.py`` reads them
from the environment; ``auth/session.py`` enforces them on every request).

- ``SESSION_IDLE_TIMEOUT`` (``SESSION_IDLE_MINUTES``, 60): a session unused this long is over.
- ``SESSION_MAX_AGE`` (``SESSION_MAX_HOURS``, 12): a session never outlives its sign-in by more.
- ``REMEMBER_MAX_AGE`` (``REMEMBER_ME_DAYS``, 14): the absolute limit of a sign-in that chose
  "keep me signed in"; its remember cookie replaces the idle timeout within that limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    max_age: timedelta
    remember_max_age: timedelta

    def lifetime(self, remembered: bool) -> timedelta:
        return self.remember_max_age if remembered else self.max_age


def limits() -> SessionLimits:
    config = current_app.config
    return SessionLimits(
        idle=config["SESSION_IDLE_TIMEOUT"],
        max_age=config["SESSION_MAX_AGE"],
        remember_max_age=config["REMEMBER_MAX_AGE"],
    )


def session_config(idle_minutes: int, max_hours: int, remember_days: int) -> dict[str, Any]:
    """The Flask and Flask-Login settings that follow from the three limits."""
    max_age = timedelta(hours=max_hours)
    remember = timedelta(days=remember_days)
    return {
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "SESSION_MAX_AGE": max_age,
        "REMEMBER_MAX_AGE": remember,
        # Cookies expire with the limits: a browser drops what the server would refuse anyway.
        "PERMANENT_SESSION_LIFETIME": max_age,
        "REMEMBER_COOKIE_DURATION": remember,
        "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
        # A response rewrites the session cookie only when the session changed. Otherwise a
        # background request (a typeahead, the similar-barrier check) that was in flight while
        # a form was sent would answer last with the older cookie, dropping the form's
        # "Thank you" flash, or even a sign-in, that the other response had just set.
        "SESSION_REFRESH_EACH_REQUEST": False,
    }
