"""Mail jobs: invitations and password resets. The link is made at send time from ids, so a job
that runs twice sends the same valid link and never leaks a secret through Redis."""

from __future__ import annotations

from flask import current_app

from teams_app.auth import services as auth_services
from teams_app.extensions import db
from teams_app.mail import send_mail
from teams_app.models import User


def send_invitation(user_id: int, inviter_id: int | None = None) -> str | None:
    """Mail an invitation link to a pending account (no-op once the person has set a password)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.is_pending:
        return None
    inviter = db.session.get(User, inviter_id) if inviter_id else None
    url = auth_services.invitation_url(user)
    days = current_app.config["INVITE_MAX_AGE"] // 86400
    return send_mail(
        user.email,
        "You're invited to Mission Teams",
        "invitation",
        user=user,
        inviter=inviter,
        url=url,
        days=days,
    )


def send_password_reset(user_id: int) -> str | None:
    """Mail a reset link; silently nothing for inactive or pending accounts."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.is_pending:
        return None
    url = auth_services.reset_url(user)
    minutes = current_app.config["RESET_MAX_AGE"] // 60
    return send_mail(
        user.email,
        "Reset your Mission Teams password",
        "password_reset",
        user=user,
        url=url,
        minutes=minutes,
    )
