"""Authentication rules: checking passwords, one-time links, ending sessions, self sign-up."""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy.exc import IntegrityError

from teams_app import audit
from teams_app.activity import Verb, record
from teams_app.errors import InvalidInput
from teams_app.extensions import db
from teams_app.models import Level, Role, User, utcnow
from teams_app.people.services import (
    checked_department,
    checked_email,
    checked_name,
    find_user_by_email,
    normalise_email,
)
from teams_app.queue import enqueue_mail_after_commit
from teams_app.security import (
    LinkError,
    burn_time_for_unknown_user,
    hash_password,
    link_matches,
    make_link_token,
    password_problems,
    read_link_token,
    verify_password,
)
from teams_app.sso import audit as sso_audit
from teams_app.sso import services as sso
from teams_app.urls import external_url
from teams_app.validation import choice

SIGN_IN_FAILED = "That email and password do not match an active account."
SSO_ONLY_FAILED = (
    "Password sign-in is for admins only here: that email and password do not match an admin "
    "account. Everyone else signs in with {providers} above."
)


def sign_in_failed_message() -> str:
    """One message for every failed password sign-in (it never says which part was wrong)."""
    if not sso.sso_only():
        return SIGN_IN_FAILED
    return SSO_ONLY_FAILED.format(providers=" or ".join(p.name for p in sso.providers()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (one message for every failure).

    With "SSO only" switched on, only admins may sign in with a password. A hash made by an
    older scheme is replaced with argon2id at this sign-in.
    """
    user = find_user_by_email(email)
    if user is None:
        burn_time_for_unknown_user(password)
        audit.record(
            "auth.sign_in_failed",
            actor=None,
            reason="unknown_account",
            email_sha256=email_fingerprint(email),
        )
        return None
    ok, needs_rehash = verify_password(user.password_hash, password)
    if not ok or not user.active:
        reason = (
            "inactive"
            if not user.active
            else "no_password"
            if user.is_pending
            else "wrong_password"
        )
        audit.record("auth.sign_in_failed", actor=None, object=user, reason=reason)
        return None
    if not sso.password_allowed(user):
        sso_audit.record("password_refused", user, reason="sso_only")
        db.session.commit()
        return None
    if needs_rehash:
        user.password_hash = hash_password(password)
    user.last_seen_at = utcnow()
    db.session.commit()
    audit.record("auth.sign_in", actor=user, object=user, method="password")
    return user


def email_fingerprint(email: str) -> str:
    """An address that matches no account is not stored as typed (people type passwords into
    the email field): a short hash still shows repeated guesses at one address."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16]


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-cookie this person holds, everywhere."""
    user.session_version += 1
    db.session.commit()
    audit.record("auth.sign_out", actor=user, object=user)


def _external(endpoint: str, **values: str) -> str:
    """Links in mail are built from BASE_URL: jobs run without a request."""
    return external_url(endpoint, **values)


def invitation_url(user: User) -> str:
    token = make_link_token("invite", user.id, user.password_hash)
    return _external("auth.accept_invitation", token=token)


def reset_url(user: User) -> str:
    token = make_link_token("reset", user.id, user.password_hash)
    return _external("auth.reset_password", token=token)


def login_url() -> str:
    return _external("auth.login")


def forgot_url() -> str:
    return _external("auth.forgot_password")


def request_password_reset(email: str) -> None:
    """Queue one reset job for any address, known or not: the job decides whether to send, so
    neither the answer nor the time it takes reveals which addresses have accounts."""
    email = normalise_email(email)
    if not email:
        return
    enqueue_mail_after_commit("jobs.mail.send_password_reset_to", email)
    db.session.commit()
    account = find_user_by_email(email)
    audit.record(
        "auth.reset_requested",
        actor=None,
        object=account,
        **({} if account else {"email_sha256": email_fingerprint(email)}),
    )


def user_for_link(purpose: str, token: str) -> User:
    """The user a reset or invitation link was made for, if it is still valid and unused."""
    max_age = current_app.config["INVITE_MAX_AGE" if purpose == "invite" else "RESET_MAX_AGE"]
    data = read_link_token(purpose, token, max_age)
    user = db.session.get(User, int(data["uid"]))
    if user is None or not user.active or not link_matches(data, user.password_hash):
        raise LinkError("This link has already been used or is no longer valid. Ask for a new one.")
    if purpose == "invite" and not user.is_pending:
        raise LinkError("This invitation has already been accepted. Sign in instead.")
    return user


def set_password_from_link(purpose: str, token: str, password: str) -> User:
    """Use a one-time link to set a password; the link stops working once it has been used."""
    user = user_for_link(purpose, token)
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        raise InvalidInput("Choose a stronger password.", fields={"password": problems})
    user.password_hash = hash_password(password)
    user.session_version += 1
    record(user, Verb.ACCEPTED_INVITATION if purpose == "invite" else Verb.RESET_PASSWORD, user)
    db.session.commit()
    audit.record(
        "password.set" if purpose == "invite" else "password.reset", actor=user, object=user
    )
    return user


def signup_allowed(email: str) -> bool:
    domains = current_app.config["ALLOWED_EMAIL_DOMAINS"]
    domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
    return bool(domains) and domain in domains


def sign_up(email: str, name: str, department_id: int | None, level: str) -> None:
    """Self sign-up, only for addresses in ALLOWED_EMAIL_DOMAINS; new people are staff.

    Nothing here proves the person owns the address, so the account starts pending (no password,
    like an invitation) and a one-time link to set the password is mailed to the address. An
    address that already has an account gets a different mail instead; the caller answers the
    same either way, so sign-up does not reveal who has an account.
    """
    email = checked_email(email)
    if not signup_allowed(email):
        raise InvalidInput.on("email", "Sign-up is open only to addresses of this organisation.")
    name = checked_name(name)
    level = choice("level", level, Level, "level")
    department_id = checked_department(department_id)
    existing = find_user_by_email(email)
    if existing is None:
        user = User(
            email=email,
            name=name,
            password_hash=None,
            role=Role.STAFF.value,
            level=level,
            department_id=department_id,
        )
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:
            # Someone else signed up with this address since the look-up above.
            db.session.rollback()
            existing = find_user_by_email(email)
            if existing is None:
                raise
        else:
            record(user, Verb.SIGNED_UP, user)
            enqueue_mail_after_commit("jobs.mail.send_signup_link", user.id)
    if existing is not None:
        enqueue_mail_after_commit("jobs.mail.send_signup_notice", existing.id)
    db.session.commit()
