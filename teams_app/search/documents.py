"""What each kind of thing puts in the search index: its title, the body text to match (Markdown
turned into plain words), the page it links to, its team, department and date, and who may find
it. Each builder takes a list of ids and reads the rows with one or two plain SQL statements, so
the same code serves a single edit (from the session hook in ``index.py``) and a full reindex of
a large library in batches.

A builder leaves out what nobody may find: deleted comments, deactivated and pending people."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from teams_app.extensions import db
from teams_app.markdown_text import plain_text
from teams_app.models import (
    Action,
    Audience,
    Barrier,
    Comment,
    Department,
    DocKind,
    ImpactStory,
    Initiative,
    Level,
    StatusUpdate,
    Survey,
    SurveyAnswer,
    SurveyComment,
    SurveyResponse,
    Team,
    User,
)
from teams_app.urls import app_path

Doc = dict[str, Any]
TITLE_MAX = 300
BODY_MAX = 20_000  # characters of text per document (an initiative's updates add up)
MARKS = str.maketrans("", "", "\ue000\ue001")  # the highlight markers may not occur in the text


def _clean(text: str | None) -> str:
    return (text or "").translate(MARKS)


def _words(markdown: str | None) -> str:
    return _clean(plain_text(markdown)) if markdown else ""


def _doc(
    kind: DocKind,
    object_id: int,
    title: str,
    body: Iterable[str | None],
    path: str,
    at: datetime | None,
    **extra: Any,
) -> Doc:
    text = "\n".join(part for part in body if part)
    return {
        "kind": kind.value,
        "object_id": object_id,
        "title": _clean(title)[:TITLE_MAX],
        "context": extra.get("context"),
        "body": text[:BODY_MAX],
        "path": path[:300],
        "at": at or datetime.now(UTC),
        "team_id": extra.get("team_id"),
        "department_id": extra.get("department_id"),
        "audience": extra.get("audience", Audience.ALL.value),
        "owner_id": extra.get("owner_id"),
        "survey_id": extra.get("survey_id"),
        "language": extra.get("language", "english"),
    }


def teams(ids: list[int]) -> list[Doc]:
    """Name above problem, goal, scope and what the team learned when it closed."""
    rows = db.session.execute(
        select(
            Team.id,
            Team.name,
            Team.slug,
            Team.problem,
            Team.goal,
            Team.scope,
            Team.closing_summary,
            Team.updated_at,
        ).where(Team.id.in_(ids))
    )
    return [
        _doc(
            DocKind.TEAM,
            r.id,
            r.name,
            [_clean(r.problem), _clean(r.goal), _clean(r.scope), _words(r.closing_summary)],
            app_path("teams.show", slug=r.slug),
            r.updated_at,
            team_id=r.id,
        )
        for r in rows
    ]


def initiatives(ids: list[int]) -> list[Doc]:
    """Title above the summary and every status update, oldest first."""
    updates: dict[int, list[str]] = {}
    for u in db.session.execute(
        select(StatusUpdate.initiative_id, StatusUpdate.body)
        .where(StatusUpdate.initiative_id.in_(ids))
        .order_by(StatusUpdate.created_at, StatusUpdate.id)
    ):
        updates.setdefault(u.initiative_id, []).append(_words(u.body))
    rows = db.session.execute(
        select(
            Initiative.id,
            Initiative.title,
            Initiative.summary,
            Initiative.team_id,
            Initiative.created_at,
            Initiative.last_update_at,
        ).where(Initiative.id.in_(ids))
    )
    return [
        _doc(
            DocKind.INITIATIVE,
            r.id,
            r.title,
            [_words(r.summary), *updates.get(r.id, [])],
            app_path("initiatives.show", initiative_id=r.id),
            r.last_update_at or r.created_at,
            team_id=r.team_id,
        )
        for r in rows
    ]


def barriers(ids: list[int]) -> list[Doc]:
    """Title above description and resolution."""
    rows = db.session.execute(
        select(
            Barrier.id,
            Barrier.title,
            Barrier.description,
            Barrier.resolution,
            Barrier.team_id,
            Barrier.department_id,
            Barrier.updated_at,
        ).where(Barrier.id.in_(ids))
    )
    return [
        _doc(
            DocKind.BARRIER,
            r.id,
            r.title,
            [_words(r.description), _words(r.resolution)],
            app_path("barriers.show", barrier_id=r.id),
            r.updated_at,
            team_id=r.team_id,
            department_id=r.department_id,
        )
        for r in rows
    ]


def actions(ids: list[int]) -> list[Doc]:
    """What is to be done (its first line is the title) and its outcome, on the action's page;
    its team is its barrier's or its initiative's."""
    via_initiative = aliased(Initiative)
    rows = db.session.execute(
        select(
            Action.id,
            Action.description,
            Action.outcome,
            Action.updated_at,
            func.coalesce(Barrier.team_id, via_initiative.team_id).label("team_id"),
            Barrier.department_id,
        )
        .outerjoin(Barrier, Barrier.id == Action.barrier_id)
        .outerjoin(via_initiative, via_initiative.id == Action.initiative_id)
        .where(Action.id.in_(ids))
    )
    return [
        _doc(
            DocKind.ACTION,
            r.id,
            _first_line(r.description),
            [_rest(r.description), _words(r.outcome)],
            app_path("conversations.thread", target_kind="actions", target_id=r.id),
            r.updated_at,
            team_id=r.team_id,
            department_id=r.department_id,
        )
        for r in rows
    ]


def _rest(text: str | None) -> str:
    """A description after its first line (the title shows that)."""
    lines = _clean(text).strip().splitlines()
    return "\n".join(lines[1:]).strip()


def _first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= 120 else line[:119].rsplit(" ", 1)[0] + "…"


def stories(ids: list[int]) -> list[Doc]:
    """Title above the story. A hidden story is found only by its author and leadership."""
    via_initiative = aliased(Initiative)
    via_barrier = aliased(Barrier)
    rows = db.session.execute(
        select(
            ImpactStory.id,
            ImpactStory.title,
            ImpactStory.body,
            ImpactStory.department_id,
            ImpactStory.created_at,
            ImpactStory.hidden,
            ImpactStory.author_id,
            func.coalesce(via_initiative.team_id, via_barrier.team_id).label("team_id"),
        )
        .outerjoin(via_initiative, via_initiative.id == ImpactStory.initiative_id)
        .outerjoin(via_barrier, via_barrier.id == ImpactStory.barrier_id)
        .where(ImpactStory.id.in_(ids))
    )
    return [
        _doc(
            DocKind.STORY,
            r.id,
            r.title,
            [_words(r.body)],
            app_path("stories.show", story_id=r.id),
            r.created_at,
            team_id=r.team_id,
            department_id=r.department_id,
            audience=Audience.RESTRICTED.value if r.hidden else Audience.ALL.value,
            owner_id=r.author_id if r.hidden else None,
        )
        for r in rows
    ]


# Comment targets: how a comment on each kind finds its page, title, team and audience.
_TARGET_DOCS: dict[str, Callable[[list[int]], list[Doc]]] = {
    "initiatives": initiatives,
    "barriers": barriers,
    "actions": actions,
    "stories": stories,
    "teams": teams,
}


def _targets(pairs: set[tuple[str, int]]) -> dict[tuple[str, int], Doc]:
    """The document of each comment target (an update stands for its initiative, on its own
    thread page)."""
    found: dict[tuple[str, int], Doc] = {}
    by_kind: dict[str, list[int]] = {}
    for kind, ident in pairs:
        by_kind.setdefault(kind, []).append(ident)
    update_ids = by_kind.pop("updates", [])
    if update_ids:
        parent = dict(
            db.session.execute(
                select(StatusUpdate.id, StatusUpdate.initiative_id).where(
                    StatusUpdate.id.in_(update_ids)
                )
            ).all()
        )
        docs = {d["object_id"]: d for d in initiatives(sorted(set(parent.values())))}
        for update_id, initiative_id in parent.items():
            if initiative_id in docs:
                path = app_path("conversations.thread", target_kind="updates", target_id=update_id)
                d = docs[initiative_id]
                found[("updates", update_id)] = {
                    **d,
                    "title": f"Update on “{d['title']}”",
                    "path": path,
                }
    for kind, idents in by_kind.items():
        for d in _TARGET_DOCS[kind](idents):
            found[(kind, d["object_id"])] = d
    return found


def comments(ids: list[int]) -> list[Doc]:
    """A comment is found by whoever may read its thread; a hidden comment's words only by its
    author and leadership (the thread shows them only to those)."""
    rows = list(
        db.session.execute(
            select(
                Comment.id,
                Comment.body,
                Comment.target_kind,
                Comment.target_id,
                Comment.author_id,
                Comment.hidden_at,
                Comment.created_at,
            ).where(Comment.id.in_(ids), Comment.deleted_at.is_(None))
        )
    )
    targets = _targets({(r.target_kind, r.target_id) for r in rows})
    docs = []
    for r in rows:
        target = targets.get((r.target_kind, r.target_id))
        if target is None:
            continue
        audience, owner = _comment_audience(target, r.author_id, r.hidden_at is not None)
        docs.append(
            _doc(
                DocKind.COMMENT,
                r.id,
                "",
                [_words(r.body)],
                f"{target['path'].split('#')[0]}#comment-{r.id}",
                r.created_at,
                team_id=target["team_id"],
                department_id=target["department_id"],
                audience=audience,
                owner_id=owner,
                context=f"Comment on {target['title']}"[:TITLE_MAX],
            )
        )
    return docs


def _comment_audience(target: Doc, author_id: int | None, hidden: bool) -> tuple[str, int | None]:
    """Everyone; or, for a hidden comment or one on a hidden story, leadership and the one person
    who may still read it (both restrictions at once leave leadership only, unless one person is
    both the story's and the comment's author)."""
    restricted = Audience.RESTRICTED.value
    if target["audience"] == restricted:
        if not hidden or target["owner_id"] == author_id:
            return restricted, target["owner_id"]
        return restricted, None
    if hidden:
        return restricted, author_id
    return Audience.ALL.value, None


def people(ids: list[int]) -> list[Doc]:
    """Name above department and level; only people the directory lists (active, signed up)."""
    rows = db.session.execute(
        select(
            User.id,
            User.name,
            User.level,
            User.created_at,
            User.department_id,
            Department.name.label("department"),
        )
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.id.in_(ids), User.active.is_(True), User.password_hash.is_not(None))
    )
    levels = {lv.value: lv.label for lv in Level}
    return [
        _doc(
            DocKind.PERSON,
            r.id,
            r.name,
            [r.department, levels.get(r.level)],
            app_path("people.directory", q=r.name) + f"#person-{r.id}",
            r.created_at,
            department_id=r.department_id,
        )
        for r in rows
    ]


def survey_comments(ids: list[int]) -> list[Doc]:
    """Free-text answers, found by the survey's owners and leadership (who triage them), stemmed
    in Spanish when the respondent answered in Spanish."""
    rows = db.session.execute(
        select(
            SurveyComment.id,
            SurveyComment.survey_id,
            SurveyComment.created_at,
            SurveyAnswer.text,
            func.coalesce(SurveyAnswer.department_id, SurveyResponse.department_id).label("dept"),
            SurveyResponse.language,
            Survey.title,
        )
        .join(SurveyAnswer, SurveyAnswer.id == SurveyComment.answer_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Survey, Survey.id == SurveyComment.survey_id)
        .where(SurveyComment.id.in_(ids))
    )
    return [
        _doc(
            DocKind.SURVEY_COMMENT,
            r.id,
            "",
            [_clean(r.text)],
            app_path("survey_triage.queue", survey_id=r.survey_id) + f"#comment-{r.id}",
            r.created_at,
            department_id=r.dept,
            audience=Audience.SURVEY.value,
            survey_id=r.survey_id,
            context=f"Survey comment: {r.title}"[:TITLE_MAX],
            language="spanish" if r.language == "es" else "english",
        )
        for r in rows
        if (r.text or "").strip()
    ]


BUILDERS: dict[str, Callable[[list[int]], list[Doc]]] = {
    DocKind.TEAM.value: teams,
    DocKind.INITIATIVE.value: initiatives,
    DocKind.BARRIER.value: barriers,
    DocKind.ACTION.value: actions,
    DocKind.STORY.value: stories,
    DocKind.COMMENT.value: comments,
    DocKind.PERSON.value: people,
    DocKind.SURVEY_COMMENT.value: survey_comments,
}

# Where each kind's ids come from, for a full reindex.
SOURCES: dict[str, Any] = {
    DocKind.TEAM.value: Team.id,
    DocKind.INITIATIVE.value: Initiative.id,
    DocKind.BARRIER.value: Barrier.id,
    DocKind.ACTION.value: Action.id,
    DocKind.STORY.value: ImpactStory.id,
    DocKind.COMMENT.value: Comment.id,
    DocKind.PERSON.value: User.id,
    DocKind.SURVEY_COMMENT.value: SurveyComment.id,
}
