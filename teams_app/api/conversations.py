"""API: comments on any target (``/{kind}/{id}/comments``), editing, deleting and hiding them,
"me too" on barriers, follows and the inbox. Each endpoint calls the same service as the pages
(``teams_app.conversations.services``, ``teams_app.notifications.services``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import marshmallow as ma
from flask import abort, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from teams_app.api.auth import api_user, protect
from teams_app.api.schemas import BodySchema, Id, PageArgsSchema, UTCDateTime, page_body, page_of
from teams_app.api.teams import UserRefSchema
from teams_app.barriers.services import get_barrier
from teams_app.conversations import services
from teams_app.conversations.routes import comment_html
from teams_app.conversations.targets import KINDS, load
from teams_app.errors import InvalidInput
from teams_app.extensions import db
from teams_app.models import Comment, CommentMention, Notification, TargetKind
from teams_app.notifications import services as notes
from teams_app.pagination import paginate
from teams_app.permissions import can

# Only the kinds that have threads: /surveys/{id}/comments is the surveys API's.
PATH_KIND = "any(" + ",".join(k.value for k in TargetKind) + ")"
blp = protect(Blueprint("api_conversations", __name__, description="Conversations and the inbox"))


# --- Schemas ------------------------------------------------------------------------------------


class MentionSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()


class CommentSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(attribute="target_kind", validate=validate.OneOf(KINDS))
    target_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    author = fields.Nested(UserRefSchema, allow_none=True)
    body = fields.Method(
        "text", metadata={"type": "string", "description": "Markdown; empty when deleted or hidden"}
    )
    body_html = fields.Method(
        "html", metadata={"type": "string", "description": "The body rendered and sanitised"}
    )
    mentions = fields.Method(
        "mentioned",
        metadata={"type": "array", "items": {"type": "object"}, "description": "[{id, name}]"},
    )
    deleted = fields.Method("is_deleted", metadata={"type": "boolean"})
    hidden = fields.Method("is_hidden", metadata={"type": "boolean"})
    hidden_reason = fields.String(allow_none=True)
    created_at = UTCDateTime()
    edited_at = UTCDateTime(allow_none=True)
    version = fields.Integer()

    def _shows(self, c: Comment) -> bool:
        if c.deleted_at is not None:
            return False
        if c.hidden_at is None:
            return True
        user = api_user()
        return c.author_id == user.id or user.is_leadership

    def text(self, c: Comment) -> str:
        return c.body if self._shows(c) else ""

    def html(self, c: Comment) -> str:
        return str(comment_html(c)) if self._shows(c) else ""

    def mentioned(self, c: Comment) -> list[dict[str, Any]]:
        return (
            [{"id": m.user_id, "name": m.user.name} for m in c.mentions] if self._shows(c) else []
        )

    def is_deleted(self, c: Comment) -> bool:
        return c.deleted_at is not None

    def is_hidden(self, c: Comment) -> bool:
        return c.hidden_at is not None


class CommentCreateSchema(BodySchema):
    body = fields.String(required=True, validate=validate.Length(max=services.BODY_MAX))
    parent_id = Id(allow_none=True)


class CommentPatchSchema(BodySchema):
    body = fields.String(required=True, validate=validate.Length(max=services.BODY_MAX))
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


class CommentHideSchema(BodySchema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=services.REASON_MAX),
        metadata={"description": "Told to the author by mail"},
    )


class SupportBodySchema(BodySchema):
    comment = fields.String(
        validate=validate.Length(max=services.SUPPORT_COMMENT_MAX),
        metadata={"description": "Optional: posted to the barrier's conversation"},
    )


class SupportSchema(ma.Schema):
    support_count = fields.Integer()
    supported_by_me = fields.Boolean()


class FollowSchema(ma.Schema):
    kind = fields.String()
    id = fields.Integer()
    title = fields.String()
    automatic = fields.Boolean(
        metadata={"description": "Member or reporter: followed without asking"}
    )


class FollowListSchema(ma.Schema):
    items = fields.List(fields.Nested(FollowSchema))


class FollowStateSchema(ma.Schema):
    kind = fields.String()
    id = fields.Integer()
    following = fields.Boolean()


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    url = fields.String(metadata={"description": "The page, with #comment-N for a comment"})
    at = UTCDateTime(attribute="created_at")
    read = fields.Boolean()


class NotificationArgsSchema(PageArgsSchema):
    unread = fields.Boolean(metadata={"description": "Only unread ones"})


class NotificationPageSchema(page_of(NotificationSchema)):  # type: ignore[misc]
    unread = fields.Integer(metadata={"description": "Unread notifications in all"})


class ReadSchema(BodySchema):
    ids = fields.List(Id(), metadata={"description": "Your notifications to mark read"})
    all = fields.Boolean(metadata={"description": "Mark every notification read"})


class ReadResultSchema(ma.Schema):
    marked = fields.Integer()
    unread = fields.Integer()


F = TypeVar("F", bound=Callable[..., Any])


def guard(action: str, message: str) -> Callable[[F], F]:
    """Before the body is parsed: a comment on an object the caller may not see is 404, and a
    caller who may not do ``action`` to it gets 403 rather than field errors."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = api_user()
            comment, _ = services.get_comment(kwargs["comment_id"], user)
            allowed = (
                comment.author_id == user.id if action == "author" else can(user, action, comment)
            )
            if not allowed:
                abort(403, description=message)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _version(data: dict[str, Any]) -> int | None:
    if data.get("version") is not None:
        return int(data["version"])
    header = (request.headers.get("If-Match") or "").strip().removeprefix("W/").strip('"')
    return int(header) if header.isdigit() else None


# --- Comments -----------------------------------------------------------------------------------


@blp.route(f"/<{PATH_KIND}:target_kind>/<int:target_id>/comments")
class Comments(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CommentSchema))
    def get(self, args: dict[str, Any], target_kind: str, target_id: int) -> dict[str, Any]:
        """The conversation, oldest first (replies after their comment's thread starts):
        whoever may see the object (404 otherwise)."""

        target = load(target_kind, target_id, api_user())
        stmt = (
            select(Comment)
            .options(
                joinedload(Comment.author),
                selectinload(Comment.mentions).joinedload(CommentMention.user),
            )
            .where(Comment.target_kind == target.kind, Comment.target_id == target.id)
            .order_by(Comment.created_at, Comment.id)
        )
        return page_body(paginate(stmt, args["page"], args["per_page"]))

    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentSchema)
    def post(self, data: dict[str, Any], target_kind: str, target_id: int) -> Comment:
        """Comment (Markdown; ``@Full Name`` mentions people who can see the object). A closed
        team, closed barrier or hidden story: 409. The same text again at once: the first
        comment (a double submit makes one)."""
        user = api_user()
        target = load(target_kind, target_id, user)
        nonce = request.headers.get("Idempotency-Key")
        return services.add_comment(user, target, data["body"], data.get("parent_id"), nonce)


@blp.route("/comments/<int:comment_id>")
class CommentItem(MethodView):
    @blp.response(200, CommentSchema)
    def get(self, comment_id: int) -> Comment:
        """One comment (404 when its object may not be seen)."""
        return services.get_comment(comment_id, api_user())[0]

    @guard("author", "Only its author can edit a comment.")
    @blp.arguments(CommentPatchSchema)
    @blp.response(200, CommentSchema)
    def patch(self, data: dict[str, Any], comment_id: int) -> Comment:
        """Its author edits, within the edit window (then 409). ``version`` (or If-Match) is
        required (422); a stale one is 409."""
        user = api_user()
        comment, target = services.get_comment(comment_id, user)
        version = _version(data)
        if version is None:
            raise InvalidInput.on("version", "Send the version you edited (or an If-Match header).")
        return services.edit_comment(user, comment, target, data["body"], version)

    @blp.response(204)
    def delete(self, comment_id: int) -> None:
        """Its author deletes it; a tombstone stays in the conversation."""
        user = api_user()
        comment, target = services.get_comment(comment_id, user)
        services.delete_comment(user, comment, target)


@blp.route("/comments/<int:comment_id>/hide")
class CommentHide(MethodView):
    @guard("hide_comment", "Only leadership can hide a comment.")
    @blp.arguments(CommentHideSchema)
    @blp.response(200, CommentSchema)
    def post(self, data: dict[str, Any], comment_id: int) -> Comment:
        """Leadership hides a comment with a reason; the author is told by mail."""
        user = api_user()
        comment, target = services.get_comment(comment_id, user)
        return services.hide_comment(user, comment, target, data["reason"])


# --- "Me too" -----------------------------------------------------------------------------------


@blp.route("/barriers/<int:barrier_id>/support")
class BarrierSupportItem(MethodView):
    @blp.arguments(SupportBodySchema, required=False)
    @blp.response(201, SupportSchema)
    def post(self, data: dict[str, Any], barrier_id: int) -> dict[str, Any]:
        """ "Me too", optionally with a comment: once (409 twice); a closed barrier is 409."""
        count = services.support(api_user(), get_barrier(barrier_id), (data or {}).get("comment"))
        return {"support_count": count, "supported_by_me": True}

    @blp.response(204)
    def delete(self, barrier_id: int) -> None:
        """Take a "me too" back (409 when you had not said it)."""
        services.unsupport(api_user(), get_barrier(barrier_id))


# --- Follows ------------------------------------------------------------------------------------


@blp.route("/me/follows")
class MyFollows(MethodView):
    @blp.response(200, FollowListSchema)
    def get(self) -> dict[str, Any]:
        """What you follow: explicit follows and the automatic ones (member, reporter)."""
        return {"items": notes.following(api_user())}


@blp.route(f"/<{PATH_KIND}:target_kind>/<int:target_id>/follow")
class FollowItem(MethodView):
    @blp.response(200, FollowStateSchema)
    def put(self, target_kind: str, target_id: int) -> dict[str, Any]:
        """Follow a team, an initiative or a barrier (again: no change)."""
        notes.follow(api_user(), target_kind, target_id)
        return {"kind": target_kind, "id": target_id, "following": True}

    @blp.response(204)
    def delete(self, target_kind: str, target_id: int) -> None:
        """Unfollow (an automatic follow too: it does not come back by itself)."""
        notes.unfollow(api_user(), target_kind, target_id)


# --- The inbox ----------------------------------------------------------------------------------


@blp.route("/me/notifications")
class MyNotifications(MethodView):
    @blp.arguments(NotificationArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Your inbox, newest first, with the ``unread`` count."""

        user = api_user()
        page = paginate(
            notes.inbox_query(user, bool(args.get("unread"))), args["page"], args["per_page"]
        )
        unread = db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        return {**page_body(page), "unread": int(unread or 0)}


@blp.route("/me/notifications/read")
class ReadNotifications(MethodView):
    @blp.arguments(ReadSchema)
    @blp.response(200, ReadResultSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Mark ``{ids: [...]}`` or ``{all: true}`` read (ids of others' notifications change
        nothing)."""
        user = api_user()
        if not data.get("all") and not data.get("ids"):
            raise InvalidInput.on("ids", "Send ids, or all: true.")
        marked = notes.mark_read(user, data.get("ids"), everything=bool(data.get("all")))
        return {"marked": marked, "unread": notes.unread_count(user)}
