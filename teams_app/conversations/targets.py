"""The registry of what can be discussed: a comment's target is a kind and an id. Each kind says
how to load its object, its title and page, the team whose feed hears about it, and what
following it means. Who may read and comment is asked of ``permissions.py`` (``read_thread``,
``comment``), which reads ``Target``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import has_request_context, url_for
from sqlalchemy import select

from teams_app.barriers.services import get_action, get_barrier
from teams_app.errors import NotFound, ServiceError
from teams_app.extensions import db
from teams_app.initiatives.services import get_initiative
from teams_app.models import Action, Barrier, ImpactStory, Initiative, StatusUpdate, Team, User
from teams_app.models.conversations import TargetKind
from teams_app.permissions import can
from teams_app.stories.services import get_story
from teams_app.teams.services import get_team
from teams_app.urls import external_url  # a job: no request, BASE_URL


@dataclass
class Target:
    kind: str
    obj: Any
    title: str
    team: Team | None
    # What a follow of this thread means: (follow kind, id), e.g. an update -> its initiative.
    follows: tuple[str, int] | None
    # For updates: the initiative it belongs to (its page carries nothing of the update itself).
    parent: Any = None

    @property
    def id(self) -> int:
        return int(self.obj.id)

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)

    def url(self, anchor: str | None = None, external: bool = False, **args: Any) -> str:
        """The page the thread is on (with ``#anchor``; ``args`` not None as query arguments)."""
        endpoint, values = _PAGE[self.kind](self)
        values.update({k: v for k, v in args.items() if v is not None})
        if has_request_context():
            return url_for(endpoint, _anchor=anchor, _external=external, **values)

        url = external_url(endpoint, **values) + (f"#{anchor}" if anchor else "")
        if external:
            return url
        parts = urlsplit(url)
        return parts.path + (f"#{parts.fragment}" if parts.fragment else "")

    @property
    def what(self) -> str:
        return _WHAT[self.kind]


_WHAT = {
    "initiatives": "initiative",
    "updates": "status update",
    "barriers": "barrier",
    "actions": "action",
    "stories": "impact story",
    "teams": "team",
}


def _page_of_initiative(t: Target) -> tuple[str, dict[str, Any]]:
    return "initiatives.show", {"initiative_id": t.id}


_PAGE: dict[str, Callable[[Target], tuple[str, dict[str, Any]]]] = {
    "initiatives": _page_of_initiative,
    "updates": lambda t: ("conversations.thread", {"target_kind": t.kind, "target_id": t.id}),
    "barriers": lambda t: ("barriers.show", {"barrier_id": t.id}),
    "actions": lambda t: ("conversations.thread", {"target_kind": t.kind, "target_id": t.id}),
    "stories": lambda t: ("stories.show", {"story_id": t.id}),
    "teams": lambda t: ("teams.show", {"slug": t.obj.slug}),
}


def _initiative(ident: int) -> Target:

    i = get_initiative(ident)
    return Target("initiatives", i, i.title, i.team, ("initiatives", i.id))


def _update(ident: int) -> Target:

    u = db.session.get(StatusUpdate, ident)
    if u is None:
        raise NotFound("No such update.")
    i = get_initiative(u.initiative_id)
    return Target("updates", u, f"Update on “{i.title}”", i.team, ("initiatives", i.id), parent=i)


def _barrier(ident: int) -> Target:

    b = get_barrier(ident)
    return Target("barriers", b, b.title, b.team, ("barriers", b.id))


def _action(ident: int) -> Target:

    a = get_action(ident)
    follows = ("initiatives", a.initiative_id) if a.initiative_id else ("barriers", a.barrier_id)
    return Target("actions", a, f"Action: {a.description[:80]}", a.team, follows)  # type: ignore[arg-type]


def _story(ident: int) -> Target:

    s = get_story(ident)
    team = None
    if s.initiative is not None:
        team = s.initiative.team
    elif s.barrier is not None:
        team = s.barrier.team
    return Target("stories", s, s.title, team, None)


def _team(ident: int) -> Target:

    t = get_team(ident)
    return Target("teams", t, t.name, t, ("teams", t.id))


_LOADERS: dict[str, Callable[[int], Target]] = {
    TargetKind.INITIATIVES.value: _initiative,
    TargetKind.UPDATES.value: _update,
    TargetKind.BARRIERS.value: _barrier,
    TargetKind.ACTIONS.value: _action,
    TargetKind.STORIES.value: _story,
    TargetKind.TEAMS.value: _team,
}
KINDS = tuple(_LOADERS)


def wrap(kind: str, obj: Any) -> Target:
    """A Target for an object a page already loaded (no query for the common kinds)."""
    if kind == "initiatives":
        return Target(kind, obj, obj.title, obj.team, ("initiatives", obj.id))
    if kind == "barriers":
        return Target(kind, obj, obj.title, obj.team, ("barriers", obj.id))
    if kind == "teams":
        return Target(kind, obj, obj.name, obj, ("teams", obj.id))
    if kind == "stories":
        team = (
            obj.initiative.team if obj.initiative else (obj.barrier.team if obj.barrier else None)
        )
        return Target(kind, obj, obj.title, team, None)
    return load(kind, obj.id)


def load(kind: str, ident: int, viewer: User | None = None) -> Target:
    """The target, or NotFound: an unknown kind or id, or one ``viewer`` may not read."""
    loader = _LOADERS.get(kind)
    if loader is None:
        raise NotFound("Nothing to comment on there.")
    try:
        target = loader(ident)
    except NotFound:
        raise
    except ServiceError:  # pragma: no cover - loaders only raise NotFound
        raise NotFound("Nothing to comment on there.") from None
    if viewer is not None and not can(viewer, "read_thread", target):
        raise NotFound(f"No such {_WHAT[kind]}.")
    return target


def load_objects(keys: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Titles for many targets at once (the Following page, the inbox): one query per kind."""
    titles: dict[tuple[str, int], str] = {}
    by_kind: dict[str, list[int]] = {}
    for kind, ident in keys:
        by_kind.setdefault(kind, []).append(ident)
    columns: dict[str, tuple[Any, Any]] = {
        "teams": (Team, Team.name),
        "initiatives": (Initiative, Initiative.title),
        "barriers": (Barrier, Barrier.title),
        "stories": (ImpactStory, ImpactStory.title),
        "actions": (Action, Action.description),
    }

    for kind, ids in by_kind.items():
        if kind not in columns:
            continue
        model, col = columns[kind]
        for ident, title in db.session.execute(select(model.id, col).where(model.id.in_(ids))):
            titles[(kind, ident)] = title
    return titles
