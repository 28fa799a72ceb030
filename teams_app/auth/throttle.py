"""Failed-authentication limits per client address, held in the rate limiter's storage (Redis
in production, so every web process on every host counts together).

Three kinds, each with its own budget so a broken script cannot lock a branch out of signing
in: ``sign_in`` (a wrong email or password), ``token`` (an API token that is unknown, revoked
or whose owner is deactivated) and ``link`` (a reset or invitation link that is forged, used
or expired). An address that spends ``AUTH_FAILURES_PER_ADDRESS`` failures of one kind within
``AUTH_FAILURE_WINDOW`` seconds gets 429 (with ``Retry-After``) for every attempt of that kind
until the window has passed: right answers included, or the budget would not slow a guesser.
This sits on top of the per-account limits on the sign-in and reset forms (auth/routes.py).
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from limits import RateLimitItemPerSecond
from werkzeug.exceptions import TooManyRequests

from teams_app import audit
from teams_app.audit import client_address
from teams_app.extensions import limiter

log = logging.getLogger(__name__)
KINDS = ("sign_in", "token", "link")
NAMESPACE = "auth-failures"


def _item() -> RateLimitItemPerSecond:
    config = current_app.config
    return RateLimitItemPerSecond(
        config["AUTH_FAILURES_PER_ADDRESS"], config["AUTH_FAILURE_WINDOW"], namespace=NAMESPACE
    )


def _address() -> str:

    return client_address() or "unknown"


def retry_after(kind: str) -> int | None:
    """Seconds until this address may try ``kind`` again, or None when it may now."""
    if not limiter.enabled:
        return None
    try:
        item = _item()
        if limiter.limiter.test(item, kind, _address()):
            return None
        reset_at, _ = limiter.limiter.get_window_stats(item, kind, _address())
    except Exception:  # storage unreachable: fail open, as the other limits do
        log.warning("failed-authentication limits unavailable", exc_info=True)
        return None
    return max(1, int(reset_at - time.time()))


def refuse_if_blocked(kind: str) -> None:
    """429 before checking anything when this address has spent its failures of ``kind``."""
    wait = retry_after(kind)
    if wait is not None:
        raise TooManyRequests(
            description="Too many failed attempts from your network. "
            f"Wait {max(1, round(wait / 60))} minute(s) and try again.",
            retry_after=wait,
        )


def note_failure(kind: str) -> None:
    """Count one failure; the failure that spends the budget records the lock-out."""
    if not limiter.enabled:
        return
    try:
        item = _item()
        limiter.limiter.hit(item, kind, _address())
        spent = not limiter.limiter.test(item, kind, _address())
    except Exception:
        log.warning("failed-authentication limits unavailable", exc_info=True)
        return
    if spent:
        audit.record(
            "auth.locked_out",
            actor=None,
            scope="address",
            kind=kind,
            limit=current_app.config["AUTH_FAILURES_PER_ADDRESS"],
            window_seconds=current_app.config["AUTH_FAILURE_WINDOW"],
        )
