"""Route x role -> status, for every route the app has. A new route fails this test until it is
added to MATRIX with the status each role should get."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from teams_app.account.services import create_token
from teams_app.barriers import services as barrier_services
from teams_app.conversations import services as conversation_services
from teams_app.conversations.targets import load as load_target
from teams_app.extensions import db
from teams_app.initiatives import pipeline
from teams_app.initiatives import services as initiative_services
from teams_app.models import SurveyComment, UserIdentity
from teams_app.notifications import services as notification_services
from teams_app.surveys import services as survey_services
from teams_app.teams import services
from tests.conftest import CSRF_RE, ApiClient, login
from tests.factories import (
    DepartmentFactory,
    UserFactory,
    make_failed_job,
    make_story,
    make_team,
)
from tests.integration.surveys.helpers import answers as survey_answers
from tests.integration.surveys.helpers import make_survey

ROLES = ("anon", "staff", "member", "lead", "leadership", "admin")
# Routes no role rule applies to: served files.
EXEMPT = {("GET", "/static/<path:filename>")}


def s4(anon: int, staff: int, leadership: int, admin: int) -> tuple[int, ...]:
    """Routes where a team role changes nothing: members and leads answer as staff do."""
    return (anon, staff, staff, staff, leadership, admin)


# (method, rule): statuses for ROLES. HTML routes use the session; /api/v1 routes a bearer token.
# Bodies are empty, so allowed writes answer 422 (invalid) or 302 (flash + redirect). Team routes
# act on an active ask-to-join team whose member and lead are the "member" and "lead" roles;
# <user_id> is someone with an open request to join it. Charter and decline act on a proposed team.
MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "/"): s4(302, 200, 200, 200),
    ("GET", "/healthz"): s4(200, 200, 200, 200),
    ("GET", "/readyz"): s4(200, 200, 200, 200),
    ("GET", "/favicon.ico"): s4(200, 200, 200, 200),
    ("GET", "/auth/login"): s4(200, 302, 302, 302),
    ("POST", "/auth/login"): s4(200, 302, 302, 302),
    ("POST", "/auth/logout"): s4(302, 302, 302, 302),
    ("GET", "/auth/forgot"): s4(200, 200, 200, 200),
    ("POST", "/auth/forgot"): s4(200, 200, 200, 200),
    ("GET", "/auth/reset/<token>"): s4(400, 400, 400, 400),
    ("POST", "/auth/reset/<token>"): s4(400, 400, 400, 400),
    ("GET", "/auth/invitation/<token>"): s4(400, 400, 400, 400),
    ("POST", "/auth/invitation/<token>"): s4(400, 400, 400, 400),
    ("GET", "/auth/signup"): s4(200, 302, 302, 302),
    ("POST", "/auth/signup"): s4(200, 302, 302, 302),
    ("GET", "/account/"): s4(302, 200, 200, 200),
    ("POST", "/account/"): s4(302, 422, 422, 422),
    ("POST", "/account/password"): s4(302, 422, 422, 422),
    ("POST", "/account/tokens"): s4(302, 422, 422, 422),
    ("POST", "/account/email"): s4(302, 422, 422, 422),
    ("GET", "/account/email/confirm/<token>"): s4(400, 400, 400, 400),
    ("POST", "/account/email/confirm/<token>"): s4(400, 400, 400, 400),
    ("POST", "/account/tokens/<int:token_id>/revoke"): s4(302, 302, 302, 302),
    ("GET", "/people/"): s4(302, 200, 200, 200),
    ("GET", "/people/search"): s4(302, 200, 200, 200),
    ("GET", "/admin/users"): s4(302, 403, 403, 200),
    ("GET", "/admin/users/invite"): s4(302, 403, 403, 200),
    ("POST", "/admin/users/invite"): s4(302, 403, 403, 422),
    ("POST", "/admin/users/<int:user_id>/role"): s4(302, 403, 403, 302),
    ("GET", "/admin/users/<int:user_id>/deactivate"): s4(302, 403, 403, 200),
    ("POST", "/admin/users/<int:user_id>/deactivate"): s4(302, 403, 403, 302),
    ("POST", "/admin/users/<int:user_id>/reactivate"): s4(302, 403, 403, 302),
    ("POST", "/admin/users/<int:user_id>/resend-invitation"): s4(302, 403, 403, 302),
    ("GET", "/admin/departments"): s4(302, 403, 403, 200),
    ("POST", "/admin/departments"): s4(302, 403, 403, 422),
    ("GET", "/admin/departments/<int:dept_id>/edit"): s4(302, 403, 403, 200),
    ("POST", "/admin/departments/<int:dept_id>/edit"): s4(302, 403, 403, 302),
    ("GET", "/admin/departments/<int:dept_id>/delete"): s4(302, 403, 403, 200),
    ("POST", "/admin/departments/<int:dept_id>/delete"): s4(302, 403, 403, 302),
    ("GET", "/admin/operations"): s4(302, 403, 403, 200),
    ("GET", "/admin/operations/outbox/<int:job_id>/resend"): s4(302, 403, 403, 200),
    ("POST", "/admin/operations/outbox/<int:job_id>/resend"): s4(302, 403, 403, 302),
    ("GET", "/api/docs"): s4(200, 200, 200, 200),
    ("GET", "/api/v1/openapi.json"): s4(200, 200, 200, 200),
    ("GET", "/api/v1/me"): s4(401, 200, 200, 200),
    ("PATCH", "/api/v1/me"): s4(401, 200, 200, 200),
    ("GET", "/api/v1/me/tokens"): s4(401, 200, 200, 200),
    ("POST", "/api/v1/me/tokens"): s4(401, 422, 422, 422),
    ("DELETE", "/api/v1/me/tokens/<int:token_id>"): s4(401, 404, 404, 404),
    ("GET", "/api/v1/users"): s4(401, 200, 200, 200),
    ("POST", "/api/v1/users"): s4(401, 403, 403, 422),
    ("GET", "/api/v1/users/<int:user_id>"): s4(401, 200, 200, 200),
    ("PATCH", "/api/v1/users/<int:user_id>"): s4(401, 403, 403, 200),
    ("GET", "/api/v1/departments"): s4(401, 200, 200, 200),
    ("POST", "/api/v1/departments"): s4(401, 403, 403, 422),
    # Teams
    ("GET", "/teams/"): (302, 200, 200, 200, 200, 200),
    ("GET", "/teams/new"): (302, 200, 200, 200, 200, 200),
    ("POST", "/teams/new"): (302, 422, 422, 422, 422, 422),
    ("GET", "/teams/proposals"): (302, 403, 403, 403, 200, 200),
    ("GET", "/teams/<slug>"): (302, 200, 200, 200, 200, 200),
    ("GET", "/teams/<slug>/edit"): (302, 403, 403, 200, 200, 200),
    ("POST", "/teams/<slug>/edit"): (302, 403, 403, 302, 302, 302),
    ("GET", "/teams/<slug>/charter"): (302, 403, 403, 403, 200, 200),
    ("POST", "/teams/<slug>/charter"): (302, 403, 403, 403, 422, 422),
    ("GET", "/teams/<slug>/decline"): (302, 403, 403, 403, 200, 200),
    ("POST", "/teams/<slug>/decline"): (302, 403, 403, 403, 422, 422),
    ("GET", "/teams/<slug>/close"): (302, 403, 403, 200, 200, 200),
    ("POST", "/teams/<slug>/close"): (302, 403, 403, 422, 422, 422),
    ("POST", "/teams/<slug>/join"): (302, 302, 302, 302, 302, 302),
    ("POST", "/teams/<slug>/leave"): (302, 302, 302, 302, 302, 302),
    ("POST", "/teams/<slug>/members"): (302, 403, 403, 302, 403, 403),
    ("POST", "/teams/<slug>/members/<int:user_id>/accept"): (302, 403, 403, 302, 403, 403),
    ("POST", "/teams/<slug>/members/<int:user_id>/decline"): (302, 403, 403, 302, 403, 403),
    ("POST", "/teams/<slug>/members/<int:user_id>/role"): (302, 403, 403, 302, 403, 403),
    ("POST", "/teams/<slug>/members/<int:user_id>/remove"): (302, 403, 403, 302, 403, 403),
    ("GET", "/api/v1/teams"): (401, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/teams"): (401, 422, 422, 422, 422, 422),
    ("GET", "/api/v1/teams/<int:team_id>"): (401, 200, 200, 200, 200, 200),
    ("PATCH", "/api/v1/teams/<int:team_id>"): (401, 403, 403, 422, 422, 422),
    ("POST", "/api/v1/teams/<int:team_id>/charter"): (401, 403, 403, 403, 422, 422),
    ("POST", "/api/v1/teams/<int:team_id>/decline"): (401, 403, 403, 403, 422, 422),
    ("POST", "/api/v1/teams/<int:team_id>/close"): (401, 403, 403, 422, 422, 422),
    ("POST", "/api/v1/teams/<int:team_id>/join"): (401, 201, 409, 409, 201, 201),
    ("POST", "/api/v1/teams/<int:team_id>/leave"): (401, 409, 200, 200, 409, 409),
    ("POST", "/api/v1/teams/<int:team_id>/members"): (401, 403, 403, 422, 403, 403),
    ("PATCH", "/api/v1/teams/<int:team_id>/members/<int:user_id>"): (401, 403, 403, 422, 403, 403),
    ("DELETE", "/api/v1/teams/<int:team_id>/members/<int:user_id>"): (401, 403, 403, 409, 403, 403),
    ("GET", "/api/v1/teams/<int:team_id>/activity"): (401, 200, 200, 200, 200, 200),
    # Initiatives: <initiative_id> belongs to the world's team and is owned by its first lead.
    ("GET", "/initiatives/"): (302, 200, 200, 200, 200, 200),
    ("GET", "/initiatives/<int:initiative_id>"): (302, 200, 200, 200, 200, 200),
    ("GET", "/initiatives/<int:initiative_id>/edit"): (302, 403, 200, 200, 200, 200),
    ("POST", "/initiatives/<int:initiative_id>/edit"): (302, 403, 302, 302, 302, 302),
    ("POST", "/initiatives/<int:initiative_id>/move"): (302, 403, 403, 302, 403, 403),
    ("POST", "/initiatives/<int:initiative_id>/updates"): (302, 403, 422, 422, 403, 403),
    ("GET", "/teams/<slug>/board"): (302, 200, 200, 200, 200, 200),
    ("GET", "/teams/<slug>/initiatives/new"): (302, 403, 200, 200, 403, 403),
    ("POST", "/teams/<slug>/initiatives/new"): (302, 403, 422, 422, 403, 403),
    ("GET", "/api/v1/stages"): (401, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/initiatives"): (401, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/initiatives"): (401, 422, 422, 422, 422, 422),
    ("GET", "/api/v1/initiatives/<int:initiative_id>"): (401, 200, 200, 200, 200, 200),
    ("PATCH", "/api/v1/initiatives/<int:initiative_id>"): (401, 403, 422, 422, 422, 422),
    ("POST", "/api/v1/initiatives/<int:initiative_id>/stage"): (401, 403, 403, 422, 403, 403),
    ("GET", "/api/v1/initiatives/<int:initiative_id>/history"): (401, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/initiatives/<int:initiative_id>/updates"): (401, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/initiatives/<int:initiative_id>/updates"): (401, 403, 422, 422, 403, 403),
    # Barriers: <barrier_id> is an open barrier the world's team works on, reported by someone
    # outside the team; <action_id> is an action on it owned by the team's first lead.
    ("GET", "/barriers/"): (302, 200, 200, 200, 200, 200),
    ("GET", "/barriers/export.csv"): (302, 200, 200, 200, 200, 200),
    ("GET", "/barriers/similar"): (302, 200, 200, 200, 200, 200),
    ("GET", "/barriers/new"): (302, 200, 200, 200, 200, 200),
    ("POST", "/barriers/new"): (302, 422, 422, 422, 422, 422),
    ("GET", "/barriers/<int:barrier_id>"): (302, 200, 200, 200, 200, 200),
    ("GET", "/barriers/<int:barrier_id>/edit"): (302, 403, 200, 200, 200, 200),
    ("POST", "/barriers/<int:barrier_id>/edit"): (302, 403, 422, 422, 422, 422),
    ("POST", "/barriers/<int:barrier_id>/resolve"): (302, 403, 403, 422, 422, 422),
    ("POST", "/barriers/<int:barrier_id>/reopen"): (302, 403, 403, 422, 422, 422),
    ("GET", "/actions/"): (302, 200, 200, 200, 200, 200),
    ("GET", "/actions/new"): (302, 302, 302, 302, 302, 302),
    ("POST", "/actions/new"): (302, 302, 302, 302, 302, 302),
    ("GET", "/actions/<int:action_id>/edit"): (302, 403, 403, 200, 200, 200),
    ("POST", "/actions/<int:action_id>/edit"): (302, 403, 403, 422, 422, 422),
    ("GET", "/api/v1/barriers"): (401, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/barriers"): (401, 422, 422, 422, 422, 422),
    ("GET", "/api/v1/barriers/similar"): (401, 422, 422, 422, 422, 422),
    ("GET", "/api/v1/barriers/<int:barrier_id>"): (401, 200, 200, 200, 200, 200),
    ("PATCH", "/api/v1/barriers/<int:barrier_id>"): (401, 403, 422, 422, 422, 422),
    ("GET", "/api/v1/actions"): (401, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/actions"): (401, 422, 422, 422, 422, 422),
    ("GET", "/api/v1/actions/<int:action_id>"): (401, 200, 200, 200, 200, 200),
    ("PATCH", "/api/v1/actions/<int:action_id>"): (401, 403, 403, 422, 422, 422),
    # The portfolio (leadership and admins).
    ("GET", "/portfolio/"): s4(302, 403, 200, 200),
    ("GET", "/api/v1/portfolio"): s4(401, 403, 200, 200),
    ("GET", "/portfolio/board"): s4(302, 403, 200, 200),
    ("GET", "/portfolio/board/teams/<int:team_id>"): s4(302, 403, 200, 200),
    ("GET", "/portfolio/board/teams/<int:team_id>/cards"): s4(302, 403, 200, 200),
    ("GET", "/portfolio/report"): s4(302, 403, 200, 200),
    ("GET", "/portfolio/export/<kind>.csv"): s4(302, 403, 200, 200),
    # Digests: <token> is not a valid unsubscribe token.
    ("GET", "/digest/preview"): s4(302, 200, 200, 200),
    ("GET", "/digest/unsubscribe/<token>"): s4(404, 404, 404, 404),
    ("POST", "/digest/unsubscribe/<token>"): s4(404, 404, 404, 404),
    ("GET", "/api/v1/me/digest"): s4(401, 200, 200, 200),
    # Stories: <story_id> is a story of this month shared by the world's target person (so no
    # role is its author). Empty bodies: an API cheer succeeds, the later HTML cheer is refused
    # with a flash; the DELETE runs before any cheer (409); featuring with no month picks the
    # current month (the later HTML feature is refused with a flash).
    ("GET", "/stories/"): s4(302, 200, 200, 200),
    ("GET", "/stories/new"): s4(302, 200, 200, 200),
    ("POST", "/stories/new"): s4(302, 422, 422, 422),
    ("GET", "/stories/month"): s4(302, 403, 200, 200),
    ("GET", "/stories/archive"): s4(302, 200, 200, 200),
    ("GET", "/stories/<int:story_id>"): s4(302, 200, 200, 200),
    ("GET", "/stories/<int:story_id>/edit"): s4(302, 403, 403, 403),
    ("POST", "/stories/<int:story_id>/edit"): s4(302, 403, 403, 403),
    ("POST", "/stories/<int:story_id>/cheer"): s4(302, 302, 302, 302),
    ("POST", "/stories/<int:story_id>/uncheer"): s4(302, 302, 302, 302),
    ("GET", "/stories/<int:story_id>/hide"): s4(302, 403, 200, 200),
    ("POST", "/stories/<int:story_id>/hide"): s4(302, 403, 422, 422),
    ("POST", "/stories/<int:story_id>/unhide"): s4(302, 403, 302, 302),
    ("POST", "/stories/<int:story_id>/feature"): s4(302, 403, 302, 302),
    ("GET", "/api/v1/stories"): s4(401, 200, 200, 200),
    ("POST", "/api/v1/stories"): s4(401, 422, 422, 422),
    ("GET", "/api/v1/stories/featured"): s4(401, 404, 404, 404),
    ("GET", "/api/v1/stories/<int:story_id>"): s4(401, 200, 200, 200),
    ("PATCH", "/api/v1/stories/<int:story_id>"): s4(401, 403, 403, 403),
    ("POST", "/api/v1/stories/<int:story_id>/cheer"): s4(401, 201, 201, 201),
    ("DELETE", "/api/v1/stories/<int:story_id>/cheer"): s4(401, 409, 409, 409),
    ("POST", "/api/v1/stories/<int:story_id>/hide"): s4(401, 403, 422, 422),
    ("POST", "/api/v1/stories/<int:story_id>/unhide"): s4(401, 403, 409, 409),
    ("POST", "/api/v1/stories/<int:story_id>/feature"): s4(401, 403, 200, 200),
    # Satisfaction: everyone reads; leadership (and admins) record and import. The API import
    # takes text/csv, so the matrix's empty JSON body answers 415 once the role is allowed.
    ("GET", "/satisfaction/"): s4(302, 200, 200, 200),
    ("GET", "/satisfaction/new"): s4(302, 403, 200, 200),
    ("POST", "/satisfaction/new"): s4(302, 403, 422, 422),
    ("GET", "/satisfaction/import"): s4(302, 403, 200, 200),
    ("POST", "/satisfaction/import"): s4(302, 403, 422, 422),
    ("GET", "/satisfaction/template.csv"): s4(302, 200, 200, 200),
    ("GET", "/api/v1/satisfaction"): s4(401, 200, 200, 200),
    ("POST", "/api/v1/satisfaction"): s4(401, 403, 422, 422),
    ("POST", "/api/v1/satisfaction/import"): s4(401, 403, 415, 415),
    ("GET", "/api/v1/satisfaction/summary"): s4(401, 422, 422, 422),
    # The stage pipeline (admins); <stage_id> is a stage no initiative has used.
    ("GET", "/admin/stages"): s4(302, 403, 403, 200),
    ("POST", "/admin/stages"): s4(302, 403, 403, 422),
    ("POST", "/admin/stages/<int:stage_id>/edit"): s4(302, 403, 403, 302),
    ("POST", "/admin/stages/<int:stage_id>/move"): s4(302, 403, 403, 302),
    ("GET", "/admin/stages/<int:stage_id>/delete"): s4(302, 403, 403, 200),
    ("POST", "/admin/stages/<int:stage_id>/delete"): s4(302, 403, 403, 302),
    # Single sign-on: <provider> is not configured (the matrix app has none); <identity_id> is
    # the target person's linked identity. Without a provider, "SSO only" cannot be switched on.
    ("GET", "/auth/sso/<provider>"): s4(404, 302, 302, 302),
    ("GET", "/auth/sso/<provider>/callback"): s4(404, 404, 404, 404),
    ("GET", "/account/welcome"): s4(302, 200, 200, 200),
    ("POST", "/account/welcome"): s4(302, 422, 422, 422),
    ("GET", "/admin/sign-in"): s4(302, 403, 403, 200),
    ("GET", "/admin/sign-in/sso-only"): s4(302, 403, 403, 302),
    ("POST", "/admin/sign-in/sso-only"): s4(302, 403, 403, 302),
    ("POST", "/admin/sign-in/sso-only/off"): s4(302, 403, 403, 302),
    ("GET", "/admin/users/<int:user_id>/identities/<int:identity_id>/unlink"): s4(
        302, 403, 403, 200
    ),
    ("POST", "/admin/users/<int:user_id>/identities/<int:identity_id>/unlink"): s4(
        302, 403, 403, 302
    ),
    # Security (admins): the audit log, and signing a person out everywhere.
    ("GET", "/admin/audit"): s4(302, 403, 403, 200),
    ("GET", "/admin/users/<int:user_id>/sign-out"): s4(302, 403, 403, 200),
    ("POST", "/admin/users/<int:user_id>/sign-out"): s4(302, 403, 403, 302),
    # Surveys: <survey_id> is a published survey for staff and customers (leadership's, no
    # owners, no answers yet) with a required rating; <question_id> is its first question.
    # "close" sorts after "answer", so the answer page sees it open; the public pages get the
    # world's invalid <token> (404).
    ("GET", "/surveys/"): s4(302, 200, 200, 200),
    ("GET", "/surveys/new"): s4(302, 403, 200, 200),
    ("POST", "/surveys/new"): s4(302, 403, 422, 422),
    ("GET", "/surveys/<int:survey_id>"): s4(302, 200, 200, 200),
    ("GET", "/surveys/<int:survey_id>/edit"): s4(302, 403, 200, 200),
    ("POST", "/surveys/<int:survey_id>/edit"): s4(302, 403, 422, 422),
    ("POST", "/surveys/<int:survey_id>/questions/<int:question_id>/move"): s4(302, 403, 302, 302),
    ("GET", "/surveys/<int:survey_id>/preview"): s4(302, 403, 200, 200),
    ("POST", "/surveys/<int:survey_id>/publish"): s4(302, 403, 302, 302),
    ("POST", "/surveys/<int:survey_id>/announce"): s4(302, 403, 302, 302),
    ("POST", "/surveys/<int:survey_id>/close"): s4(302, 403, 302, 302),
    ("POST", "/surveys/<int:survey_id>/copy"): s4(302, 403, 302, 302),
    ("POST", "/surveys/<int:survey_id>/new-version"): s4(302, 403, 302, 302),
    ("POST", "/surveys/<int:survey_id>/owners"): s4(302, 403, 302, 302),
    ("GET", "/surveys/<int:survey_id>/poster"): s4(302, 403, 200, 200),
    ("GET", "/surveys/<int:survey_id>/answer"): s4(302, 200, 200, 200),
    ("POST", "/surveys/<int:survey_id>/answer"): s4(302, 422, 422, 422),
    # The triage queue: <comment_id> is a free-text answer to another published customer survey
    # of the same leader; staff may not see it (404). An empty coding is refused with a flash.
    ("GET", "/surveys/<int:survey_id>/comments"): s4(302, 403, 200, 200),
    ("POST", "/survey-comments/<int:survey_comment_id>/code"): s4(302, 404, 302, 302),
    ("GET", "/survey-comments/<int:survey_comment_id>/barrier"): s4(302, 404, 200, 200),
    ("POST", "/survey-comments/<int:survey_comment_id>/barrier"): s4(302, 404, 422, 422),
    ("GET", "/survey-comments/<int:survey_comment_id>"): s4(302, 404, 302, 302),
    # The surveys API acts on <comment_id>'s survey (published for customers, one answer), so
    # closing and copying it leave the pages' survey alone. An anonymous caller may POST an
    # answer (customers need no token): the empty body is 422 for everyone.
    ("GET", "/api/v1/surveys"): s4(401, 200, 200, 200),
    ("POST", "/api/v1/surveys"): s4(401, 403, 422, 422),
    ("GET", "/api/v1/surveys/<int:survey_id>"): s4(401, 200, 200, 200),
    ("PATCH", "/api/v1/surveys/<int:survey_id>"): s4(401, 403, 422, 422),
    ("POST", "/api/v1/surveys/<int:survey_id>/publish"): s4(401, 403, 409, 409),
    ("POST", "/api/v1/surveys/<int:survey_id>/close"): s4(401, 403, 200, 200),
    ("POST", "/api/v1/surveys/<int:survey_id>/copy"): s4(401, 403, 201, 201),
    ("POST", "/api/v1/surveys/<int:survey_id>/responses"): s4(422, 422, 422, 422),
    ("PATCH", "/api/v1/surveys/<int:survey_id>/responses/mine"): s4(401, 422, 422, 422),
    ("GET", "/api/v1/surveys/<int:survey_id>/comments"): s4(401, 403, 200, 200),
    ("POST", "/api/v1/survey-comments/<int:survey_comment_id>/code"): s4(401, 404, 422, 422),
    # Results, export and comparison: the world's survey is open, so only owners and
    # leadership read its results; it is a first wave (the comparison says so, 200).
    ("GET", "/surveys/<int:survey_id>/results"): s4(302, 403, 200, 200),
    ("GET", "/surveys/<int:survey_id>/results.csv"): s4(302, 403, 200, 200),
    ("GET", "/surveys/<int:survey_id>/comparison"): s4(302, 403, 200, 200),
    ("GET", "/surveys/comparison/latest"): s4(302, 200, 200, 200),
    ("GET", "/api/v1/surveys/<int:survey_id>/results"): s4(401, 403, 200, 200),
    ("GET", "/api/v1/surveys/<int:survey_id>/comparison"): s4(401, 403, 200, 200),
    ("GET", "/s/<token>"): s4(404, 404, 404, 404),
    ("POST", "/s/<token>"): s4(404, 404, 404, 404),
    ("GET", "/s/<token>/kiosk"): s4(404, 404, 404, 404),
    ("POST", "/s/<token>/kiosk"): s4(404, 404, 404, 404),
    # Conversations: <target_kind>/<target_id> is the world's barrier; <comment_id> is the target
    # person's comment on it (so no role is its author); <notification_id> is the target
    # person's (404 for everyone else). Empty bodies are refused (422); the API "me too" runs
    # before the page's (201, then a flash), its DELETE before both (409).
    ("GET", "/conversations/<target_kind>/<int:target_id>"): s4(302, 200, 200, 200),
    ("POST", "/conversations/<target_kind>/<int:target_id>/comments"): s4(302, 422, 422, 422),
    ("GET", "/conversations/<target_kind>/<int:target_id>/people"): s4(302, 200, 200, 200),
    ("GET", "/comments/<int:comment_id>"): s4(302, 302, 302, 302),
    ("GET", "/comments/<int:comment_id>/edit"): s4(302, 403, 403, 403),
    ("POST", "/comments/<int:comment_id>/edit"): s4(302, 403, 403, 403),
    ("POST", "/comments/<int:comment_id>/delete"): s4(302, 403, 403, 403),
    ("GET", "/comments/<int:comment_id>/hide"): s4(302, 403, 200, 200),
    ("POST", "/comments/<int:comment_id>/hide"): s4(302, 403, 422, 422),
    ("POST", "/barriers/<int:barrier_id>/support"): s4(302, 302, 302, 302),
    ("POST", "/barriers/<int:barrier_id>/unsupport"): s4(302, 302, 302, 302),
    ("GET", "/inbox"): s4(302, 200, 200, 200),
    ("GET", "/search"): s4(302, 200, 200, 200),
    ("GET", "/search/suggest"): s4(302, 200, 200, 200),
    ("GET", "/api/v1/search"): s4(401, 422, 422, 422),
    ("POST", "/inbox/read"): s4(302, 302, 302, 302),
    ("POST", "/inbox/<int:notification_id>/open"): s4(302, 404, 404, 404),
    ("GET", "/inbox/preferences"): s4(302, 200, 200, 200),
    ("POST", "/inbox/preferences"): s4(302, 422, 422, 422),
    ("GET", "/following"): s4(302, 200, 200, 200),
    ("GET", "/following/<target_kind>/<int:target_id>"): s4(302, 302, 302, 302),
    ("POST", "/follow/<target_kind>/<int:target_id>"): s4(302, 302, 302, 302),
    ("POST", "/unfollow/<target_kind>/<int:target_id>"): s4(302, 302, 302, 302),
    (
        "GET",
        "/api/v1/<any(initiatives,updates,barriers,actions,stories,teams):target_kind>/<int:target_id>/comments",
    ): s4(401, 200, 200, 200),
    (
        "POST",
        "/api/v1/<any(initiatives,updates,barriers,actions,stories,teams):target_kind>/<int:target_id>/comments",
    ): s4(401, 422, 422, 422),
    ("GET", "/api/v1/comments/<int:comment_id>"): s4(401, 200, 200, 200),
    ("PATCH", "/api/v1/comments/<int:comment_id>"): s4(401, 403, 403, 403),
    ("DELETE", "/api/v1/comments/<int:comment_id>"): s4(401, 403, 403, 403),
    ("POST", "/api/v1/comments/<int:comment_id>/hide"): s4(401, 403, 422, 422),
    ("POST", "/api/v1/barriers/<int:barrier_id>/support"): s4(401, 201, 201, 201),
    ("DELETE", "/api/v1/barriers/<int:barrier_id>/support"): s4(401, 409, 409, 409),
    ("GET", "/api/v1/me/follows"): s4(401, 200, 200, 200),
    (
        "PUT",
        "/api/v1/<any(initiatives,updates,barriers,actions,stories,teams):target_kind>/<int:target_id>/follow",
    ): s4(401, 200, 200, 200),
    (
        "DELETE",
        "/api/v1/<any(initiatives,updates,barriers,actions,stories,teams):target_kind>/<int:target_id>/follow",
    ): s4(401, 204, 204, 204),
    ("GET", "/api/v1/me/notifications"): s4(401, 200, 200, 200),
    ("POST", "/api/v1/me/notifications/read"): s4(401, 422, 422, 422),
}
PROPOSED_TEAM_ROUTES = {
    "/teams/<slug>/charter",
    "/teams/<slug>/decline",
    "/api/v1/teams/<int:team_id>/charter",
    "/api/v1/teams/<int:team_id>/decline",
}
# Routes that delete, end a membership or end the session run last, in this order.
LAST = (("delete", "remove"), ("leave",), ("logout",))


def app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule.rule))
    return routes - EXEMPT


def test_every_route_is_in_the_matrix(app):
    missing = app_routes(app) - set(MATRIX)
    assert not missing, f"add these routes to MATRIX: {sorted(missing)}"
    stale = set(MATRIX) - app_routes(app)
    assert not stale, f"MATRIX lists routes the app does not have: {sorted(stale)}"


@pytest.fixture
def path_targets(app):
    """What the path parameters point at: a person with an open request to join the team (and
    an API token), an empty department, an active ask-to-join team and a proposed one."""
    target = UserFactory(name="Target Person")
    token, _ = create_token(target, "target token")
    dept = DepartmentFactory(name="Empty Branch")
    team_lead = UserFactory(name="World Lead")
    team = make_team(team_lead, name="World Team", open_to_join=False)
    services.join_team(target, team)
    proposed = make_team(team_lead, name="Proposed Team", status="proposed")
    initiative = initiative_services.create_initiative(
        team_lead, services.get_team(team.id), initiative_services.Details(title="World Initiative")
    )
    barrier = barrier_services.report_barrier(
        target,
        barrier_services.BarrierDetails(
            title="World Barrier",
            category="process",
            affects="customers",
            severity="high",
            source="survey",
            team_id=team.id,
        ),
    )
    action = barrier_services.log_action(
        team_lead,
        barrier_services.ActionDetails("World action"),
        barrier=barrier_services.get_barrier(barrier.id),
    )
    story = make_story(target, title="World Story")
    comment = conversation_services.add_comment(
        target, load_target("barriers", barrier.id), "A world comment"
    )
    notice = notification_services.notify(
        [target.id], "mention", "World notice", "/inbox", "world:1"
    )[0]
    failed_job = make_failed_job(target)
    identity = UserIdentity(
        user_id=target.id, provider="testidp", subject="world-sub", email=target.email
    )
    db.session.add(identity)
    db.session.commit()
    survey_lead = UserFactory(role="leadership", name="Survey Leader")
    survey = make_survey(survey_lead, audience="both")
    commented = make_survey(survey_lead)
    survey_services.respond_publicly(
        commented,
        survey_services.Submission(survey_answers(commented, text="World comment")),
    )
    comment_id = db.session.scalar(
        select(SurveyComment.id).where(SurveyComment.survey_id == commented.id)
    )
    return {
        "survey_comment_id": comment_id,
        "api_survey_id": commented.id,
        "survey_id": survey.id,
        "question_id": survey.questions[0].id,
        "target_kind": "barriers",
        "target_id": barrier.id,
        "comment_id": comment.id,
        "notification_id": notice.id,
        "job_id": failed_job.id,
        "provider": "nosuch",
        "identity_id": identity.id,
        "story_id": story.id,
        "kind": "initiatives",
        "barrier_id": barrier.id,
        "action_id": action.id,
        "user_id": target.id,
        "token_id": token.id,
        "dept_id": dept.id,
        "token": "not-a-valid-token",
        "slug": team.slug,
        "team_id": team.id,
        "team_lead": team_lead,
        "proposed_slug": proposed.slug,
        "proposed_id": proposed.id,
        "initiative_id": initiative.id,
        "stage_id": next(st.id for st in pipeline.stages() if st.name == "Sustain"),
    }


def _actor(role: str, world: dict):
    """The acting user for a role; "member" and "lead" belong to the world's team."""
    if role == "anon":
        return None
    if role not in ("member", "lead"):
        return UserFactory(role=role, name=f"{role} person")
    user = UserFactory(name=f"{role} person")
    services.add_member(world["team_lead"], services.get_team(world["team_id"]), user.id)
    if role == "lead":
        services.set_member_role(
            world["team_lead"], services.get_team(world["team_id"]), user.id, "lead"
        )
    return user


def _path(rule: str, world: dict) -> str:
    if rule in PROPOSED_TEAM_ROUTES:
        world = {**world, "slug": world["proposed_slug"], "team_id": world["proposed_id"]}
    if rule.startswith("/api/v1/surveys/"):
        world = {**world, "survey_id": world["api_survey_id"]}
    for name, value in world.items():
        rule = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", str(value), rule)
    return rule


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, path_targets, role):
    failures = []
    client = app.test_client()
    user = _actor(role, path_targets)
    if user is not None:
        login(client, user)

    def rank(rule: str) -> int:
        return next((i + 1 for i, words in enumerate(LAST) if any(w in rule for w in words)), 0)

    order = sorted(MATRIX.items(), key=lambda item: (rank(item[0][1]), item[0]))
    for (method, rule), expected in order:
        path = _path(rule, path_targets)
        status = expected[ROLES.index(role)]
        if rule.startswith("/api/v1/") and rule != "/api/v1/openapi.json":
            secret = create_token(user, f"matrix {method} {path}"[:80])[1] if user else None
            api = ApiClient(client, secret)
            call = getattr(api, method.lower())
            kwargs = {"json": {}} if method in ("POST", "PATCH") else {}
            got = call(path[len("/api/v1") :], **kwargs).status_code
        elif method == "GET":
            got = client.get(path).status_code
        else:
            page = client.get("/account/" if user else "/auth/login").get_data(as_text=True)
            token = CSRF_RE.search(page).group(1)
            got = client.open(path, method=method, data={"csrf_token": token}).status_code
        if got != status:
            failures.append(f"{method} {rule} as {role}: expected {status}, got {got}")
    assert not failures, "\n".join(failures)
