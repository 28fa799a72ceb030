"""The search index: one row per thing that can be found (a team, an initiative with its status
updates, a barrier, an action, a story, a comment, a person, a survey comment), with the text
to match, where it links, and who may see it. ``teams_app.search`` keeps the rows in step with
the objects in the same transaction; the full-text part lives next to it and differs by
database (a weighted ``tsvector`` column on PostgreSQL, an FTS5 table on SQLite: see
``teams_app.search.schema``)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from teams_app.database import enum_check, utcnow
from teams_app.extensions import db


class DocKind(enum.StrEnum):
    """Kinds in the order results are grouped when they score alike."""

    BARRIER = "barrier"
    INITIATIVE = "initiative"
    TEAM = "team"
    ACTION = "action"
    STORY = "story"
    COMMENT = "comment"
    SURVEY_COMMENT = "survey_comment"
    PERSON = "person"

    @property
    def label(self) -> str:
        return _LABELS[self.value]

    @property
    def noun(self) -> str:
        """One of them: "Barrier", "Impact story", "Person"."""
        return _NOUNS[self.value]


_LABELS = {
    "barrier": "Barriers",
    "initiative": "Initiatives",
    "team": "Teams",
    "action": "Actions",
    "story": "Impact stories",
    "comment": "Comments",
    "survey_comment": "Survey comments",
    "person": "People",
}


_NOUNS = {
    "barrier": "Barrier",
    "initiative": "Initiative",
    "team": "Team",
    "action": "Action",
    "story": "Impact story",
    "comment": "Comment",
    "survey_comment": "Survey comment",
    "person": "Person",
}


class Audience(enum.StrEnum):
    """Who may find a document, checked in the search query itself."""

    ALL = "all"  # everyone signed in
    RESTRICTED = "restricted"  # leadership and ``owner_id`` (hidden stories and comments)
    SURVEY = "survey"  # leadership and the owners of ``survey_id`` (survey comments)


class SearchDocument(db.Model):  # type: ignore[name-defined]
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
        Index("ix_search_documents_team_id", "team_id"),
        Index("ix_search_documents_at", "at"),
        enum_check("kind", DocKind),
        enum_check("audience", Audience),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))  # matched, weighs most; may be empty
    # Shown instead of the title and not matched: a comment's "Comment on <what>" (its words
    # are its own, not its thread's).
    context: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str] = mapped_column(String(300))  # the page and #anchor, from the app's root
    team_id: Mapped[int | None]
    department_id: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)  # for recency and the date filter
    audience: Mapped[str] = mapped_column(String(10), default=Audience.ALL.value)
    owner_id: Mapped[int | None]
    survey_id: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(10), default="english")  # text search config

    def __repr__(self) -> str:
        return f"<SearchDocument {self.kind} {self.object_id}>"
