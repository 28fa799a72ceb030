"""Conversation pages: the thread partial every object's page includes (``conversation()`` in
templates), a thread page for objects without one of their own (updates, actions) and for a
refused comment (the text kept), edit / delete / hide, the mention typeahead, and "me too"."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from teams_app.barriers.services import get_barrier
from teams_app.conversations import queries, services
from teams_app.conversations.forms import (
    CommentForm,
    EditCommentForm,
    HideCommentForm,
    SupportForm,
)
from teams_app.conversations.targets import Target, load, wrap
from teams_app.errors import NotAllowed, ServiceError
from teams_app.input_guard import parse_id
from teams_app.markdown_text import render_mentions
from teams_app.models import Comment
from teams_app.notifications import services as notes
from teams_app.permissions import can, require
from teams_app.views import (
    apply_field_errors,
    current_person,
    flash_outcome,
    safe_local_url,
    signed_in_only,
)

bp = Blueprint("conversations", __name__)
signed_in_only(bp)
_me = current_person


PAGE_ARG = queries.PAGE_ARG


def _requested_page() -> int | None:
    raw = request.args.get(PAGE_ARG, "")
    return min(int(raw), 10**6) if raw.isdigit() and int(raw) > 0 else None


def _page_url(target: Target, page: int | None) -> str:
    """This page (its other arguments kept) at another page of its thread; after a POST (a
    refused form shown again), the object's page."""
    if request.method != "GET" or request.endpoint is None:
        return target.url(anchor="conversation", external=False, **{PAGE_ARG: page})
    args = {k: v for k, v in request.args.items() if k != PAGE_ARG}
    if page is not None:
        args[PAGE_ARG] = str(page)
    values = {**(request.view_args or {}), **args}
    return url_for(str(request.endpoint), _anchor="conversation", **values)


def _thread_context(target: Target, form: CommentForm | None = None) -> dict[str, Any]:

    me = _me()
    form = form or CommentForm(formdata=None)
    if not form.nonce.data:
        form.nonce.data = uuid.uuid4().hex
    mention_url = f"/conversations/{target.kind}/{target.id}/people"
    form.body.id = "comment-body"
    form.body.render_kw = {**(form.body.render_kw or {}), "data-mention-url": mention_url}
    follow_kind = target.kind if target.kind in notes.FOLLOW_KINDS else None
    shown = queries.thread(target.kind, target.id, me.id, _requested_page())
    explicit = shown.followed
    ctx: dict[str, Any] = {
        "target": target,
        "entries": shown.entries,
        "thread": shown,
        "earlier_url": _page_url(target, shown.earlier_page) if shown.earlier_page else None,
        "later_url": _page_url(target, shown.later_page) if shown.has_later else None,
        "comment_form": form,
        "may_comment": can(me, "comment", target),
        "follow_kind": follow_kind,
        "following": notes.follows_target(me, target, explicit) if follow_kind else False,
        "mention_url": mention_url,
    }
    if target.kind == "barriers":
        ctx["supported"] = bool(services.supported_by(me, [target.id]))
        ctx["support_form"] = SupportForm(formdata=None)
    return ctx


def conversation(kind: str, obj: Any) -> Markup:
    """The thread of ``obj`` for its page: ``{{ conversation('barriers', barrier) }}``."""
    target = wrap(kind, obj)
    return Markup(render_template("conversations/_thread.html", **_thread_context(target)))  # noqa: S704 - a rendered template


@bp.get("/conversations/<target_kind>/<int:target_id>")
def thread(target_kind: str, target_id: int) -> str:
    target = load(target_kind, target_id, _me())
    return render_template("conversations/thread.html", **_thread_context(target))


@bp.post("/conversations/<target_kind>/<int:target_id>/comments")
def post_comment(target_kind: str, target_id: int) -> str | BaseResponse | tuple[str, int]:
    me = _me()
    target = load(target_kind, target_id, me)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment = services.add_comment(
                me,
                target,
                form.body.data,
                parent_id=parse_id(form.parent_id.data) if form.parent_id.data else None,
                nonce=form.nonce.data,
            )
        except NotAllowed:
            raise
        except ServiceError as exc:
            apply_field_errors(form, exc, aliases={"parent_id": "body"})
        else:
            flash("Your comment is posted.", "success")
            return redirect(services.comment_url(comment, target))
    return render_template("conversations/thread.html", **_thread_context(target, form)), (
        409 if not can(me, "comment", target) else 422
    )


@bp.get("/conversations/<target_kind>/<int:target_id>/people")
def people(target_kind: str, target_id: int) -> BaseResponse:
    """The mention typeahead: people who can see the object, whose name contains ``q``."""
    target = load(target_kind, target_id, _me())
    found = services.mentionable(target, request.args.get("q") or "")
    return jsonify(
        [
            {"id": p.id, "name": p.name, "department": p.department.name if p.department else None}
            for p in found
        ]
    )


@bp.get("/comments/<int:comment_id>")
def show_comment(comment_id: int) -> BaseResponse:
    """A comment's permalink (notifications link here): its object's page, at the page of the
    thread that shows it."""
    comment, target = services.get_comment(comment_id, _me())
    return redirect(services.comment_url(comment, target))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit_comment(comment_id: int) -> str | BaseResponse | tuple[str, int]:
    me = _me()
    comment, target = services.get_comment(comment_id, me)
    require(current_user, "edit_comment", comment)
    form = EditCommentForm(obj=comment if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(comment.version)
    current = None
    if form.validate_on_submit():
        raw = str(form.version.data or "")
        try:
            services.edit_comment(
                me, comment, target, form.body.data, int(raw) if raw.isdigit() else None
            )
        except services.Stale as exc:
            current = exc.current
            form.version.data = str(current.version)
            flash(exc.message, "warning")
        except NotAllowed:
            raise
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("Saved.", "success")
            return redirect(services.comment_url(comment, target))
    status = 409 if current is not None else (422 if form.errors else 200)
    return render_template(
        "conversations/edit.html", form=form, comment=comment, target=target, current=current
    ), status


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id: int) -> BaseResponse:
    me = _me()
    comment, target = services.get_comment(comment_id, me)
    require(current_user, "delete_comment", comment)
    flash_outcome(lambda: services.delete_comment(me, comment, target), "Your comment is deleted.")
    return redirect(services.comment_url(comment, target))


@bp.route("/comments/<int:comment_id>/hide", methods=["GET", "POST"])
def hide_comment(comment_id: int) -> str | BaseResponse | tuple[str, int]:
    me = _me()
    comment, target = services.get_comment(comment_id, me)
    require(current_user, "hide_comment", comment)
    form = HideCommentForm()
    if form.validate_on_submit():
        try:
            services.hide_comment(me, comment, target, form.reason.data)
        except NotAllowed:
            raise
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            told = " Its author is told why." if comment.author_id != me.id else ""
            flash(f"The comment is hidden.{told}", "success")
            return redirect(services.comment_url(comment, target))
    return render_template("conversations/hide.html", form=form, comment=comment, target=target), (
        422 if form.errors else 200
    )


def _back(barrier_id: int) -> str:

    return safe_local_url(request.form.get("next"), url_for("barriers.show", barrier_id=barrier_id))


@bp.post("/barriers/<int:barrier_id>/support")
def support(barrier_id: int) -> BaseResponse:
    barrier = get_barrier(barrier_id)
    form = SupportForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0] if form.errors else "Try again.", "danger")
        return redirect(_back(barrier_id))
    flash_outcome(
        lambda: services.support(_me(), barrier, form.comment.data),
        "Thank you: your “me too” is counted.",
    )
    return redirect(_back(barrier_id))


@bp.post("/barriers/<int:barrier_id>/unsupport")
def unsupport(barrier_id: int) -> BaseResponse:
    barrier = get_barrier(barrier_id)
    flash_outcome(lambda: services.unsupport(_me(), barrier), "Your “me too” is taken back.")
    return redirect(_back(barrier_id))


def comment_html(comment: Comment) -> Markup:
    """A comment's body rendered, each resolved @mention a link to the person in the staff
    directory (their card, ``#person-<id>``: ``{{ comment_html(c) }}``); mentions come loaded
    with the thread."""
    people = [
        (m.user.name, url_for("people.directory", q=m.user.name, _anchor=f"person-{m.user_id}"))
        for m in comment.mentions
        if m.user is not None
    ]
    return render_mentions(comment.body, people)


def init_app(app: Any) -> None:
    app.jinja_env.globals["conversation"] = conversation
    app.jinja_env.globals["comment_html"] = comment_html
