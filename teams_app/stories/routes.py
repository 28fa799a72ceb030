"""Impact story pages: the feed, share and edit, one story with its cheers, hide and unhide,
the month's ranking for leadership (with the Feature button) and the archive of featured stories."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from teams_app.dates import month_text
from teams_app.errors import NotAllowed, NotFound, ServiceError
from teams_app.extensions import db
from teams_app.forms import options
from teams_app.input_guard import parse_id
from teams_app.models import (
    Barrier,
    BarrierStatus,
    ImpactStory,
    Initiative,
    StoryKind,
    SurveyComment,
    Team,
)
from teams_app.pagination import clamp, paginate
from teams_app.people.services import department_choices
from teams_app.permissions import can, require
from teams_app.stories import queries, services
from teams_app.stories.forms import FeatureForm, HideForm, StoryForm
from teams_app.surveys import triage
from teams_app.versioning import StaleEdit, form_version
from teams_app.views import (
    apply_field_errors,
    current_person,
    edit_with_version,
    flash_outcome,
    safe_local_url,
    signed_in_only,
)

bp = Blueprint("stories", __name__)
signed_in_only(bp)

_me = current_person
KINDS = [(k.value, k.label) for k in StoryKind]


def _story_url(story: ImpactStory | int) -> str:
    return url_for("stories.show", story_id=story if isinstance(story, int) else story.id)


def _month_arg(raw: str | None) -> str | None:
    try:
        services.month_bounds(raw or "")
    except ValueError:
        return None
    return raw


def _filter_from_args() -> queries.StoryFilter:
    args = request.args
    kind = args.get("kind")
    return queries.StoryFilter(
        kind=kind if kind in {k for k, _ in KINDS} else None,
        department_id=args.get("department_id", type=parse_id),
        month=_month_arg(args.get("month")),
        q=(args.get("q") or "").strip()[:100] or None,
    )


@bp.get("/stories/")
def index() -> str:
    me = _me()
    f = _filter_from_args()
    page, per_page = clamp(
        request.args.get("page"), request.args.get("per_page"), current_app.config["PER_PAGE"]
    )
    leadership = can(me, "hide_story")
    results = paginate(queries.feed_query(f, include_hidden=leadership), page, per_page)
    return render_template(
        "stories/index.html",
        results=results,
        cheered=queries.cheered_by(me, [s.id for s in results.items]),
        f=f,
        kinds=KINDS,
        departments=queries.department_choices(),
        filtered=bool(f.as_args()),
        featured=queries.featured(),
    )


# --- Share and edit -----------------------------------------------------------------------------


def _fill_choices(form: StoryForm, story: ImpactStory | None = None) -> None:
    form.department_id.choices = options([(0, "Not specific")] + department_choices())
    rows = db.session.execute(
        select(Initiative.id, Initiative.title, Team.name)
        .join(Team, Team.id == Initiative.team_id)
        .order_by(Team.name, Initiative.title)
        .limit(500)
    ).all()
    form.initiative_id.choices = options(
        [(0, "None")] + [(i, f"{team} — {title}") for i, title, team in rows]
    )
    barriers: list[tuple[int, str]] = [
        (b, t)
        for b, t in db.session.execute(
            select(Barrier.id, Barrier.title)
            .where(Barrier.status.not_in(BarrierStatus.closed()))
            .order_by(Barrier.reported_at.desc())
            .limit(300)
        )
    ]
    linked = story.barrier if story is not None else None
    if linked is not None and linked.id not in {b for b, _ in barriers}:
        barriers.append((linked.id, linked.title))
    form.barrier_id.choices = options([(0, "None")] + [(b, t) for b, t in barriers])


def _details(form: StoryForm) -> services.StoryDetails:
    return services.StoryDetails(
        title=form.title.data or "",
        body=form.body.data or "",
        kind=form.kind.data or "",
        no_personal_details=bool(form.no_personal_details.data),
        department_id=form.department_id.data or None,
        occurred_on=form.occurred_on.data,
        initiative_id=form.initiative_id.data or None,
        barrier_id=form.barrier_id.data or None,
    )


def _inviting_comment(form: StoryForm) -> SurveyComment | None:
    """The survey comment (coded "story") this story is written from: ``?survey_comment=`` on
    the way in, the hidden field after. Only its survey's coders see it; others get 404."""
    raw = (request.args.get("survey_comment") if request.method == "GET" else None) or (
        form.survey_comment_id.data or ""
    )
    if not raw:
        return None
    try:
        ident = parse_id(raw)
    except ValueError:
        raise NotFound("There is no such comment.") from None
    return triage.get_comment(ident, _me())


@bp.route("/stories/new", methods=["GET", "POST"])
def new() -> str | BaseResponse | tuple[str, int]:
    require(current_user, "share_story")
    form = StoryForm()
    _fill_choices(form)
    comment = _inviting_comment(form)
    if request.method == "GET":
        form.department_id.data = current_user.department_id or 0
        form.initiative_id.data = request.args.get("initiative", type=parse_id) or 0
        form.barrier_id.data = request.args.get("barrier", type=parse_id) or 0
        if comment is not None:
            for name, value in triage.story_defaults(comment).items():
                getattr(form, name).data = value
            form.survey_comment_id.data = str(comment.id)
            form.comment_version.data = str(comment.version)
    status = 200
    if form.validate_on_submit():
        try:
            if comment is None:
                story = services.share_story(_me(), _details(form))
            else:
                version = form_version(form.comment_version.data)
                story = triage.story_from_comment(_me(), comment, _details(form), version)
        except StaleEdit as exc:
            flash(
                "Someone coded this comment while you wrote. Your story is kept here: "
                "check the comment in the queue, then share again.",
                "warning",
            )
            form.comment_version.data = str(exc.current.version)
            status = 409
        except ServiceError as exc:
            # The comment's problems name hidden fields: say them at the top instead.
            apply_field_errors(form, exc, aliases={"version": "-", "survey_comment": "-"})
            status = 422
        else:
            flash("Thank you for sharing your story.", "success")
            return redirect(_story_url(story))
    if form.errors:
        status = 422
    return render_template("stories/form.html", form=form, story=None, comment=comment), status


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
def edit(story_id: int) -> str | BaseResponse | tuple[str, int]:
    story = services.get_story(story_id, _me())
    require(current_user, "edit_story", story)
    form = StoryForm(obj=story if request.method == "GET" else None)
    _fill_choices(form, story)
    if request.method == "GET":
        form.department_id.data = story.department_id or 0
        form.initiative_id.data = story.initiative_id or 0
        form.barrier_id.data = story.barrier_id or 0
        form.version.data = str(story.version)
    return edit_with_version(
        form,
        lambda version: services.edit_story(_me(), story, _details(form), version),
        saved="Saved.",
        then=_story_url(story),
        template="stories/form.html",
        story=story,
    )


# --- One story ----------------------------------------------------------------------------------


@bp.get("/stories/<int:story_id>")
def show(story_id: int) -> str:
    me = _me()
    story = services.get_story(story_id, me)
    return render_template(
        "stories/show.html",
        story=story,
        cheered=bool(queries.cheered_by(me, [story.id])),
        from_comment=triage.comment_for_story(story, me),
        feature_form=FeatureForm(formdata=None),
        this_month=services.this_month(),
    )


def _back(story_id: int) -> str:
    return safe_local_url(request.form.get("next"), _story_url(story_id))


@bp.post("/stories/<int:story_id>/cheer")
def cheer(story_id: int) -> BaseResponse:
    story = services.get_story(story_id, _me())
    flash_outcome(lambda: services.cheer(_me(), story), "Cheered!")
    return redirect(_back(story_id))


@bp.post("/stories/<int:story_id>/uncheer")
def uncheer(story_id: int) -> BaseResponse:
    story = services.get_story(story_id, _me())
    flash_outcome(lambda: services.uncheer(_me(), story), "Your cheer is taken back.")
    return redirect(_back(story_id))


@bp.route("/stories/<int:story_id>/hide", methods=["GET", "POST"])
def hide(story_id: int) -> str | BaseResponse | tuple[str, int]:
    """Asks for the reason and confirmation before hiding."""
    story = services.get_story(story_id, _me())
    require(current_user, "hide_story", story)
    if story.hidden:
        flash("This story is already hidden.", "info")
        return redirect(_story_url(story))
    form = HideForm()
    if form.validate_on_submit():
        try:
            services.hide_story(_me(), story, form.reason.data)
        except NotAllowed:
            raise
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            told = " Its author is told why." if story.author_id != current_user.id else ""
            flash(f"The story is hidden from the feed.{told}", "success")
            return redirect(_story_url(story))
    return render_template("stories/hide.html", story=story, form=form), (
        422 if form.errors else 200
    )


@bp.post("/stories/<int:story_id>/unhide")
def unhide(story_id: int) -> BaseResponse:
    story = services.get_story(story_id, _me())
    require(current_user, "hide_story", story)
    flash_outcome(lambda: services.unhide_story(_me(), story), "The story is back in the feed.")
    return redirect(_story_url(story))


@bp.post("/stories/<int:story_id>/feature")
def feature(story_id: int) -> BaseResponse:
    story = services.get_story(story_id, _me())
    require(current_user, "feature_story", story)
    form = FeatureForm()
    month = form.month.data or None
    flash_outcome(
        lambda: services.feature_story(_me(), story, month),
        lambda: f"“{story.title}” is the Impact Story of the Month.",
    )
    return redirect(_back(story_id))


# --- Ranking and archive ------------------------------------------------------------------------


@bp.get("/stories/month")
def month() -> str:
    """Leadership: this month's stories ranked by cheers, with the Feature button."""
    require(current_user, "feature_story")
    this_month = services.this_month()
    return render_template(
        "stories/month.html",
        ranking=queries.month_ranking(this_month),
        featured=queries.featured(this_month),
        this_month=this_month,
        feature_form=FeatureForm(formdata=None),
    )


@bp.get("/stories/archive")
def archive() -> str:
    return render_template("stories/archive.html", stories=queries.archive())


@bp.app_template_filter("month_label")
def _month_label(month: str | None) -> str:
    if not month:
        return ""
    try:
        services.month_bounds(month)
    except ValueError:
        return month
    return month_text(month)
