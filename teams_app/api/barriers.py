"""API: barriers and the actions taken against them. Each endpoint calls the same service as the
pages (``teams_app.barriers.services``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from teams_app.api.auth import api_user, protect, require_api
from teams_app.api.initiatives import TeamRefSchema
from teams_app.api.people import DepartmentRefSchema
from teams_app.api.schemas import (
    BodySchema,
    Id,
    PageArgsSchema,
    QuerySchema,
    UTCDateTime,
    page_body,
    page_of,
)
from teams_app.api.teams import UserRefSchema
from teams_app.barriers import queries, services
from teams_app.database import enum_values
from teams_app.errors import InvalidInput, NotFound
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.models import (
    Action,
    ActionStatus,
    Affects,
    Barrier,
    BarrierCategory,
    BarrierSource,
    BarrierStatus,
    Initiative,
    Severity,
    User,
)
from teams_app.pagination import paginate
from teams_app.versioning import api_version

CATEGORIES = enum_values(BarrierCategory)
AFFECTS = enum_values(Affects)
SEVERITIES = enum_values(Severity)
SOURCES = enum_values(BarrierSource)
STATUSES = enum_values(BarrierStatus)
ACTION_STATUSES = enum_values(ActionStatus)

blp = protect(Blueprint("api_barriers", __name__, description="Barriers and actions"))


# --- Schemas ------------------------------------------------------------------------------------


class InitiativeRefSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()


class BarrierRefSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))


class SimilarBarrierSchema(BarrierRefSchema):
    severity = fields.String(validate=validate.OneOf(SEVERITIES))


class ActionSchema(ma.Schema):
    id = fields.Integer()
    description = fields.String()
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES))
    owner = fields.Nested(UserRefSchema, allow_none=True)
    due_on = fields.Date(allow_none=True)
    outcome = fields.String(allow_none=True)
    done_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    barrier = fields.Nested(BarrierRefSchema, allow_none=True)
    initiative = fields.Nested(InitiativeRefSchema, allow_none=True)
    overdue = fields.Method(
        "is_overdue",
        metadata={
            "type": "boolean",
            "description": "Planned or doing, with a due date before today (the caller's time "
            "zone)",
        },
    )
    version = fields.Integer()

    def is_overdue(self, action: Action) -> bool:
        return action.is_overdue(queries.today_for(api_user()))


class BarrierSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String(allow_none=True)
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    affects = fields.String(validate=validate.OneOf(AFFECTS))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    source = fields.String(validate=validate.OneOf(SOURCES))
    status = fields.String(validate=validate.OneOf(STATUSES))
    reported_by = fields.Nested(UserRefSchema, allow_none=True)
    reported_at = UTCDateTime()
    team = fields.Nested(TeamRefSchema, allow_none=True)
    initiative = fields.Nested(InitiativeRefSchema, allow_none=True)
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_at = UTCDateTime(allow_none=True)
    support_count = fields.Integer(metadata={"description": "“Me too” supports"})
    days_to_resolve = fields.Method(
        "days",
        metadata={
            "type": "number",
            "description": "Days from report to resolution, or its age while unresolved",
        },
    )
    updated_at = UTCDateTime()
    version = fields.Integer()

    def days(self, barrier: Barrier) -> float:
        return barrier.days_to_resolve()


class BarrierDetailSchema(BarrierSchema):
    resolved_by = fields.Nested(UserRefSchema, allow_none=True)
    actions = fields.Method(
        "actions_of",
        metadata={
            "type": "array",
            "items": {"$ref": "#/components/schemas/Action"},
            "description": "The actions logged against it, overdue first then by due date",
        },
    )

    def actions_of(self, barrier: Barrier) -> list[dict[str, Any]]:
        stmt = queries.actions_query(queries.ActionFilter(barrier_id=barrier.id))
        actions = db.session.scalars(_with_owner_departments(stmt)).unique()
        dumped: list[dict[str, Any]] = ActionSchema(many=True).dump(list(actions))
        return dumped


class BarrierArgsSchema(PageArgsSchema):
    status = fields.String(
        validate=validate.OneOf([*STATUSES, queries.UNRESOLVED, queries.CLOSED]),
        metadata={"description": "unresolved = open or addressing; closed = removed or accepted"},
    )
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    affects = fields.String(validate=validate.OneOf(AFFECTS))
    team_id = Id()
    department_id = Id()
    reported_by_id = Id()
    initiative_id = Id()
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Words in the title or description"},
    )
    min_support = fields.Integer(
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "At least this many “me too”"},
    )
    sort = fields.String(load_default="oldest", validate=validate.OneOf(list(queries.SORTS)))


class BarrierFieldsSchema(BodySchema):
    title = fields.String(validate=validate.Length(min=1, max=services.TITLE_MAX))
    description = fields.String(
        allow_none=True, validate=validate.Length(max=services.DESCRIPTION_MAX)
    )
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    affects = fields.String(validate=validate.OneOf(AFFECTS))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    source = fields.String(validate=validate.OneOf(SOURCES))
    team_id = Id(allow_none=True, metadata={"description": "The team working on it"})
    initiative_id = Id(
        allow_none=True, metadata={"description": "An initiative working on it (sets the team)"}
    )
    department_id = Id(allow_none=True)


class BarrierCreateSchema(BarrierFieldsSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=services.TITLE_MAX))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    affects = fields.String(required=True, validate=validate.OneOf(AFFECTS))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))


class BarrierPatchSchema(BarrierFieldsSchema):
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "removed/accepted close it (with resolution); open reopens a closed "
            "one (with reason). addressing follows from its actions and cannot be set."
        },
    )
    resolution = fields.String(
        allow_none=True,
        validate=validate.Length(max=services.RESOLUTION_MAX),
        metadata={"description": "Required with status removed or accepted"},
    )
    reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=services.RESOLUTION_MAX),
        metadata={"description": "Required with status open on a closed barrier"},
    )
    open_actions = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^(all|[0-9]{1,10})$")),
        values=fields.String(validate=validate.OneOf([f.value for f in services.ActionFate])),
        metadata={
            "description": "With status removed or accepted, when the barrier has planned or "
            'doing actions: what happens to each, by action id (or "all"): done (finish it, '
            "the resolution is its outcome), dropped (with the resolution), or initiative (it "
            "goes on under the barrier's initiative). Every open action needs one, else 422."
        },
    )
    restore_actions = fields.List(
        Id(),
        metadata={
            "description": "With status open on a closed barrier: dropped actions to plan again"
        },
    )
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


class SimilarArgsSchema(QuerySchema):
    title = fields.String(required=True, validate=validate.Length(max=500))
    exclude_id = Id(metadata={"description": "Leave this barrier out (the one being edited)"})


class ActionArgsSchema(PageArgsSchema):
    owner_id = Id()
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES))
    overdue = fields.Boolean()
    barrier_id = Id()
    initiative_id = Id()


class ActionCreateSchema(BodySchema):
    description = fields.String(
        required=True, validate=validate.Length(min=1, max=services.ACTION_MAX)
    )
    barrier_id = Id(allow_none=True)
    initiative_id = Id(allow_none=True)
    owner_id = Id(allow_none=True, metadata={"description": "Defaults to the caller"})
    due_on = fields.Date(allow_none=True)


class ActionPatchSchema(BodySchema):
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES))
    outcome = fields.String(
        allow_none=True,
        validate=validate.Length(max=services.OUTCOME_MAX),
        metadata={"description": "Required when the status is done"},
    )
    due_on = fields.Date(allow_none=True)
    description = fields.String(validate=validate.Length(min=1, max=services.ACTION_MAX))
    owner_id = Id(allow_none=True)
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


# --- Helpers ------------------------------------------------------------------------------------


def _with_owner_departments(stmt: Select[Any]) -> Select[Any]:
    """Owners are shown with their department: load them in the same query."""
    return stmt.options(joinedload(Action.owner).joinedload(User.department))


def _barrier_at(barrier_id: int, **_: Any) -> Barrier:
    return services.get_barrier(barrier_id)


def _action_at(action_id: int, **_: Any) -> Action:
    return services.get_action(action_id)


def _body_subject(kind: str, load: Callable[[int], Any], ident: int | None) -> Any:
    """A barrier or initiative named in the body: one that does not exist is a 422 on its field."""
    if ident is None:
        return None
    try:
        return load(ident)
    except NotFound:
        raise InvalidInput.on(f"{kind}_id", f"There is no such {kind}.") from None


# --- Barriers -----------------------------------------------------------------------------------


@blp.route("/barriers")
class Barriers(MethodView):
    @blp.arguments(BarrierArgsSchema, location="query")
    @blp.response(200, page_of(BarrierSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The barrier register, filtered and sorted (oldest first by default)."""
        f = queries.BarrierFilter(
            status=args.get("status"),
            category=args.get("category"),
            severity=args.get("severity"),
            affects=args.get("affects"),
            department_id=args.get("department_id"),
            team_id=args.get("team_id"),
            reported_by_id=args.get("reported_by_id"),
            initiative_id=args.get("initiative_id"),
            q=args.get("q"),
            min_support=args.get("min_support") or None,
            sort=args["sort"],
        )
        stmt = queries.register_query(f).options(
            joinedload(Barrier.reported_by).joinedload(User.department)
        )
        return page_body(paginate(stmt, args["page"], args["per_page"]))

    @blp.arguments(BarrierCreateSchema)
    @blp.response(201, BarrierDetailSchema)
    def post(self, data: dict[str, Any]) -> Barrier:
        """Report a barrier (anyone). Naming the team or initiative working on it is optional."""
        created = services.report_barrier(api_user(), services.BarrierDetails(**data))
        return services.get_barrier(created.id)


@blp.route("/barriers/similar")
class SimilarBarriers(MethodView):
    @blp.arguments(SimilarArgsSchema, location="query")
    @blp.response(200, SimilarBarrierSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[Barrier]:
        """Unresolved barriers whose titles share words with ``title``, most shared first: add to
        one of them rather than report it twice."""
        return services.similar_open(args["title"], exclude_id=args.get("exclude_id"))


@blp.route("/barriers/<int:barrier_id>")
class BarrierItem(MethodView):
    @blp.response(200, BarrierDetailSchema)
    def get(self, barrier_id: int) -> Barrier:
        """One barrier with its actions, resolution and version."""
        return services.get_barrier(barrier_id)

    @require_api(
        "edit_barrier",
        load=_barrier_at,
        unless=lambda barrier: barrier.is_closed,  # the service: 409, or a reopen
        message="Only its reporter, the team working on it and leadership.",
    )
    @blp.arguments(BarrierPatchSchema)
    @blp.response(200, BarrierDetailSchema)
    def patch(self, data: dict[str, Any], barrier_id: int) -> Barrier:
        """Edit or re-link an unresolved barrier; close it (status removed/accepted with a
        resolution); reopen a closed one (status open with a reason). A stale version answers
        409; any other change to a closed barrier 409 too."""
        version = api_version(data, required=False)  # the service says when it needs one
        change = services.BarrierChange(
            status=data.pop("status", None),
            resolution=data.pop("resolution", None),
            reason=data.pop("reason", None),
            fates=data.pop("open_actions", None),
            restore=data.pop("restore_actions", None),
            details=data,
        )
        barrier = services.get_barrier(barrier_id)
        return services.change_barrier(api_user(), barrier, change, version)


# --- Actions ------------------------------------------------------------------------------------


@blp.route("/actions")
class Actions(MethodView):
    @blp.arguments(ActionArgsSchema, location="query")
    @blp.response(200, page_of(ActionSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Actions, overdue first then by due date. overdue=true: planned or doing and past
        their due date."""
        f = queries.ActionFilter(
            owner_id=args.get("owner_id"),
            status=args.get("status"),
            overdue=args.get("overdue"),
            barrier_id=args.get("barrier_id"),
            initiative_id=args.get("initiative_id"),
        )
        stmt = queries.actions_query(f, today=queries.today_for(api_user()))
        stmt = _with_owner_departments(stmt)
        return page_body(paginate(stmt, args["page"], args["per_page"]))

    @blp.arguments(ActionCreateSchema)
    @blp.response(201, ActionSchema)
    def post(self, data: dict[str, Any]) -> Action:
        """Log an action against a barrier or an initiative (members of the team working on it).
        A barrier with a planned or running action is addressing."""
        barrier: Barrier | None = _body_subject(
            "barrier", services.get_barrier, data.get("barrier_id")
        )
        initiative: Initiative | None = _body_subject(
            "initiative", initiatives.get_initiative, data.get("initiative_id")
        )
        details = services.ActionDetails(
            description=data["description"],
            owner_id=data.get("owner_id"),
            due_on=data.get("due_on"),
        )
        return services.log_action(api_user(), details, barrier=barrier, initiative=initiative)


@blp.route("/actions/<int:action_id>")
class ActionItem(MethodView):
    @blp.response(200, ActionSchema)
    def get(self, action_id: int) -> Action:
        """One action with its barrier or initiative."""
        return services.get_action(action_id)

    @require_api(
        "update_action",
        load=_action_at,
        state=services.refuse_frozen,
        message="Only the action's owner and the team's leads can update it.",
    )
    @blp.arguments(ActionPatchSchema)
    @blp.response(200, ActionSchema)
    def patch(self, data: dict[str, Any], action_id: int) -> Action:
        """The owner or a lead moves it on: status, outcome (needed for done), due date, wording,
        owner. Its barrier's status follows."""
        action = services.get_action(action_id)
        version = api_version(data)
        change = services.change_for(action, **data)
        return services.update_action(api_user(), action, change, version)
