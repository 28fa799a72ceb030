"""API: the caller (/me), their tokens, the staff directory and departments."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from teams_app.account import services as tokens
from teams_app.api.auth import api_user, protect, require_api
from teams_app.api.schemas import BodySchema, Id, PageArgsSchema, UTCDateTime, page_body, page_of
from teams_app.digests import services as digests
from teams_app.models import Department, DepartmentKind, DigestFrequency, Level, Role, User
from teams_app.pagination import paginate
from teams_app.people import services
from teams_app.permissions import can
from teams_app.sso.flow import provider_name

blp = protect(Blueprint("api_people", __name__, description="People, tokens and departments"))

LEVELS = [lv.value for lv in Level]
ROLES = [r.value for r in Role]


class DepartmentRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class DepartmentSchema(DepartmentRefSchema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in DepartmentKind]))


class DepartmentCreateSchema(BodySchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(
        load_default="branch", validate=validate.OneOf([k.value for k in DepartmentKind])
    )


class IdentitySchema(ma.Schema):
    provider = fields.String(metadata={"description": "The provider's key in SSO_PROVIDERS"})
    provider_name = fields.Function(
        lambda i: provider_name(i.provider),
        metadata={"type": "string", "description": "The provider as people know it"},
    )
    subject = fields.String(metadata={"description": "The provider's id for the person (sub)"})
    email = fields.String(metadata={"description": "The address at the last sign-in"})
    linked_at = UTCDateTime(attribute="created_at")
    last_sign_in_at = UTCDateTime(allow_none=True)


class MeSchema(ma.Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    level = fields.String()
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    timezone = fields.String()
    digest_frequency = fields.String()
    digest_weekday = fields.Integer()
    digest_hour = fields.Integer()
    identities = fields.List(
        fields.Nested(IdentitySchema),
        metadata={"description": "Single sign-on accounts linked to yours"},
    )


class MePatchSchema(BodySchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    level = fields.String(validate=validate.OneOf(LEVELS))
    department_id = Id(allow_none=True)
    digest_frequency = fields.String(validate=validate.OneOf([f.value for f in DigestFrequency]))
    digest_weekday = fields.Integer(validate=validate.Range(0, 6))
    digest_hour = fields.Integer(validate=validate.Range(0, 23))
    timezone = fields.String(validate=validate.Length(min=1, max=64))


class TokenSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The first characters, to recognise it"})
    created_at = UTCDateTime()
    last_used_at = UTCDateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The secret: shown in this response only"})


class TokenCreateSchema(BodySchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))


class UserSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    level = fields.String()
    role = fields.String()
    active = fields.Boolean()
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    email = fields.Method(
        "email_if_allowed", metadata={"description": "Admins (and yourself) only"}
    )

    def email_if_allowed(self, user: User) -> str | None:
        return user.email if can(api_user(), "see_email", user) else None


class UserArgsSchema(PageArgsSchema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    department_id = Id()
    level = fields.String(validate=validate.OneOf(LEVELS))
    role = fields.String(validate=validate.OneOf(ROLES))


class InviteSchema(BodySchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(load_default="staff", validate=validate.OneOf(ROLES))
    level = fields.String(load_default="frontline", validate=validate.OneOf(LEVELS))
    department_id = Id(allow_none=True)


class UserPatchSchema(BodySchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self) -> User:
        """The caller's own profile."""
        return api_user()

    @blp.arguments(MePatchSchema)
    @blp.response(200, MeSchema)
    def patch(self, data: dict[str, Any]) -> User:
        """Change your own profile and digest preferences."""
        changes = services.ProfileChanges(**{k: v for k, v in data.items() if k != "department_id"})
        if "department_id" in data:
            changes.department_id = data["department_id"]
            changes.clear_department = data["department_id"] is None
        return services.update_profile(api_user(), changes)


class DigestItemSchema(ma.Schema):
    kind = fields.String()
    text = fields.String()
    url = fields.String()
    at = UTCDateTime(allow_none=True)


class DigestSectionSchema(ma.Schema):
    title = fields.String()
    team_id = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(DigestItemSchema))


class DigestSchema(ma.Schema):
    empty = fields.Boolean()
    sections = fields.List(fields.Nested(DigestSectionSchema))


@blp.route("/me/digest")
class MyDigest(MethodView):
    @blp.response(200, DigestSchema)
    def get(self) -> dict[str, Any]:
        """What my digest would hold if it were sent now: the mail's content, in its order."""

        return digests.preview(api_user()).as_dict()


@blp.route("/me/tokens")
class MyTokens(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(TokenSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Your live tokens (never their secrets)."""
        live = tokens.live_tokens(api_user())
        start = (args["page"] - 1) * args["per_page"]
        items = live[start : start + args["per_page"]]
        return {
            "items": items,
            "page": args["page"],
            "per_page": args["per_page"],
            "total": len(live),
        }

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a token; its secret is in this response only."""
        token, secret = tokens.create_token(api_user(), data["name"])
        fields_shown = ("id", "name", "prefix", "created_at", "last_used_at")
        return {**{name: getattr(token, name) for name in fields_shown}, "token": secret}


@blp.route("/me/tokens/<int:token_id>")
class MyToken(MethodView):
    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke a token at once."""
        tokens.revoke_token(api_user(), token_id)


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserArgsSchema, location="query")
    @blp.response(200, page_of(UserSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The staff directory: active people, searchable by name."""
        viewer = api_user()
        f = services.DirectoryFilter(
            q=args["q"],
            department_id=args.get("department_id"),
            level=args.get("level"),
            role=args.get("role"),
            include_pending=can(viewer, "manage_users"),
            search_email=can(viewer, "manage_users"),
        )
        return page_body(paginate(services.directory_query(f), args["page"], args["per_page"]))

    @require_api("manage_users")
    @blp.arguments(InviteSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> User:
        """Invite a person (admins): an invitation mail is queued."""
        return services.invite_user(api_user(), **data)


@blp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> Any:
        """One person. Deactivated people, and pending ones who have not set a password yet, are
        seen only by those who manage users: to everyone else they answer 404."""
        return services.visible_user(api_user(), user_id)

    @require_api("manage_users")
    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        """Change a person's role or deactivate / reactivate them (admins)."""
        user = services.get_user(user_id)
        return services.change_user(
            api_user(), user, role=data.get("role"), active=data.get("active")
        )


@blp.route("/departments")
class Departments(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(DepartmentSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """All departments and branches, by name."""
        stmt = select(Department).order_by(Department.name_key)
        return page_body(paginate(stmt, args["page"], args["per_page"]))

    @require_api("manage_departments")
    @blp.arguments(DepartmentCreateSchema)
    @blp.response(201, DepartmentSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a department or branch (admins)."""
        return services.create_department(api_user(), data["name"], data["kind"])
