"""The signed unsubscribe link of the digest mail: it works without signing in."""

from __future__ import annotations

from itsdangerous import BadSignature

from teams_app.extensions import db
from teams_app.models import DigestFrequency, User
from teams_app.security import link_serializer

UNSUBSCRIBE_PURPOSE = "digest-unsubscribe"


def unsubscribe_token(user: User) -> str:
    """The signed token of the person's unsubscribe link (it does not expire)."""
    return link_serializer(UNSUBSCRIBE_PURPOSE).dumps({"u": user.id})


def user_for_unsubscribe(token: str) -> User | None:
    """The person a signed unsubscribe token names; None when it is forged or mangled."""
    try:
        data = link_serializer(UNSUBSCRIBE_PURPOSE).loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def stop_digests(user: User) -> None:
    """The link was followed: no more digests for this person."""
    user.digest_frequency = DigestFrequency.OFF.value
    db.session.commit()
