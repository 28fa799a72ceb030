"""Rules for single sign-on: whose account verified claims open, linking and creating accounts,
roles from groups, unlinking, and "SSO only for everyone but admins"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from teams_app.errors import InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import NO_PASSWORD, Role, Setting, User, UserIdentity, utcnow
from teams_app.people.services import NAME_MAX, find_user_by_email, normalise_email
from teams_app.permissions import can
from teams_app.sso import audit
from teams_app.sso.config import ProviderConfig
from teams_app.sso.flow import providers
from teams_app.sso.refusals import SignInRefused

SSO_ONLY = "sso_only"
SUBJECT_MAX = 255


@dataclass(frozen=True)
class SignIn:
    user: User
    created: bool  # a new account, made just now: the welcome page comes next
    linked: bool  # this identity was linked to the account just now


@dataclass(frozen=True)
class VerifiedPerson:
    """What the claims say, checked: who the provider says this is, and may they come in."""

    subject: str
    email: str
    name: str
    groups: list[str] | None  # None: the provider sent no groups claim


def _verified(provider: ProviderConfig, claims: Mapping[str, Any]) -> VerifiedPerson:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MAX:
        raise SignInRefused("id_token_invalid", provider, claim="sub")
    raw_email = claims.get("email")
    if not isinstance(raw_email, str) or "@" not in raw_email or len(raw_email) > 254:
        raise SignInRefused("email_missing", provider, sub=subject)
    email = normalise_email(raw_email)
    verified = claims.get("email_verified") in (True, "true")
    if not verified and not provider.trust_email:
        raise SignInRefused("email_unverified", provider, sub=subject, email=email)
    domain = email.rsplit("@", 1)[1]
    domain_claim = claims.get(provider.domain_claim) if provider.domain_claim else domain
    if not provider.allows_domain(domain) or not (
        isinstance(domain_claim, str) and provider.allows_domain(domain_claim)
    ):
        raise SignInRefused("domain_not_allowed", provider, sub=subject, email=email)
    groups: list[str] | None = None
    if provider.groups_claim:
        raw_groups = claims.get(provider.groups_claim)
        if isinstance(raw_groups, list):
            groups = [str(g) for g in raw_groups]
        elif isinstance(raw_groups, str):
            groups = [raw_groups]
    return VerifiedPerson(subject, email, _name(claims, email), groups)


def _name(claims: Mapping[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return (name or email.split("@")[0]).strip()[:NAME_MAX]


def role_from_groups(provider: ProviderConfig, groups: list[str] | None) -> str:
    """Admin if any admin group, else leadership if any leadership group, else staff. No groups
    claim at all counts as no groups: a role the provider no longer vouches for is not kept."""
    held = set(groups or ())
    if held & provider.admin_groups:
        return Role.ADMIN.value
    if held & provider.leadership_groups:
        return Role.LEADERSHIP.value
    return Role.STAFF.value


def _identity(provider: ProviderConfig, subject: str) -> UserIdentity | None:
    return db.session.scalar(
        select(UserIdentity).where(
            UserIdentity.provider == provider.key, UserIdentity.subject == subject
        )
    )


def _account_for(provider: ProviderConfig, person: VerifiedPerson) -> tuple[User, bool, bool]:
    """The account these claims open: by linked identity, else by email (linking), else a new
    staff account. Refuses, before writing anything, a deactivated account or one linked to
    another subject at this provider."""
    identity = _identity(provider, person.subject)
    if identity is not None:
        user = identity.user
        if not user.active:
            raise SignInRefused("account_deactivated", provider, sub=person.subject, user=user)
        return user, False, False
    same_email = find_user_by_email(person.email)
    if same_email is not None:
        user = same_email
        if not user.active:
            raise SignInRefused("account_deactivated", provider, sub=person.subject, user=user)
        if any(i.provider == provider.key for i in user.identities):
            raise SignInRefused("identity_conflict", provider, sub=person.subject, user=user)
        created = False
    else:
        user = User(
            email=person.email, name=person.name, password_hash=NO_PASSWORD, role=Role.STAFF.value
        )
        db.session.add(user)
        created = True
    db.session.add(
        UserIdentity(user=user, provider=provider.key, subject=person.subject, email=person.email)
    )
    db.session.flush()
    return user, created, True


def sign_in(provider: ProviderConfig, claims: Mapping[str, Any]) -> SignIn:
    """Open the account verified ID token claims belong to (the caller starts the session).

    Raises ``SignInRefused`` having written nothing (the caller records the refusal). Two first
    sign-ins racing for one address meet the unique constraints; the loser runs again and links.
    """
    for attempt in (1, 2):
        try:
            return _sign_in(provider, claims)
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
        except SignInRefused:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _sign_in(provider: ProviderConfig, claims: Mapping[str, Any]) -> SignIn:
    person = _verified(provider, claims)
    user, created, linked = _account_for(provider, person)
    identity = next(i for i in user.identities if i.provider == provider.key)
    now = utcnow()
    identity.email = person.email
    identity.last_sign_in_at = now
    user.last_seen_at = now
    if user.password_hash is None:
        user.password_hash = NO_PASSWORD  # an invitation accepted by signing in: not pending
    where: dict[str, Any] = {"provider": provider.key, "sub": person.subject, "email": person.email}
    if created:
        audit.record("account_created", user, name=user.name, **where)
    if linked:
        audit.record("identity_linked", user, **where)
    if provider.groups_claim:
        role = role_from_groups(provider, person.groups)
        if role != user.role:
            audit.record(
                "role_changed",
                user,
                before=user.role,
                after=role,
                groups=person.groups,
                groups_claim_missing=person.groups is None,
                **where,
            )
            user.role = role
    audit.record("signed_in", user, created=created, linked=linked, **where)
    db.session.commit()
    return SignIn(user, created, linked)


def record_refusal(refusal: SignInRefused) -> None:
    """Audit a refused sign-in in its own small commit: the one thing a refusal writes."""
    db.session.rollback()
    detail = {k: v for k, v in refusal.detail.items() if k != "user"}
    user = refusal.detail.get("user")
    audit.record(
        "sign_in_refused", user, reason=refusal.reason, provider=refusal.provider.key, **detail
    )
    db.session.commit()


# --- Linked identities ---------------------------------------------------------------------


def unlink_identity(actor: User, user: User, identity_id: int) -> UserIdentity:
    """An admin removes a linked identity; the person's sessions end (it may have opened them).
    Their next sign-in with that provider links again by email, if the address still matches."""
    if not can(actor, "manage_users"):
        raise NotAllowed("Only admins can unlink sign-in identities.")
    identity = db.session.get(UserIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        raise NotFound("That identity is not linked to this account.")
    audit.record(
        "identity_unlinked",
        user,
        actor=actor,
        provider=identity.provider,
        sub=identity.subject,
        email=identity.email,
    )
    db.session.delete(identity)
    user.session_version += 1
    db.session.commit()
    return identity


def identity_counts() -> dict[str, int]:
    """Linked identities per provider key, for the admin page."""
    rows = db.session.execute(
        select(UserIdentity.provider, func.count()).group_by(UserIdentity.provider)
    ).all()
    return {key: n for key, n in rows}


# --- SSO only -------------------------------------------------------------------------------


def sso_only() -> bool:
    """Whether everyone but admins must sign in through a provider (an admin's switch)."""
    if not providers():
        return False
    setting = db.session.get(Setting, SSO_ONLY)
    return bool(setting and setting.value)


def set_sso_only(actor: User, on: bool) -> None:
    """Switch password sign-in off (or back on) for everyone but admins."""
    if not can(actor, "manage_sign_in"):
        raise NotAllowed("Only admins can change how people sign in.")
    if on and not providers():
        raise InvalidInput("Configure an OpenID provider (SSO_PROVIDERS) before requiring SSO.")
    setting = db.session.get(Setting, SSO_ONLY)
    if setting is None:
        setting = Setting(key=SSO_ONLY, value=False)
        db.session.add(setting)
    if bool(setting.value) != on:
        setting.value = on
        setting.updated_by_id = actor.id
        audit.record("sso_only_changed", None, actor=actor, on=on)
    db.session.commit()


def password_allowed(user: User) -> bool:
    """Password sign-in is for everyone, or, with SSO only, for admins alone."""
    return user.is_admin or not sso_only()


def invitation_options(user: User) -> dict[str, Any]:
    """How an invitation tells someone to get in: the providers that may sign their address
    in, and whether a password would work for them at all (not with SSO only, unless admin)."""
    domain = user.email.rsplit("@", 1)[-1]
    names = [p.name for p in providers() if p.allows_domain(domain)]
    return {"sso_names": names, "password_needed": not names or password_allowed(user)}


def admins_with_password() -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                User.role == Role.ADMIN.value,
                User.active.is_(True),
                User.password_hash.is_not(None),
                User.password_hash != NO_PASSWORD,
            )
        )
        or 0
    )
