"""Keeping the search index in step: every flush notes which documents its changes touch, and
just before the transaction commits their rows are rebuilt in that same transaction, so a
create, edit, hide, delete or permission change can never commit without its index row (and a
rolled-back change leaves the index as it was). No service has to remember to index anything.

On SQLite, triggers on ``search_documents`` keep the FTS5 table in step; on PostgreSQL the
``tsvector`` is a generated column. ``reindex`` rebuilds everything (``flask search reindex``),
for a database restored from a backup or filled by bulk loads that bypass the ORM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, select, text, tuple_
from sqlalchemy.orm import Session

from teams_app.extensions import db
from teams_app.models import (
    Action,
    Barrier,
    Comment,
    Department,
    DocKind,
    ImpactStory,
    Initiative,
    SearchDocument,
    StatusUpdate,
    Survey,
    SurveyAnswer,
    SurveyComment,
    Team,
    User,
)
from teams_app.search.documents import BUILDERS, SOURCES

Key = tuple[str, int]
_KEY = "search_pending"
BATCH = 500

# What a change to each class puts back in the index, and which of its columns matter (a
# sign-in stamping ``last_seen_at`` must not rebuild the person's row).
_FIELDS: dict[type, tuple[str, ...]] = {
    Team: ("name", "slug", "problem", "goal", "scope", "closing_summary"),
    Initiative: ("title", "summary", "team_id", "last_update_at"),
    StatusUpdate: ("body",),
    Barrier: ("title", "description", "resolution", "team_id", "department_id"),
    Action: ("description", "outcome", "barrier_id", "initiative_id"),
    ImpactStory: ("title", "body", "hidden", "author_id", "department_id", "initiative_id",
                  "barrier_id"),
    Comment: ("body", "hidden_at", "deleted_at", "target_id"),
    User: ("name", "department_id", "level", "active", "password_hash"),
    Department: ("name",),
    SurveyComment: ("answer_id",),
    SurveyAnswer: ("text", "department_id"),
    Survey: ("title",),
}  # fmt: skip


# Which document a changed object feeds, and the attribute holding its id (more are found when
# they are rebuilt: see ``_expand``).
_KEYS: dict[type, tuple[str, str]] = {
    Team: (DocKind.TEAM.value, "id"),
    Initiative: (DocKind.INITIATIVE.value, "id"),
    StatusUpdate: (DocKind.INITIATIVE.value, "initiative_id"),
    Barrier: (DocKind.BARRIER.value, "id"),
    Action: (DocKind.ACTION.value, "id"),
    ImpactStory: (DocKind.STORY.value, "id"),
    Comment: (DocKind.COMMENT.value, "id"),
    User: (DocKind.PERSON.value, "id"),
    SurveyComment: (DocKind.SURVEY_COMMENT.value, "id"),
    Department: ("department", "id"),
    SurveyAnswer: ("survey_answer", "id"),
    Survey: ("survey", "id"),
}


def _keys_for(obj: Any) -> list[Key]:
    kind, attr = _KEYS[type(obj)]
    return [(kind, getattr(obj, attr))]


def _changed(obj: Any) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _FIELDS[type(obj)])


def _note(session: Session, _ctx: Any) -> None:
    """after_flush: the new, changed and deleted objects are still listed here."""
    keys: set[Key] = session.info.setdefault(_KEY, set())
    for obj in session.new:
        if type(obj) in _FIELDS:
            keys.update(_keys_for(obj))
    for obj in session.dirty:
        if type(obj) in _FIELDS and _changed(obj):
            keys.update(_keys_for(obj))
    for obj in session.deleted:
        if type(obj) in _FIELDS:
            keys.update(_keys_for(obj))


def _apply(session: Session) -> None:
    """before_commit: rebuild what the transaction's flushes touched."""
    session.flush()  # commit flushes after this event: flush now, for the last changes' keys
    keys = session.info.pop(_KEY, set())
    if keys:
        with session.no_autoflush:
            refresh(_expand(keys))


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_KEY, None)


def _ids_where(column: Any, condition: Any) -> list[int]:
    return list(db.session.scalars(select(column).where(condition)))


def _expand(keys: set[Key]) -> dict[str, set[int]]:
    """From what changed to every document to rebuild: a department's people, a survey's or an
    answer's comments, and the comments on anything rebuilt (their title, page and audience come
    from it); a barrier's actions (their team is the barrier's)."""
    wanted: dict[str, set[int]] = {}
    for kind, ident in keys:
        wanted.setdefault(kind, set()).add(ident)
    if ids := wanted.pop("department", None):
        wanted.setdefault(DocKind.PERSON.value, set()).update(
            _ids_where(User.id, User.department_id.in_(ids))
        )
    survey_comments = wanted.setdefault(DocKind.SURVEY_COMMENT.value, set())
    if ids := wanted.pop("survey", None):
        survey_comments.update(_ids_where(SurveyComment.id, SurveyComment.survey_id.in_(ids)))
    if ids := wanted.pop("survey_answer", None):
        survey_comments.update(_ids_where(SurveyComment.id, SurveyComment.answer_id.in_(ids)))
    if ids := wanted.get(DocKind.BARRIER.value):
        wanted.setdefault(DocKind.ACTION.value, set()).update(
            _ids_where(Action.id, Action.barrier_id.in_(ids))
        )
    targets = [
        (target, ident)
        for kind, target in _COMMENT_TARGETS.items()
        for ident in wanted.get(kind, ())
    ]
    if targets:
        wanted.setdefault(DocKind.COMMENT.value, set()).update(
            _ids_where(Comment.id, tuple_(Comment.target_kind, Comment.target_id).in_(targets))
        )
    return {kind: ids for kind, ids in wanted.items() if ids}


_COMMENT_TARGETS = {
    DocKind.TEAM.value: "teams",
    DocKind.INITIATIVE.value: "initiatives",
    DocKind.BARRIER.value: "barriers",
    DocKind.ACTION.value: "actions",
    DocKind.STORY.value: "stories",
}


def refresh(wanted: dict[str, set[int]]) -> int:
    """Replace the rows of these documents with freshly built ones (a document whose object is
    gone, or that nobody may find any more, just loses its row). Returns the rows written."""
    written = 0
    for kind, ids in wanted.items():
        id_list = sorted(ids)
        for start in range(0, len(id_list), BATCH):
            chunk = id_list[start : start + BATCH]
            docs = BUILDERS[kind](chunk)
            db.session.execute(
                delete(SearchDocument).where(
                    SearchDocument.kind == kind, SearchDocument.object_id.in_(chunk)
                )
            )
            if docs:
                db.session.execute(insert(SearchDocument), docs)
            written += len(docs)
    return written


def _batches(column: Any) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(
            db.session.scalars(select(column).where(column > last).order_by(column).limit(BATCH))
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def count_sources() -> int:
    """How many objects a reindex reads (for its progress bar)."""
    return sum(
        db.session.scalar(select(func.count()).select_from(col.class_)) or 0
        for col in SOURCES.values()
    )


def reindex(progress: Callable[[int], None] = lambda _n: None) -> int:
    """Rebuild the whole index in one transaction (searches see the old index until it commits).
    Calls ``progress`` with each batch's size. Returns the documents written."""
    db.session.info.pop(_KEY, None)
    db.session.execute(delete(SearchDocument))
    written = 0
    for kind, column in SOURCES.items():
        for ids in _batches(column):
            docs = BUILDERS[kind](ids)
            if docs:
                db.session.execute(insert(SearchDocument), docs)
            written += len(docs)
            progress(len(ids))
    _rebuild_fts()
    db.session.commit()
    return written


def _rebuild_fts() -> None:
    """SQLite: the FTS5 table rebuilt from its content table, compact after a bulk load."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))


def init_app(_app: Any) -> None:
    if not event.contains(Session, "after_flush", _note):
        event.listen(Session, "after_flush", _note)
        event.listen(Session, "before_commit", _apply)
        event.listen(Session, "after_rollback", _forget)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic's comparison of models and database: the full-text parts live beside the
    model (the FTS5 table and its shadow tables, the generated tsvector and its indexes)."""
    if type_ == "table" and name and name.startswith("search_fts"):
        return False
    if type_ == "column" and name == "tsv" and reflected:
        return False
    return not (type_ == "index" and name in _FULL_TEXT_INDEXES)


_FULL_TEXT_INDEXES = {"ix_search_documents_tsv", "ix_search_documents_title_trgm"}
