"""Single sign-on: the identities people sign in with, and the app-wide settings admins switch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import utcnow
from teams_app.extensions import db
from teams_app.models.people import User


class UserIdentity(db.Model):  # type: ignore[name-defined]
    """An account at an OpenID provider linked to a Mission Teams account.

    ``provider`` is the key the provider is configured under (``SSO_PROVIDERS``); ``subject`` is
    the ID token's ``sub``, the provider's stable id for the person (an email can change hands,
    a subject does not). One identity per provider per person: a different subject with the same
    email is refused until an admin unlinks the old one.
    """

    __tablename__ = "user_identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject"),
        UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    # The address the provider gave at the last sign-in (it may differ from the account's).
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="identities")


class Setting(db.Model):  # type: ignore[name-defined]
    """An app-wide switch an admin changes at run time (environment variables need a restart)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
