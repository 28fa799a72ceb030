"""People: departments, staff accounts and their API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import LabelledEnum, enum_check, utcnow
from teams_app.extensions import db

if TYPE_CHECKING:
    from teams_app.models.sso import UserIdentity

# Stored instead of a hash for accounts that sign in only through single sign-on: no password
# verifies against it (as Django's "unusable password"), and the account is not pending.
NO_PASSWORD = "!sso"


class Role(LabelledEnum):
    STAFF = "staff"
    LEADERSHIP = "leadership"
    ADMIN = "admin"


class Level(LabelledEnum):
    """Where a person sits in the organisation; teams show which levels they draw on."""

    FRONTLINE = "frontline"
    SPECIALIST = "specialist"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    EXECUTIVE = "executive"


class DepartmentKind(LabelledEnum):
    BRANCH = "branch"
    DEPARTMENT = "department"


class DigestFrequency(LabelledEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class Department(db.Model):  # type: ignore[name-defined]
    __tablename__ = "departments"
    __table_args__ = (enum_check("kind", DepartmentKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=DepartmentKind.BRANCH.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.name!r}>"


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", Role),
        enum_check("level", Level),
        enum_check("digest_frequency", DigestFrequency),
        CheckConstraint("digest_weekday BETWEEN 0 AND 6", name="digest_weekday_range"),
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.STAFF.value, index=True)
    level: Mapped[str] = mapped_column(String(20), default=Level.FRONTLINE.value, index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True, index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_frequency: Mapped[str] = mapped_column(String(10), default=DigestFrequency.WEEKLY.value)
    digest_weekday: Mapped[int] = mapped_column(default=0)
    digest_hour: Mapped[int] = mapped_column(default=8)
    # Bumped to end every session of this person (sign-out, password change, deactivation).
    session_version: Mapped[int] = mapped_column(default=1)
    invited_at: Mapped[datetime | None]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]

    department: Mapped[Department | None] = relationship(back_populates="users")
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    identities: Mapped[list[UserIdentity]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserIdentity.id"
    )

    def get_id(self) -> str:
        """Flask-Login alternative id: changing session_version invalidates old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_pending(self) -> bool:
        """Invited but has not set a password yet (nor signed in with single sign-on)."""
        return self.password_hash is None

    @property
    def has_password(self) -> bool:
        """Whether a password can sign this account in (SSO-only accounts have none)."""
        return bool(self.password_hash) and self.password_hash != NO_PASSWORD

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_leadership(self) -> bool:
        """Leadership powers; admins hold them too."""
        return self.role in (Role.LEADERSHIP.value, Role.ADMIN.value)

    @property
    def first_name(self) -> str:
        """For greetings; an account with a blank name is greeted by its email's local part."""
        parts = self.name.split() if self.name else []
        return parts[0] if parts else (self.email or "").split("@")[0]

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"


# The directory's order (names in any case, then id), so a page of people stops early.
Index("ix_users_lower_name_id", func.lower(User.name), User.id)


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
