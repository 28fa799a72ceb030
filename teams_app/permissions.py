"""Every "may this user do X (to Y)?" rule, in one place.

Three tiers, as in Redash: predicates (``may_*`` functions registered under an action name),
``can(user, action, obj)`` that asks them, and guards (``require`` raising 403, and the
``role_required`` decorator for views). Views, services, templates (via the ``can`` context
processor) and the API all ask this module; nothing else encodes a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import (
    MemberRole,
    Membership,
    MemberState,
    Role,
    Team,
    TeamStatus,
    User,
    utcnow,
)

Predicate = Callable[[User, Any], bool]
_RULES: dict[str, Predicate] = {}

F = TypeVar("F", bound=Callable[..., Any])


def rule(action: str) -> Callable[[Predicate], Predicate]:
    def register(func: Predicate) -> Predicate:
        _RULES[action] = func
        return func

    return register


def _is_active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "active", False))


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True when ``user`` may perform ``action`` (on ``obj``). Unknown actions are refused."""
    if not _is_active(user):
        return False
    predicate = _RULES.get(action)
    if predicate is None:
        raise KeyError(f"no permission rule named {action!r}")
    return predicate(user, obj)


def require(user: Any, action: str, obj: Any = None) -> None:
    """Guard: abort with 403 unless allowed."""
    if not can(user, action, obj):
        abort(403)


def role_required(*roles: Role) -> Callable[[F], F]:
    """View decorator: signed-in, active, and holding one of ``roles``."""
    names = {r.value for r in roles}

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            if current_user.role not in names:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# --- People -------------------------------------------------------------------------------------


@rule("manage_users")
def may_manage_users(user: User, _: Any) -> bool:
    """Invite, change roles, deactivate: admins only."""
    return user.is_admin


@rule("manage_departments")
def may_manage_departments(user: User, _: Any) -> bool:
    return user.is_admin


@rule("see_email")
def may_see_email(user: User, other: User | None) -> bool:
    """Emails are for admins and the person themself; the directory hides them otherwise."""
    return user.is_admin or (other is not None and other.id == user.id)


@rule("view_person")
def may_view_person(user: User, other: User) -> bool:
    """Deactivated people, and pending ones who have not set a password yet, are seen only by
    those who manage users."""
    return (other.active and not other.is_pending) or may_manage_users(user, None)


@rule("view_directory")
def may_view_directory(user: User, _: Any) -> bool:
    return True


@rule("view_operations")
def may_view_operations(user: User, _: Any) -> bool:
    """Job and mail health pages."""
    return user.is_admin


@rule("resend_jobs")
def may_resend_jobs(user: User, _: Any) -> bool:
    """Send a failed outbox job again (audited): admins, who see the operations page."""
    return user.is_admin


# --- Teams -------------------------------------------------------------------------------------
# Team predicates read team.memberships; pages load them eagerly so a check costs no query.


def is_lead(user: User, team: Team) -> bool:
    return user.id in team.lead_ids()


def is_member(user: User, team: Team) -> bool:
    return user.id in team.member_ids()


@rule("propose_team")
def may_propose_team(user: User, _: Any) -> bool:
    """Any active staff member may start a team."""
    return True


@rule("review_proposals")
def may_review_proposals(user: User, _: Any) -> bool:
    """Charter or decline proposed teams: leadership (admins hold leadership powers)."""
    return user.is_leadership


@rule("edit_charter")
def may_edit_charter(user: User, team: Team) -> bool:
    return team.is_open_for_changes and (is_lead(user, team) or user.is_leadership)


@rule("manage_members")
def may_manage_members(user: User, team: Team) -> bool:
    """Accept requests, add, promote and remove members: the team's leads, while it is active."""
    return team.is_active and is_lead(user, team)


@rule("close_team")
def may_close_team(user: User, team: Team) -> bool:
    return team.is_active and (is_lead(user, team) or user.is_leadership)


@rule("join_team")
def may_join_team(user: User, team: Team) -> bool:
    """Join or ask to join: an active team you are not in and have not asked to join yet."""
    membership = team.membership_of(user.id)
    taken = membership is not None and membership.state in (
        MemberState.ACTIVE.value,
        MemberState.REQUESTED.value,
    )
    return team.is_active and not taken


@rule("leave_team")
def may_leave_team(user: User, team: Team) -> bool:
    return team.is_active and is_member(user, team)


# --- Initiatives -------------------------------------------------------------------------------


@rule("manage_pipeline")
def may_manage_pipeline(user: User, _: Any) -> bool:
    """Rename, reorder and add stages: admins."""
    return user.is_admin


@rule("add_initiative")
def may_add_initiative(user: User, team: Team) -> bool:
    return team.is_active and is_member(user, team)


@rule("edit_initiative")
def may_edit_initiative(user: User, initiative: Any) -> bool:
    team = initiative.team
    return team.is_active and (is_member(user, team) or user.is_leadership)


@rule("move_initiative")
def may_move_initiative(user: User, initiative: Any) -> bool:
    """The team's leads and the initiative's owner move it through the stages."""
    team = initiative.team
    return team.is_active and (is_lead(user, team) or initiative.owner_id == user.id)


@rule("post_update")
def may_post_update(user: User, initiative: Any) -> bool:
    return initiative.team.is_active and is_member(user, initiative.team)


# --- Barriers and actions ----------------------------------------------------------------------
# A barrier's team is the one working on it; leadership may act wherever a lead may.


def _leads_barrier(user: User, barrier: Any) -> bool:
    team = barrier.team
    return user.is_leadership or (team is not None and team.is_active and is_lead(user, team))


@rule("report_barrier")
def may_report_barrier(user: User, _: Any) -> bool:
    """Anyone on the staff may report what stands in the way."""
    return True


def leads_any_team(user: User) -> bool:
    """Leads of any active team may take up (link and edit) any barrier. One small query."""

    stmt = (
        select(Membership.id)
        .join(Team, Team.id == Membership.team_id)
        .where(
            Membership.user_id == user.id,
            Membership.role == MemberRole.LEAD.value,
            Membership.state == MemberState.ACTIVE.value,
            Team.status == TeamStatus.ACTIVE.value,
        )
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


@rule("edit_barrier")
def may_edit_barrier(user: User, barrier: Any) -> bool:
    """Its reporter, members of the team working on it, any team's leads (to take it up) and
    leadership. (Services refuse edits to a closed barrier with a conflict: that is its state,
    not who is asking.)"""
    team = barrier.team
    in_team = team is not None and team.is_active and is_member(user, team)
    if user.id == barrier.reported_by_id or in_team or user.is_leadership:
        return True
    return leads_any_team(user)


@rule("link_barrier")
def may_link_barrier(user: User, team: Team) -> bool:
    """Hand a barrier to a team (or one of its initiatives): that team's members, leadership."""
    return team.is_active and (is_member(user, team) or user.is_leadership)


@rule("resolve_barrier")
def may_resolve_barrier(user: User, barrier: Any) -> bool:
    """Close as removed or accepted: the working team's leads, leadership."""
    return _leads_barrier(user, barrier)


@rule("reopen_barrier")
def may_reopen_barrier(user: User, barrier: Any) -> bool:
    """The reporter may say it is back, as may whoever could close it."""
    return user.id == barrier.reported_by_id or _leads_barrier(user, barrier)


@rule("log_action")
def may_log_action(user: User, subject: Any) -> bool:
    """Log an action against a barrier or initiative: members of the team working on it
    (leadership too)."""
    team = subject.team
    if team is None:
        return user.is_leadership
    return team.is_active and (is_member(user, team) or user.is_leadership)


@rule("update_action")
def may_update_action(user: User, action: Any) -> bool:
    """Its owner, the leads of the team working on it, leadership."""
    if user.id == action.owner_id or user.is_leadership:
        return True
    team = action.team
    return team is not None and team.is_active and is_lead(user, team)


# --- Portfolio ----------------------------------------------------------------------------------


@rule("view_portfolio")
def may_view_portfolio(user: User, _: Any) -> bool:
    """The whole portfolio and its exports: leadership (admins hold leadership powers)."""
    return user.is_leadership


# --- Stories ------------------------------------------------------------------------------------


@rule("share_story")
def may_share_story(user: User, _: Any) -> bool:
    """Any active staff member shares impact stories."""
    return True


@rule("view_story")
def may_view_story(user: User, story: Any) -> bool:
    """A hidden story is seen by its author and leadership only."""
    return not story.hidden or story.author_id == user.id or user.is_leadership


@rule("edit_story")
def may_edit_story(user: User, story: Any) -> bool:
    """Only its author."""
    return story.author_id == user.id


@rule("cheer_story")
def may_cheer_story(user: User, story: Any) -> bool:
    """Anyone but its author: cheers come from colleagues."""
    return story.author_id != user.id


@rule("hide_story")
def may_hide_story(user: User, _: Any) -> bool:
    """Hide and unhide stories: leadership (admins hold leadership powers)."""
    return user.is_leadership


@rule("feature_story")
def may_feature_story(user: User, _: Any) -> bool:
    """Rank the month's stories and pick the Impact Story of the Month: leadership."""
    return user.is_leadership


# --- Conversations ------------------------------------------------------------------------------
# ``target`` is a conversations.targets.Target: a kind ("initiatives", "barriers"...) and the
# object. Who may read a thread is exactly who may read its object; who may comment follows the
# object's own rules: closed and declined teams are read-only, as are closed barriers, frozen
# actions and hidden stories.

COMMENT_EDIT_MINUTES = 15


@rule("read_thread")
def may_read_thread(user: User, target: Any) -> bool:
    if target.kind == "stories":
        return may_view_story(user, target.obj)
    return True


def target_is_open(target: Any) -> bool:
    """Whether the object still takes comments (its state, not who is asking)."""
    obj = target.obj
    team = target.team
    if target.kind == "stories":
        return not obj.hidden
    if target.kind == "barriers":
        return not obj.is_closed
    if target.kind == "actions":
        if obj.is_frozen:
            return False
        return team is None or team.is_open_for_changes
    return team is not None and team.is_open_for_changes


@rule("comment")
def may_comment(user: User, target: Any) -> bool:
    return may_read_thread(user, target) and target_is_open(target)


@rule("edit_comment")
def may_edit_comment(user: User, comment: Any) -> bool:
    """Its author, within the edit window, while it is neither deleted nor hidden."""

    if comment.author_id != user.id or comment.deleted_at or comment.hidden_at:
        return False
    return utcnow() - comment.created_at <= timedelta(minutes=COMMENT_EDIT_MINUTES)


@rule("delete_comment")
def may_delete_comment(user: User, comment: Any) -> bool:
    """Its author, any time (a tombstone stays in the thread)."""
    return comment.author_id == user.id and comment.deleted_at is None


@rule("hide_comment")
def may_hide_comment(user: User, comment: Any) -> bool:
    """Leadership hides a comment, with a reason the author is told."""
    return user.is_leadership


@rule("support_barrier")
def may_support_barrier(user: User, barrier: Any) -> bool:
    """ "Me too": anyone, on an open barrier (a closed one is refused as a conflict)."""
    return True


@rule("follow")
def may_follow(user: User, _: Any) -> bool:
    """Anyone may follow a team, an initiative or a barrier, and unfollow it."""
    return True


# --- Satisfaction -------------------------------------------------------------------------------


@rule("record_satisfaction")
def may_record_satisfaction(user: User, _: Any) -> bool:
    """Record or import survey results: leadership (admins hold leadership powers). Everyone
    signed in reads them."""
    return user.is_leadership


# --- Surveys ------------------------------------------------------------------------------------
# Leadership builds surveys and names owners; an owner may do on their survey what leadership
# may. Survey predicates read survey.owners; pages load them with the survey.


def owns_survey(user: User, survey: Any) -> bool:
    return any(o.user_id == user.id for o in survey.owners)


@rule("create_survey")
def may_create_survey(user: User, _: Any) -> bool:
    """Start a survey: leadership (admins hold leadership powers)."""
    return user.is_leadership


@rule("name_survey_owners")
def may_name_survey_owners(user: User, _: Any) -> bool:
    """Name the people who may run a survey alongside leadership: leadership."""
    return user.is_leadership


@rule("manage_survey")
def may_manage_survey(user: User, survey: Any) -> bool:
    """Edit, preview, publish, close, copy, announce and code the comments of a survey: its
    owners and leadership."""
    return user.is_leadership or owns_survey(user, survey)


@rule("view_survey")
def may_view_survey(user: User, survey: Any) -> bool:
    """A draft is seen by its owners and leadership; a published survey by everyone signed in."""
    return survey.status != "draft" or may_manage_survey(user, survey)


@rule("answer_survey")
def may_answer_survey(user: User, survey: Any) -> bool:
    """Answer signed in: staff surveys (and "both") once published. Customers answer through the
    public link, which needs no account and asks no rule."""
    return survey.status != "draft" and survey.audience in ("staff", "both")


@rule("view_survey_results")
def may_view_survey_results(user: User, survey: Any) -> bool:
    """A survey's results: its owners and leadership at any time; everyone signed in once it is
    closed. Closing is what publishes the results (no separate flag): while a survey is open its
    figures would sway the answers still to come."""
    return may_manage_survey(user, survey) or survey.status == "closed"


@rule("export_survey_answers")
def may_export_survey_answers(user: User, survey: Any) -> bool:
    """Download the answers one row per response (free text included): owners and leadership."""
    return may_manage_survey(user, survey)


@rule("compare_survey_waves")
def may_compare_survey_waves(user: User, survey: Any) -> bool:
    """A wave against the one it was copied from (with the barriers coded from it): owners and
    leadership."""
    return may_manage_survey(user, survey)


# --- Sign-in ------------------------------------------------------------------------------------


@rule("manage_sign_in")
def may_manage_sign_in(user: User, _: Any) -> bool:
    """See the single sign-on providers and require SSO for everyone but admins: admins."""
    return user.is_admin


def change_role_problem(actor: User, target: User, new_role: str) -> str | None:
    """Why ``actor`` may not give ``target`` the role ``new_role`` (None when allowed)."""
    if not actor.is_admin:
        return "Only admins can change roles."
    if new_role not in {r.value for r in Role}:
        return "Choose staff, leadership or admin."
    if target.id == actor.id and new_role != Role.ADMIN.value:
        return "You cannot remove your own admin role; ask another admin."
    return None


def deactivate_problem(actor: User, target: User) -> str | None:
    """Why ``actor`` may not deactivate ``target`` (None when allowed)."""
    if not actor.is_admin:
        return "Only admins can deactivate accounts."
    if target.id == actor.id:
        return "You cannot deactivate your own account."
    return None


def register_template_helpers(app: Any) -> None:
    @app.context_processor
    def inject_can() -> dict[str, Any]:
        return {"can": lambda action, obj=None: can(current_user, action, obj)}
