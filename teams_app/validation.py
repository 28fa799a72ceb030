"""Checks that services share: required text with a length limit, choices from an enum."""

from __future__ import annotations

import enum

from teams_app.errors import InvalidInput


def required_text(field: str, value: str | None, max_len: int, empty: str) -> str:
    """Stripped text, present and at most ``max_len`` long; else InvalidInput on ``field``."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput.on(field, empty)
    if len(text) > max_len:
        raise InvalidInput.on(field, f"Use at most {max_len} characters.")
    return text


def choice(field: str, value: str, choices: type[enum.StrEnum], label: str) -> str:
    """``value`` if it is one of ``choices``; the message lists what is allowed."""
    if value not in {c.value for c in choices}:
        allowed = ", ".join(c.value for c in choices)
        raise InvalidInput.on(field, f"Choose a {label}: {allowed}.")
    return value
