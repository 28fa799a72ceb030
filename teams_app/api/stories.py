"""API: impact stories, cheers, hiding and the Impact Story of the Month. Each endpoint calls the
same service as the pages (``teams_app.stories.services``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from teams_app.api.auth import api_user, protect, require_api
from teams_app.api.people import DepartmentRefSchema
from teams_app.api.schemas import (
    BodySchema,
    Id,
    Month,
    PageArgsSchema,
    QuerySchema,
    UTCDateTime,
    page_body,
    page_of,
)
from teams_app.api.teams import UserRefSchema
from teams_app.errors import InvalidInput, NotFound
from teams_app.markdown_text import render
from teams_app.models import ImpactStory, StoryKind
from teams_app.pagination import paginate
from teams_app.permissions import can
from teams_app.stories import queries, services
from teams_app.surveys import triage
from teams_app.versioning import api_version

KINDS = [k.value for k in StoryKind]

blp = protect(Blueprint("api_stories", __name__, description="Impact stories"))


# --- Schemas ------------------------------------------------------------------------------------


class LinkRefSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()


class StorySchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String(metadata={"description": "Markdown, as written"})
    body_html = fields.Method(
        "html", metadata={"type": "string", "description": "The body rendered and sanitised"}
    )
    kind = fields.String(validate=validate.OneOf(KINDS))
    author = fields.Nested(UserRefSchema, allow_none=True)
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    occurred_on = fields.Date()
    initiative = fields.Nested(LinkRefSchema, allow_none=True)
    barrier = fields.Nested(LinkRefSchema, allow_none=True)
    no_personal_details = fields.Boolean()
    cheer_count = fields.Integer()
    cheered_by_me = fields.Method(
        "cheered", metadata={"type": "boolean", "description": "Whether the caller cheered it"}
    )
    featured_month = fields.String(
        allow_none=True, metadata={"description": "YYYY-MM when it was that month's story"}
    )
    hidden = fields.Boolean()
    hidden_reason = fields.Method(
        "reason",
        metadata={"type": "string", "nullable": True, "description": "Author and leadership only"},
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    version = fields.Integer()

    def html(self, story: ImpactStory) -> str:
        return str(render(story.body))

    def cheered(self, story: ImpactStory) -> bool:
        # Lists fill g.cheered for the page in one query; a single story asks once.
        known: set[int] | None = g.get("cheered_story_ids")
        if known is None:
            known = queries.cheered_by(api_user(), [story.id])
        return story.id in known

    def reason(self, story: ImpactStory) -> str | None:
        user = api_user()
        if story.author_id == user.id or user.is_leadership:
            return story.hidden_reason
        return None


class StoryArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    month = Month(metadata={"description": "YYYY-MM, on occurred_on"})
    department_id = Id()
    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "Words in the title or body"}
    )


class StoryFieldsSchema(BodySchema):
    title = fields.String(validate=validate.Length(min=1, max=services.TITLE_MAX))
    body = fields.String(validate=validate.Length(min=1, max=services.BODY_MAX))
    kind = fields.String(validate=validate.OneOf(KINDS))
    department_id = Id(allow_none=True)
    occurred_on = fields.Date(
        allow_none=True, metadata={"description": "Defaults to the day it is posted"}
    )
    initiative_id = Id(allow_none=True)
    barrier_id = Id(allow_none=True)
    no_personal_details = fields.Boolean(
        metadata={"description": "Must be true: it holds no customer names or identifying details"}
    )


class StoryCreateSchema(StoryFieldsSchema):
    survey_comment_id = Id(
        metadata={
            "description": "Survey owners and leadership: the survey comment the story is "
            "written from; it is coded as a story and links back (its story_id)"
        }
    )
    survey_comment_version = fields.Integer(
        metadata={"description": "With survey_comment_id: that comment's version (stale: 409)"}
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=services.TITLE_MAX))
    body = fields.String(required=True, validate=validate.Length(min=1, max=services.BODY_MAX))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    no_personal_details = fields.Boolean(
        required=True,
        metadata={"description": "Must be true: it holds no customer names or identifying details"},
    )


class StoryPatchSchema(StoryFieldsSchema):
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


class CheerSchema(ma.Schema):
    cheer_count = fields.Integer()
    cheered_by_me = fields.Boolean()


class HideSchema(BodySchema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=services.REASON_MAX),
        metadata={"description": "Told to the author by mail"},
    )


class FeatureSchema(BodySchema):
    month = Month(metadata={"description": "YYYY-MM: the current month (the default) only"})


class FeaturedArgsSchema(QuerySchema):
    month = Month(metadata={"description": "Default: the current month"})


# --- Helpers ------------------------------------------------------------------------------------


def _story_at(story_id: int, **_: Any) -> ImpactStory:
    """The story, as the caller may see it (a hidden one is 404 to others)."""
    return services.get_story(story_id, api_user())


DETAIL_FIELDS = (
    "title",
    "body",
    "kind",
    "department_id",
    "occurred_on",
    "initiative_id",
    "barrier_id",
    "no_personal_details",
)


def _merged(story: ImpactStory, sent: dict[str, Any]) -> services.StoryDetails:
    """The story's current details with what was sent applied (what a PATCH means)."""
    current = {name: getattr(story, name) for name in DETAIL_FIELDS}
    current.update(sent)
    return services.StoryDetails(**current)


# --- Stories ------------------------------------------------------------------------------------


@blp.route("/stories")
class Stories(MethodView):
    @blp.arguments(StoryArgsSchema, location="query")
    @blp.response(200, page_of(StorySchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The stories feed, newest first. Hidden stories are left out (leadership sees them,
        with ``hidden: true``)."""
        user = api_user()
        f = queries.StoryFilter(
            kind=args.get("kind"),
            department_id=args.get("department_id"),
            month=args.get("month"),
            q=args.get("q"),
        )
        stmt = queries.feed_query(f, include_hidden=can(user, "hide_story"))
        page = paginate(stmt, args["page"], args["per_page"])
        g.cheered_story_ids = queries.cheered_by(user, [s.id for s in page.items])
        return page_body(page)

    @blp.arguments(StoryCreateSchema)
    @blp.response(201, StorySchema)
    def post(self, data: dict[str, Any]) -> ImpactStory:
        """Share a story (anyone). ``no_personal_details`` must be true. With
        ``survey_comment_id`` (the survey's owners and leadership), the story is written from
        that comment and the comment links back to it."""
        comment_id = data.pop("survey_comment_id", None)
        version = data.pop("survey_comment_version", None)
        if comment_id is None:
            return services.share_story(api_user(), services.StoryDetails(**data))
        comment = triage.get_comment(comment_id, api_user())
        try:
            return triage.story_from_comment(
                api_user(), comment, services.StoryDetails(**data), version
            )
        except InvalidInput as exc:  # name the fields as this request did
            names = {"version": "survey_comment_version", "survey_comment": "survey_comment_id"}
            fields = {names.get(k, k): v for k, v in exc.fields.items()}
            raise InvalidInput(exc.message, fields=fields) from None


@blp.route("/stories/featured")
class FeaturedStory(MethodView):
    @blp.arguments(FeaturedArgsSchema, location="query")
    @blp.response(200, StorySchema)
    def get(self, args: dict[str, Any]) -> ImpactStory:
        """The month's Impact Story of the Month (default: the current month); 404 when none."""
        story = queries.featured(args.get("month"))
        if story is None:
            raise NotFound("No Story of the Month for that month yet.")
        return story


@blp.route("/stories/<int:story_id>")
class StoryItem(MethodView):
    @blp.response(200, StorySchema)
    def get(self, story_id: int) -> ImpactStory:
        """One story, with ``body_html`` (sanitised), ``cheer_count`` and ``cheered_by_me``."""
        return services.get_story(story_id, api_user())

    @require_api(
        "edit_story", load=_story_at, message="Only the person who shared a story can edit it."
    )
    @blp.arguments(StoryPatchSchema)
    @blp.response(200, StorySchema)
    def patch(self, data: dict[str, Any], story_id: int) -> ImpactStory:
        """The author edits the story. Send ``version`` (or If-Match): 422 without, 409 stale."""
        user = api_user()
        story = services.get_story(story_id, user)
        version = api_version(data)
        return services.edit_story(user, story, _merged(story, data), version)


@blp.route("/stories/<int:story_id>/cheer")
class StoryCheer(MethodView):
    @blp.response(201, CheerSchema)
    def post(self, story_id: int) -> dict[str, Any]:
        """Cheer a story: one cheer per person (a second is 409); not your own story (403)."""
        user = api_user()
        count = services.cheer(user, services.get_story(story_id, user))
        return {"cheer_count": count, "cheered_by_me": True}

    @blp.response(204)
    def delete(self, story_id: int) -> None:
        """Take your cheer back (409 when you have not cheered it)."""
        user = api_user()
        services.uncheer(user, services.get_story(story_id, user))


@blp.route("/stories/<int:story_id>/hide")
class StoryHide(MethodView):
    @require_api("hide_story", load=_story_at, message="Only leadership can hide a story.")
    @blp.arguments(HideSchema)
    @blp.response(200, StorySchema)
    def post(self, data: dict[str, Any], story_id: int) -> ImpactStory:
        """Leadership hides a story from the feed, with a reason; the author is told by mail."""
        user = api_user()
        return services.hide_story(user, services.get_story(story_id, user), data["reason"])


@blp.route("/stories/<int:story_id>/unhide")
class StoryUnhide(MethodView):
    @blp.response(200, StorySchema)
    def post(self, story_id: int) -> ImpactStory:
        """Leadership puts a hidden story back in the feed."""
        user = api_user()
        return services.unhide_story(user, services.get_story(story_id, user))


@blp.route("/stories/<int:story_id>/feature")
class StoryFeature(MethodView):
    @require_api(
        "feature_story",
        load=_story_at,
        message="Only leadership can pick the Impact Story of the Month.",
    )
    @blp.arguments(FeatureSchema, required=False)
    @blp.response(200, StorySchema)
    def post(self, data: dict[str, Any], story_id: int) -> ImpactStory:
        """Leadership makes it the Impact Story of the Month (current month only; a past month
        is 409). A later pick in the same month replaces the earlier one. A hidden story, one
        that happened in another month, or one already featured: 409."""
        user = api_user()
        return services.feature_story(user, services.get_story(story_id, user), data.get("month"))
