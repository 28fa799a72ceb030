"""Mail jobs: invitations, sign-ups and password resets. The link is made at send time from ids,
so a job that runs twice sends the same valid link and never leaks a secret through Redis."""

from __future__ import annotations

from flask import current_app

from teams_app.auth import services as auth_services
from teams_app.extensions import db
from teams_app.mail import send_mail
from teams_app.models import User
from teams_app.people.services import email_change_url, find_user_by_email
from teams_app.sso import services as sso_services


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
        login_url=auth_services.login_url(),
        **sso_services.invitation_options(user),
    )


def send_signup_link(user_id: int) -> str | None:
    """Mail the link that proves a self sign-up owns the address and sets the password (no-op
    once the password is set). It is an invitation link: the same one-time mechanism."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.is_pending:
        return None
    return send_mail(
        user.email,
        "Finish creating your Mission Teams account",
        "signup_link",
        user=user,
        url=auth_services.invitation_url(user),
        days=current_app.config["INVITE_MAX_AGE"] // 86400,
    )


def send_signup_notice(user_id: int) -> str | None:
    """Someone signed up with an address that already has an account: tell its owner how to get
    in. Someone who never finished signing up (or accepting an invitation) gets the link again;
    a deactivated account gets nothing."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    if user.is_pending:
        return send_signup_link(user.id)
    return send_mail(
        user.email,
        "Someone tried to sign up to Mission Teams with your address",
        "signup_exists",
        user=user,
        login_url=auth_services.login_url(),
        forgot_url=auth_services.forgot_url(),
    )


def send_password_reset_to(email: str) -> str | None:
    """Queued for every reset request, known address or not, so the request itself takes the same
    time either way; only an active account with a password gets a mail."""
    user = find_user_by_email(email)
    if user is None:
        return None
    return send_password_reset(user.id)


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


def send_email_change_link(user_id: int, new_email: str) -> str | None:
    """Mail the link that moves an account to ``new_email``, to that address: using it proves
    the address belongs to the person. Nothing for an account that is no longer active."""

    user = db.session.get(User, user_id)
    if user is None or not user.active or user.is_pending:
        return None
    return send_mail(
        new_email,
        "Confirm your new Mission Teams address",
        "email_change_link",
        user=user,
        new_email=new_email,
        url=email_change_url(user, new_email),
        minutes=current_app.config["RESET_MAX_AGE"] // 60,
    )


def send_email_change_notice(user_id: int, new_email: str) -> str | None:
    """Tell the current address that someone asked to move the account elsewhere, so an
    unexpected change can be stopped (changing the password kills the link)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.email == new_email:
        return None
    return send_mail(
        user.email,
        "Your Mission Teams address is being changed",
        "email_change_notice",
        user=user,
        new_email=new_email,
        forgot_url=auth_services.forgot_url(),
    )
