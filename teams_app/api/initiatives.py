"""API: the stage pipeline and initiatives. Each endpoint calls the same service as the pages."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from teams_app.api.auth import api_user, protect, require_api
from teams_app.api.schemas import BodySchema, Id, PageArgsSchema, UTCDateTime, page_body, page_of
from teams_app.api.teams import UserRefSchema
from teams_app.initiatives import pipeline, queries, services
from teams_app.markdown_text import render
from teams_app.models import Health, Initiative, StageKind
from teams_app.teams import services as teams
from teams_app.versioning import api_version

HEALTHS = [h.value for h in Health]

blp = protect(Blueprint("api_initiatives", __name__, description="Stages and initiatives"))


class StageSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    kind = fields.String(validate=validate.OneOf([k.value for k in StageKind]))


class TeamRefSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()


class InitiativeSchema(ma.Schema):
    id = fields.Integer()
    team = fields.Nested(TeamRefSchema)
    title = fields.String()
    summary = fields.String(allow_none=True)
    owner = fields.Nested(UserRefSchema, allow_none=True)
    stage = fields.Nested(StageSchema)
    health = fields.String()
    target_date = fields.Date(allow_none=True)
    last_update_at = UTCDateTime(allow_none=True)
    update_due_at = UTCDateTime()
    stale = fields.Method("is_stale")
    completed_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    version = fields.Integer()

    def is_stale(self, initiative: Initiative) -> bool:
        return services.is_stale(initiative)


class InitiativeArgsSchema(PageArgsSchema):
    team_id = Id()
    stage_id = Id()
    health = fields.String(validate=validate.OneOf(HEALTHS))
    owner_id = Id()
    stale = fields.Boolean()
    sort = fields.String(load_default="updated", validate=validate.OneOf(list(queries.SORTS)))


class InitiativeCreateSchema(BodySchema):
    team_id = Id(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=services.TITLE_MAX))
    summary = fields.String(allow_none=True, validate=validate.Length(max=services.SUMMARY_MAX))
    owner_id = Id(allow_none=True)
    target_date = fields.Date(allow_none=True)


class InitiativePatchSchema(BodySchema):
    title = fields.String(validate=validate.Length(min=1, max=services.TITLE_MAX))
    summary = fields.String(allow_none=True, validate=validate.Length(max=services.SUMMARY_MAX))
    owner_id = Id(allow_none=True)
    target_date = fields.Date(allow_none=True)
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


class MoveSchema(BodySchema):
    to_stage_id = Id(required=True)
    from_stage_id = Id(metadata={"description": "409 if it is no longer the current stage"})
    note = fields.String(allow_none=True, validate=validate.Length(max=services.NOTE_MAX))


class StageChangeSchema(ma.Schema):
    from_stage = fields.Nested(StageSchema, allow_none=True)
    to_stage = fields.Nested(StageSchema)
    by = fields.Nested(UserRefSchema, allow_none=True)
    at = UTCDateTime()
    note = fields.String(allow_none=True)


class UpdateSchema(ma.Schema):
    id = fields.Integer()
    author = fields.Nested(UserRefSchema, allow_none=True)
    health = fields.String()
    body = fields.String()
    body_html = fields.Method("html", metadata={"description": "Markdown rendered and sanitised"})
    previous_health = fields.String(allow_none=True)
    stage = fields.Nested(StageSchema, allow_none=True)
    previous_stage = fields.Nested(StageSchema, allow_none=True)
    created_at = UTCDateTime()

    def html(self, update: Any) -> str:
        return str(render(update.body))


class UpdateCreateSchema(BodySchema):
    health = fields.String(required=True, validate=validate.OneOf(HEALTHS))
    body = fields.String(required=True, validate=validate.Length(min=1, max=services.BODY_MAX))


def _initiative_at(initiative_id: int, **_: Any) -> Initiative:
    return services.get_initiative(initiative_id)


@blp.route("/stages")
class Stages(MethodView):
    @blp.response(200, StageSchema(many=True))
    def get(self) -> list[Any]:
        """The pipeline in order."""
        return pipeline.stages()


@blp.route("/initiatives")
class Initiatives(MethodView):
    @blp.arguments(InitiativeArgsSchema, location="query")
    @blp.response(200, page_of(InitiativeSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Initiatives across teams, filtered and sorted."""
        f = queries.InitiativeFilter(
            team_id=args.get("team_id"),
            stage_id=args.get("stage_id"),
            health=args.get("health"),
            owner_id=args.get("owner_id"),
            stale=args.get("stale"),
            sort=args["sort"],
        )
        return page_body(queries.list_page(f, args["page"], args["per_page"]))

    @blp.arguments(InitiativeCreateSchema)
    @blp.response(201, InitiativeSchema)
    def post(self, data: dict[str, Any]) -> Initiative:
        """A team member adds an initiative; it starts in the first open stage."""
        team = teams.get_team(data.pop("team_id"))
        created = services.create_initiative(api_user(), team, services.Details(**data))
        return services.get_initiative(created.id)


@blp.route("/initiatives/<int:initiative_id>")
class InitiativeItem(MethodView):
    @blp.response(200, InitiativeSchema)
    def get(self, initiative_id: int) -> Initiative:
        """One initiative with stage, health, staleness and version."""
        return services.get_initiative(initiative_id)

    @require_api("edit_initiative", load=_initiative_at)
    @blp.arguments(InitiativePatchSchema)
    @blp.response(200, InitiativeSchema)
    def patch(self, data: dict[str, Any], initiative_id: int) -> Initiative:
        """Edit title, summary, owner, target date. A stale version answers 409."""
        initiative = services.get_initiative(initiative_id)
        version = api_version(data)
        current = {
            k: getattr(initiative, k) for k in ("title", "summary", "owner_id", "target_date")
        }
        current.update(data)
        services.edit_initiative(api_user(), initiative, services.Details(**current), version)
        return services.get_initiative(initiative_id)


@blp.route("/initiatives/<int:initiative_id>/stage")
class InitiativeStage(MethodView):
    @require_api("move_initiative", load=_initiative_at)
    @blp.arguments(MoveSchema)
    @blp.response(200, InitiativeSchema)
    def post(self, data: dict[str, Any], initiative_id: int) -> Initiative:
        """Move to a stage. 409 when from_stage_id is no longer current or it is already there;
        422 without a note when moving back or to a stopped stage."""
        return services.move_initiative(
            api_user(),
            services.get_initiative(initiative_id),
            data["to_stage_id"],
            from_stage_id=data.get("from_stage_id"),
            note=data.get("note"),
        )


@blp.route("/initiatives/<int:initiative_id>/history")
class InitiativeHistory(MethodView):
    @blp.response(200, StageChangeSchema(many=True))
    def get(self, initiative_id: int) -> list[Any]:
        """Stage changes, oldest first."""
        return services.history(services.get_initiative(initiative_id))


@blp.route("/initiatives/<int:initiative_id>/updates")
class InitiativeUpdates(MethodView):
    @blp.response(200, UpdateSchema(many=True))
    def get(self, initiative_id: int) -> list[Any]:
        """Status updates, newest first."""
        return services.updates(services.get_initiative(initiative_id))

    @require_api("post_update", load=_initiative_at)
    @blp.arguments(UpdateCreateSchema)
    @blp.response(201, UpdateSchema)
    def post(self, data: dict[str, Any], initiative_id: int) -> Any:
        """Post an update; the newest sets the initiative's health."""
        return services.post_update(
            api_user(), services.get_initiative(initiative_id), data["health"], data["body"]
        )
