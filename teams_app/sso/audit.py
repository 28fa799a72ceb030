"""The one door every single sign-on audit event goes through.

``record`` writes a structured log line (JSON, so newlines in claims cannot forge a line) and an
activity row in the caller's unit of work; the caller commits. When the security audit log lands
(issue 14), point ``record`` at it: nothing else in the SSO code writes audit events.

Detail keys are the audit log's fields (``provider``, ``sub`` for the provider's subject,
``email``, ``reason``...). Events: ``signed_in``, ``sign_in_refused`` (with a ``reason``),
``account_created``, ``identity_linked``, ``identity_unlinked``, ``role_changed``,
``sso_only_changed``, and ``password_refused`` (a password sign-in refused: SSO is required).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request

from teams_app.activity import record as record_activity
from teams_app.models import User, utcnow

log = logging.getLogger("teams_app.audit")


@dataclass(frozen=True)
class NoAccount:
    """The subject of an event that concerns no account (an address outside the allowed
    domains has none); its activity row has subject ``noaccount`` 0."""

    id: int = 0


def record(
    event: str, user: User | None = None, *, actor: User | None = None, **detail: Any
) -> None:
    """Log ``event`` about ``user`` (done by ``actor``, by default the user themself)."""
    actor = actor if actor is not None else user
    line = {
        "audit": f"sso.{event}",
        "at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "user_id": user.id if user is not None else None,
        "actor_id": actor.id if actor is not None else None,
        "client": request.remote_addr if has_request_context() else None,
        **detail,
    }
    log.info(json.dumps(line, default=str, ensure_ascii=True, sort_keys=True))
    record_activity(actor, f"sso_{event}", user if user is not None else NoAccount(), **detail)
