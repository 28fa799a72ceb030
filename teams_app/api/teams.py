"""API: mission teams. Each endpoint calls the same service function as the web page."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from teams_app.activity import describe
from teams_app.api.auth import api_user, protect, require_api
from teams_app.api.people import DepartmentRefSchema
from teams_app.api.schemas import BodySchema, Id, PageArgsSchema, UTCDateTime, page_body, page_of
from teams_app.models import MemberRole, Membership, MemberState, Team, TeamStatus
from teams_app.pagination import paginate
from teams_app.teams import queries, services
from teams_app.teams.services import MAX_TEAM_SIZE, MESSAGE_MAX, NAME_MAX, NOTE_MAX, TEXT_MAX
from teams_app.versioning import api_version

F = TypeVar("F", bound=Callable[..., Any])

blp = protect(Blueprint("api_teams", __name__, description="Mission teams and their members"))


class UserRefSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    level = fields.String()
    department = fields.Nested(DepartmentRefSchema, allow_none=True)


class MemberSchema(ma.Schema):
    user = fields.Nested(UserRefSchema)
    role = fields.String(validate=validate.OneOf([r.value for r in MemberRole]))
    state = fields.String(validate=validate.OneOf([s.value for s in MemberState]))
    message = fields.String(allow_none=True)
    requested_at = UTCDateTime(allow_none=True)
    joined_at = UTCDateTime(allow_none=True)


class TeamSummarySchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    status = fields.String()
    problem = fields.String()
    goal = fields.String()
    scope = fields.String(allow_none=True)
    open_to_join = fields.Boolean()
    max_members = fields.Integer(allow_none=True)
    update_interval_days = fields.Integer()
    member_count = fields.Integer()
    levels = fields.List(fields.String(), metadata={"description": "Staff levels represented"})
    has_openings = fields.Boolean()
    sponsor = fields.Nested(UserRefSchema, allow_none=True)
    decline_reason = fields.String(allow_none=True)
    closing_summary = fields.String(allow_none=True)
    proposed_at = UTCDateTime()
    chartered_at = UTCDateTime(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)


class TeamSchema(TeamSummarySchema):
    proposed_by = fields.Nested(UserRefSchema, allow_none=True)
    charter_note = fields.String(allow_none=True)
    members = fields.List(fields.Nested(MemberSchema))
    version = fields.Integer()


class TeamArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in TeamStatus]))
    q = fields.String(load_default="", validate=validate.Length(max=100))
    department_id = Id()
    has_openings = fields.Boolean()


class CharterFieldsSchema(BodySchema):
    name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))
    problem = fields.String(validate=validate.Length(min=1, max=TEXT_MAX))
    goal = fields.String(validate=validate.Length(min=1, max=TEXT_MAX))
    scope = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))
    open_to_join = fields.Boolean()
    max_members = fields.Integer(allow_none=True, validate=validate.Range(2, MAX_TEAM_SIZE))
    update_interval_days = fields.Integer(
        validate=validate.Range(1, 365),
        metadata={"description": "Days without a status update before an initiative is stale"},
    )


class TeamCreateSchema(CharterFieldsSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    problem = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    goal = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class TeamPatchSchema(CharterFieldsSchema):
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


class CharterSchema(BodySchema):
    sponsor_id = Id(required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=NOTE_MAX))


class DeclineSchema(BodySchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX))


class CloseSchema(BodySchema):
    summary = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class JoinSchema(BodySchema):
    message = fields.String(allow_none=True, validate=validate.Length(max=MESSAGE_MAX))


class AddMemberSchema(BodySchema):
    user_id = Id(required=True)


class MemberPatchSchema(BodySchema):
    state = fields.String(validate=validate.OneOf(["active", "declined"]))
    role = fields.String(validate=validate.OneOf([r.value for r in MemberRole]))

    @ma.validates_schema
    def one_change(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len(data) != 1:
            raise ma.ValidationError("Send exactly one of state or role.", "_schema")


class ActivitySchema(ma.Schema):
    id = fields.Integer()
    actor = fields.Nested(UserRefSchema, allow_none=True)
    verb = fields.String()
    text = fields.String()
    at = UTCDateTime()


# A schema instance deep-copies its fields: build it once, not once per team in a list.
_SUMMARY_FIELDS = tuple(TeamSummarySchema().fields)


def _summary(team: Team, fig: queries.TeamFigures) -> dict[str, Any]:
    body = {name: getattr(team, name) for name in _SUMMARY_FIELDS if hasattr(team, name)}
    body.update(
        member_count=fig.member_count, levels=fig.levels, has_openings=fig.has_openings(team)
    )
    return body


def _full(team: Team) -> dict[str, Any]:
    fig = queries.figures_for([team.id])[team.id]
    body = _summary(team, fig)
    body.update(
        proposed_by=team.proposed_by,
        charter_note=team.charter_note,
        version=team.version,
        members=[m for m in team.memberships if m.state in ("active", "requested")],
    )
    return body


def _team(team_id: int) -> Team:
    return services.get_team(team_id)


def _team_at(team_id: int, **_: Any) -> Team:
    return _team(team_id)


def on_team(action: str) -> Callable[[F], F]:
    """``require_api`` on the path's team: its state first (409 whoever asks), then the
    caller's place in it (403)."""
    return require_api(
        action,
        load=_team_at,
        state=partial(services.ensure_team_state, action),
        message="Your role in this team does not allow this.",
    )


@blp.route("/teams")
class Teams(MethodView):
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.response(200, page_of(TeamSummarySchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Teams with member counts and the levels represented."""
        f = queries.TeamFilter(
            q=args["q"],
            status=args.get("status"),
            department_id=args.get("department_id"),
            has_openings=args.get("has_openings"),
        )
        page = paginate(queries.directory_query(f), args["page"], args["per_page"])
        figures = queries.figures_for([t.id for t in page.items])
        body = page_body(page)
        body["items"] = [_summary(t, figures[t.id]) for t in page.items]
        return body

    @blp.arguments(TeamCreateSchema)
    @blp.response(201, TeamSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Propose a team; you become its first lead. Status starts as proposed."""
        team = services.propose_team(api_user(), services.Charter(**data))
        return _full(services.get_team(team.id))


@blp.route("/teams/<int:team_id>")
class TeamItem(MethodView):
    @blp.response(200, TeamSchema)
    def get(self, team_id: int) -> dict[str, Any]:
        """One team: charter, status, sponsor, members and requests, version."""
        return _full(_team(team_id))

    @on_team("edit_charter")
    @blp.arguments(TeamPatchSchema)
    @blp.response(200, TeamSchema)
    def patch(self, data: dict[str, Any], team_id: int) -> dict[str, Any]:
        """Edit the charter (leads, leadership). A stale version answers 409."""
        team = _team(team_id)
        version = api_version(data)
        current = {k: getattr(team, k) for k in CharterFieldsSchema().fields}
        current.update(data)
        services.update_charter(api_user(), team, services.Charter(**current), version)
        return _full(team)


@blp.route("/teams/<int:team_id>/charter")
class TeamCharter(MethodView):
    @require_api("review_proposals")
    @blp.arguments(CharterSchema)
    @blp.response(200, TeamSchema)
    def post(self, data: dict[str, Any], team_id: int) -> dict[str, Any]:
        """Leadership charters a proposed team (proposed -> active)."""
        team = services.charter_team(
            api_user(), _team(team_id), data["sponsor_id"], data.get("note")
        )
        return _full(team)


@blp.route("/teams/<int:team_id>/decline")
class TeamDecline(MethodView):
    @require_api("review_proposals")
    @blp.arguments(DeclineSchema)
    @blp.response(200, TeamSchema)
    def post(self, data: dict[str, Any], team_id: int) -> dict[str, Any]:
        """Leadership declines a proposal with a reason (proposed -> declined)."""
        return _full(services.decline_team(api_user(), _team(team_id), data["reason"]))


@blp.route("/teams/<int:team_id>/close")
class TeamClose(MethodView):
    @on_team("close_team")
    @blp.arguments(CloseSchema)
    @blp.response(200, TeamSchema)
    def post(self, data: dict[str, Any], team_id: int) -> dict[str, Any]:
        """A lead or leadership closes an active team with what was learned."""
        return _full(services.close_team(api_user(), _team(team_id), data["summary"]))


@blp.route("/teams/<int:team_id>/join")
class TeamJoin(MethodView):
    @blp.arguments(JoinSchema, required=False)
    @blp.response(201, MemberSchema)
    def post(self, data: dict[str, Any], team_id: int) -> Membership:
        """Join (open team) or ask to join (state requested). A full team answers 409."""
        return services.join_team(api_user(), _team(team_id), data.get("message"))


@blp.route("/teams/<int:team_id>/leave")
class TeamLeave(MethodView):
    @blp.response(200, MemberSchema)
    def post(self, team_id: int) -> Membership:
        """Leave the team; the last lead cannot (409)."""
        return services.leave_team(api_user(), _team(team_id))


@blp.route("/teams/<int:team_id>/members")
class TeamMembers(MethodView):
    @on_team("manage_members")
    @blp.arguments(AddMemberSchema)
    @blp.response(201, MemberSchema)
    def post(self, data: dict[str, Any], team_id: int) -> Membership:
        """A lead adds a colleague directly."""
        return services.add_member(api_user(), _team(team_id), data["user_id"])


@blp.route("/teams/<int:team_id>/members/<int:user_id>")
class TeamMember(MethodView):
    @on_team("manage_members")
    @blp.arguments(MemberPatchSchema)
    @blp.response(200, MemberSchema)
    def patch(self, data: dict[str, Any], team_id: int, user_id: int) -> Membership:
        """A lead answers a request (state active/declined) or changes a role (lead/member)."""
        team = _team(team_id)
        if "state" in data:
            return services.decide_request(api_user(), team, user_id, data["state"] == "active")
        return services.set_member_role(api_user(), team, user_id, data["role"])

    @on_team("manage_members")
    @blp.response(204)
    def delete(self, team_id: int, user_id: int) -> None:
        """A lead removes a member (not the last lead)."""
        services.remove_member(api_user(), _team(team_id), user_id)


@blp.route("/teams/<int:team_id>/activity")
class TeamActivity(MethodView):
    @blp.response(200, ActivitySchema(many=True))
    def get(self, team_id: int) -> list[dict[str, Any]]:
        """The team's activity feed, newest first (up to 100 events)."""
        team = _team(team_id)
        return [
            {"id": e.id, "actor": e.actor, "verb": e.verb, "text": describe(e), "at": e.at}
            for e in queries.team_feed(team.id, limit=100)
        ]
