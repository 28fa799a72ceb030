"""API tokens: created with a secret shown once, stored as a hash, revocable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from teams_app import audit
from teams_app.activity import Verb, record
from teams_app.errors import Conflict, InvalidInput, NotFound
from teams_app.extensions import db
from teams_app.models import ApiToken, User, utcnow
from teams_app.security import hash_api_secret, new_api_secret

TOKEN_NAME_MAX = 80
# last_used_at is written at most this often: a script calling in a loop would otherwise turn
# every read into a write (and a commit) on the token row.
LAST_USED_PRECISION = timedelta(seconds=60)


def live_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token named ``name``; returns it and the secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.on("name", "Give the token a name, such as the script that uses it.")
    if len(name) > TOKEN_NAME_MAX:
        raise InvalidInput.on("name", f"Use at most {TOKEN_NAME_MAX} characters.")
    if any(t.name.lower() == name.lower() for t in live_tokens(user)):
        raise Conflict(
            f"You already have a token named {name!r}.",
            fields={"name": ["You already have a token with this name."]},
        )
    secret = new_api_secret()
    token = ApiToken(
        user_id=user.id, name=name, token_hash=hash_api_secret(secret), prefix=secret[:8]
    )
    db.session.add(token)
    db.session.flush()
    record(user, Verb.CREATED_TOKEN, token, name=name)
    db.session.commit()
    audit.record("token.created", actor=user, object=token, name=name, prefix=token.prefix)
    return token, secret


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("No such token.")
    token.revoked_at = utcnow()
    record(user, Verb.REVOKED_TOKEN, token, name=token.name)
    db.session.commit()
    audit.record("token.revoked", actor=user, object=token, name=token.name, prefix=token.prefix)
    return token


def revoke_token_by_name(user: User, name: str) -> ApiToken:
    for token in live_tokens(user):
        if token.name.lower() == name.strip().lower():
            return revoke_token(user, token.id)
    raise NotFound(f"{user.email} has no live token named {name!r}.")


def user_for_secret(secret: str) -> User | None:
    """The active owner of a live token, recording its use (to the minute); None otherwise.
    The owner comes in the token's query: every API request pays for this one."""
    token = db.session.scalar(
        select(ApiToken)
        .join(ApiToken.user)
        .options(contains_eager(ApiToken.user))
        .where(ApiToken.token_hash == hash_api_secret(secret))
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return token.user
