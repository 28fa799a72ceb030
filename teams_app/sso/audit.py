"""The one door every single sign-on audit event goes through: the security audit log.

Events are recorded with ``audit.record_on_commit``: written when the caller's unit of work
commits (an account created in it has its id by then) and forgotten if it rolls back; a refusal
rolls back first, then records and commits, so it writes its audit row and nothing else.

Detail keys are the audit log's fields (``provider``, ``sub`` for the provider's subject,
``email``, ``reason``...). Events (``sso.<name>`` in ``audit.EVENTS``): ``signed_in``,
``sign_in_refused`` (with a ``reason``), ``account_created``, ``identity_linked``,
``identity_unlinked``, ``role_changed``, ``sso_only_changed``, and ``password_refused`` (a
password sign-in refused: SSO is required).
"""

from __future__ import annotations

from typing import Any

from teams_app import audit
from teams_app.models import User


def record(
    event: str, user: User | None = None, *, actor: User | None = None, **detail: Any
) -> None:
    """Audit ``event`` about ``user`` (done by ``actor``, by default the user themself)."""
    audit.record_on_commit(
        f"sso.{event}",
        actor=actor if actor is not None else user,
        object=user,
        **detail,
    )
