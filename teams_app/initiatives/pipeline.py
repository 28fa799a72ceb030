"""The stage pipeline: reading it, and the admin rules for changing it."""

from __future__ import annotations

from sqlalchemy import func, select

from teams_app.activity import Verb, record
from teams_app.errors import Conflict, InvalidInput, NotAllowed
from teams_app.extensions import db
from teams_app.models import Initiative, Stage, StageChange, StageKind, User
from teams_app.permissions import can
from teams_app.validation import choice, required_text

# Migration bcbc8cc6ec7d creates these rows from its own frozen copy (migrations do not import
# app code); tests/unit/test_migration_copies.py checks the two still agree.
DEFAULT_PIPELINE = [
    ("Idea", "open"),
    ("Discover", "open"),
    ("Plan", "open"),
    ("Pilot", "open"),
    ("Roll out", "open"),
    ("Sustain", "open"),
    ("Done", "done"),
    ("Stopped", "stopped"),
]
STAGE_NAME_MAX = 60


def stages() -> list[Stage]:
    """The pipeline in order."""
    return list(db.session.scalars(select(Stage).order_by(Stage.position, Stage.id)))


def first_open_stage() -> Stage:
    stage = db.session.scalar(
        select(Stage).where(Stage.kind == StageKind.OPEN.value).order_by(Stage.position).limit(1)
    )
    if stage is None:
        raise Conflict("The pipeline has no open stage; ask an admin to add one.")
    return stage


def _check_name(name: str, stage_id: int | None = None) -> str:
    name = required_text("name", name, STAGE_NAME_MAX, "Give the stage a name.")
    clash = db.session.scalar(select(Stage).where(Stage.name_key == name.lower()))
    if clash is not None and clash.id != stage_id:
        raise Conflict(
            f"A stage named {clash.name} already exists.", fields={"name": ["Already exists."]}
        )
    return name


def add_stage(actor: User, name: str, kind: str) -> Stage:
    """Admins add a stage at the end of the pipeline."""
    if not can(actor, "manage_pipeline"):
        raise NotAllowed("Only admins can change the pipeline.")
    name = _check_name(name)
    choice("kind", kind, StageKind, "kind")
    last = db.session.scalar(select(func.max(Stage.position))) or 0
    stage = Stage(name=name, name_key=name.lower(), kind=kind, position=last + 1)
    db.session.add(stage)
    db.session.flush()
    record(actor, Verb.ADDED_STAGE, stage, name=name)
    db.session.commit()
    return stage


def rename_stage(actor: User, stage: Stage, name: str, kind: str) -> Stage:
    if not can(actor, "manage_pipeline"):
        raise NotAllowed("Only admins can change the pipeline.")
    name = _check_name(name, stage.id)
    choice("kind", kind, StageKind, "kind")
    record(actor, Verb.RENAMED_STAGE, stage, before=stage.name, after=name)
    stage.name, stage.name_key, stage.kind = name, name.lower(), kind
    db.session.commit()
    return stage


def move_stage(actor: User, stage: Stage, direction: int) -> None:
    """Swap a stage with its neighbour (direction -1 = earlier, +1 = later)."""
    if not can(actor, "manage_pipeline"):
        raise NotAllowed("Only admins can change the pipeline.")
    ordered = stages()
    index = next(i for i, s in enumerate(ordered) if s.id == stage.id)
    other = index + direction
    if not 0 <= other < len(ordered):
        raise InvalidInput.on("direction", "That stage is already at the end.")
    for position, s in enumerate(ordered, start=1):
        s.position = position
    ordered[index].position, ordered[other].position = (
        ordered[other].position,
        ordered[index].position,
    )
    record(actor, Verb.REORDERED_STAGE, stage, name=stage.name)
    db.session.commit()


def delete_stage(actor: User, stage: Stage) -> None:
    """A stage that holds initiatives (now or in their history) cannot be deleted."""
    if not can(actor, "manage_pipeline"):
        raise NotAllowed("Only admins can change the pipeline.")
    held = db.session.scalar(select(func.count()).where(Initiative.stage_id == stage.id)) or 0
    if held:
        raise Conflict(f"{stage.name} holds {held} initiatives; move them first.")

    used = db.session.scalar(
        select(func.count()).where(
            (StageChange.to_stage_id == stage.id) | (StageChange.from_stage_id == stage.id)
        )
    )
    if used:
        raise Conflict(f"{stage.name} appears in initiatives' history; rename it instead.")
    record(actor, Verb.DELETED_STAGE, stage, name=stage.name)
    db.session.delete(stage)
    db.session.commit()


def usage() -> dict[int, int]:
    """How many initiatives are in each stage now (one GROUP BY)."""
    rows = db.session.execute(
        select(Initiative.stage_id, func.count()).group_by(Initiative.stage_id)
    ).all()
    return {stage_id: n for stage_id, n in rows}
