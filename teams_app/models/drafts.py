"""What someone typed into a form their expired session could not submit, kept until they are
signed in again and back on the form."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from teams_app.database import utcnow
from teams_app.extensions import db


class FormDraft(db.Model):  # type: ignore[name-defined]
    """One refused submission. ``token`` ties it to the browser (its session) until a sign-in
    gives it an owner; ``page`` is where the form is, ``action`` where it posts."""

    __tablename__ = "form_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    page: Mapped[str] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(String(500))
    fields: Mapped[str] = mapped_column(Text)  # JSON: [[name, value], ...]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
