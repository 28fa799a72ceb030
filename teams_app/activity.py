"""The event vocabulary and ``record()``, the one way code writes to the activity log.

Every event is a :class:`Verb` (a ``StrEnum``: the stored ``activities.verb`` is its plain
string), a subject (one of :data:`SUBJECT_TYPES`, stored as its :class:`Subject` string) and a
payload whose keys are declared once per verb (:data:`PAYLOADS`). ``record()`` refuses an unknown
verb, an unmapped subject, or a payload with a missing or unexpected key, so a typo fails in the
tests instead of writing an event the feed, the digest or a notice cannot read. ``describe()``
gives the sentence a feed shows.
"""

from __future__ import annotations

import enum
from typing import Any, TypedDict

from teams_app.extensions import db
from teams_app.models import (
    Action,
    Activity,
    ApiToken,
    Barrier,
    Comment,
    Department,
    Health,
    ImpactStory,
    Initiative,
    OutboxJob,
    SatisfactionResult,
    Stage,
    Survey,
    Team,
    User,
)


class Verb(enum.StrEnum):
    """What happened. The values are the strings stored in ``activities.verb``: never rename one
    (old rows keep it); add a member, its payload and (for a feed) its sentence instead."""

    # Teams
    PROPOSED = "proposed"
    EDITED_CHARTER = "edited_charter"
    CHARTERED = "chartered"
    DECLINED = "declined"
    CLOSED = "closed"
    JOINED = "joined"
    REQUESTED_TO_JOIN = "requested_to_join"
    ACCEPTED_REQUEST = "accepted_request"
    DECLINED_REQUEST = "declined_request"
    ADDED_MEMBER = "added_member"
    PROMOTED = "promoted"
    DEMOTED = "demoted"
    REMOVED_MEMBER = "removed_member"
    LEFT = "left"
    # Initiatives and the pipeline
    CREATED_INITIATIVE = "created_initiative"
    EDITED_INITIATIVE = "edited_initiative"
    MOVED_INITIATIVE = "moved_initiative"
    POSTED_UPDATE = "posted_update"
    ADDED_STAGE = "added_stage"
    RENAMED_STAGE = "renamed_stage"
    REORDERED_STAGE = "reordered_stage"
    DELETED_STAGE = "deleted_stage"
    # Barriers and actions
    REPORTED_BARRIER = "reported_barrier"
    EDITED_BARRIER = "edited_barrier"
    LINKED_BARRIER = "linked_barrier"
    RESOLVED_BARRIER = "resolved_barrier"
    REOPENED_BARRIER = "reopened_barrier"
    LOGGED_ACTION = "logged_action"
    UPDATED_ACTION = "updated_action"
    STARTED_ACTION = "started_action"
    COMPLETED_ACTION = "completed_action"
    DROPPED_ACTION = "dropped_action"
    MOVED_ACTION = "moved_action"
    RESTORED_ACTION = "restored_action"
    # Satisfaction
    RECORDED_SATISFACTION = "recorded_satisfaction"
    IMPORTED_SATISFACTION = "imported_satisfaction"
    # Impact stories
    SHARED_STORY = "shared_story"
    EDITED_STORY = "edited_story"
    CHEERED_STORY = "cheered_story"
    UNCHEERED_STORY = "uncheered_story"
    HID_STORY = "hid_story"
    UNHID_STORY = "unhid_story"
    FEATURED_STORY = "featured_story"
    REPORTED_BARRIER_FROM_STORY = "reported_barrier_from_story"
    # People, accounts and operations
    INVITED = "invited"
    REINVITED = "reinvited"
    ACCEPTED_INVITATION = "accepted_invitation"
    RESET_PASSWORD = "reset_password"
    SIGNED_UP = "signed_up"
    CHANGED_ROLE = "changed_role"
    REACTIVATED = "reactivated"
    DEACTIVATED = "deactivated"
    ENDED_SESSIONS = "ended_sessions"
    UPDATED_PROFILE = "updated_profile"
    CHANGED_PASSWORD = "changed_password"
    CHANGED_EMAIL = "changed_email"
    CREATED_DEPARTMENT = "created_department"
    UPDATED_DEPARTMENT = "updated_department"
    DELETED_DEPARTMENT = "deleted_department"
    CREATED_TOKEN = "created_token"
    REVOKED_TOKEN = "revoked_token"
    RESENT_JOB = "resent_job"
    # Conversations
    COMMENTED = "commented"
    DELETED_COMMENT = "deleted_comment"
    HID_COMMENT = "hid_comment"
    SUPPORTED_BARRIER = "supported_barrier"
    UNSUPPORTED_BARRIER = "unsupported_barrier"
    # Surveys
    CREATED_SURVEY = "created_survey"
    EDITED_SURVEY = "edited_survey"
    NAMED_SURVEY_OWNERS = "named_survey_owners"
    COPIED_SURVEY = "copied_survey"
    REVISED_SURVEY = "revised_survey"
    PUBLISHED_SURVEY = "published_survey"
    ANNOUNCED_SURVEY = "announced_survey"
    CLOSED_SURVEY = "closed_survey"
    CODED_SURVEY_COMMENT = "coded_survey_comment"


class Subject(enum.StrEnum):
    """What an event is about: the strings stored in ``activities.subject_type``."""

    TEAM = "team"
    INITIATIVE = "initiative"
    STAGE = "stage"
    BARRIER = "barrier"
    ACTION = "action"
    STORY = "impactstory"
    SATISFACTION = "satisfactionresult"
    USER = "user"
    DEPARTMENT = "department"
    TOKEN = "apitoken"
    JOB = "outboxjob"
    SURVEY = "survey"
    COMMENT = "comment"


SUBJECT_TYPES: dict[type, Subject] = {
    Team: Subject.TEAM,
    Initiative: Subject.INITIATIVE,
    Stage: Subject.STAGE,
    Barrier: Subject.BARRIER,
    Action: Subject.ACTION,
    ImpactStory: Subject.STORY,
    SatisfactionResult: Subject.SATISFACTION,
    User: Subject.USER,
    Department: Subject.DEPARTMENT,
    ApiToken: Subject.TOKEN,
    OutboxJob: Subject.JOB,
    Survey: Subject.SURVEY,
    Comment: Subject.COMMENT,
}


# --- Payloads: the keys each verb's ``data`` carries ---------------------------------------------


class NoData(TypedDict):
    pass


class Charter(TypedDict):
    fields: list[str]


class Chartered(TypedDict):
    sponsor: str
    note: str | None


class Reason(TypedDict):
    reason: str


class Joining(TypedDict):
    user_id: int
    message: str | None


class MemberChange(TypedDict):
    user_id: int
    name: str


class Leaving(TypedDict):
    user_id: int


class InitiativeTitle(TypedDict):
    title: str


class InitiativeMove(TypedDict):
    title: str
    from_stage: str
    to_stage: str
    note: str | None


class HealthUpdate(TypedDict):
    title: str
    health: str
    previous_health: str


class Named(TypedDict):
    name: str


class Renamed(TypedDict):
    before: str
    after: str


class BarrierTitle(TypedDict):
    title: str
    barrier_id: int


class BarrierLink(BarrierTitle):
    to: str


class BarrierResolution(BarrierTitle):
    outcome: str
    resolution: str | None


class BarrierReopening(BarrierTitle):
    reason: str
    was: str


class ActionData(TypedDict):
    """What every action event carries (``barriers.services._action_data``)."""

    description: str
    barrier_id: int | None
    initiative_id: int | None
    owner: str | None
    status: str


class ActionUpdate(ActionData):
    was: str
    outcome: str | None


class ActionSettled(ActionData, total=False):
    """Finished or dropped: by an update (``was``, ``outcome``) or by closing its barrier
    (``with_barrier``). ``total=False`` makes only these optional (a ``NotRequired`` is not
    seen at run time under ``from __future__ import annotations`` on Python 3.11)."""

    was: str
    outcome: str | None
    with_barrier: bool


class ActionMove(ActionData):
    initiative: str


class SatisfactionRecorded(TypedDict):
    metric: str
    period: str
    when: str
    score: str
    scale_max: str
    department: str | None


class SatisfactionImported(TypedDict):
    count: int
    metrics: str
    first: str
    last: str


class StoryTitle(TypedDict):
    title: str
    story_id: int


class StoryHidden(StoryTitle):
    reason: str


class StoryFeatured(StoryTitle):
    month: str
    replaced: str | None


class StoryBarrier(StoryTitle):
    barrier: str
    barrier_id: int


class Invited(TypedDict):
    email: str
    role: str


class JobResent(TypedDict):
    func: str
    label: str
    key: str | None


class SurveyTitle(TypedDict):
    title: str


class SurveyRevised(SurveyTitle):
    source_id: int


class SurveyCopied(SurveyRevised):
    wave: int


class SurveyClosed(SurveyTitle):
    period: str | None
    results: int


class CommentOn(TypedDict):
    kind: str
    title: str


class Commented(CommentOn):
    target_id: int
    excerpt: str
    reply: bool


class CommentHidden(CommentOn):
    reason: str
    url: str


class BarrierSupported(TypedDict):
    title: str
    barrier_id: int
    comment: str | None


class BarrierUnsupported(TypedDict):
    title: str


class SurveyCommentCoded(SurveyTitle):
    """Never the comment's words or its respondent: only which comment and how it was coded."""

    comment_id: int
    coded_as: str
    barrier_id: int | None


PAYLOADS: dict[Verb, type] = {
    Verb.PROPOSED: NoData,
    Verb.EDITED_CHARTER: Charter,
    Verb.CHARTERED: Chartered,
    Verb.DECLINED: Reason,
    Verb.CLOSED: NoData,
    Verb.JOINED: Joining,
    Verb.REQUESTED_TO_JOIN: Joining,
    Verb.ACCEPTED_REQUEST: MemberChange,
    Verb.DECLINED_REQUEST: MemberChange,
    Verb.ADDED_MEMBER: MemberChange,
    Verb.PROMOTED: MemberChange,
    Verb.DEMOTED: MemberChange,
    Verb.REMOVED_MEMBER: MemberChange,
    Verb.LEFT: Leaving,
    Verb.CREATED_INITIATIVE: InitiativeTitle,
    Verb.EDITED_INITIATIVE: InitiativeTitle,
    Verb.MOVED_INITIATIVE: InitiativeMove,
    Verb.POSTED_UPDATE: HealthUpdate,
    Verb.ADDED_STAGE: Named,
    Verb.RENAMED_STAGE: Renamed,
    Verb.REORDERED_STAGE: Named,
    Verb.DELETED_STAGE: Named,
    Verb.REPORTED_BARRIER: BarrierTitle,
    Verb.EDITED_BARRIER: BarrierTitle,
    Verb.LINKED_BARRIER: BarrierLink,
    Verb.RESOLVED_BARRIER: BarrierResolution,
    Verb.REOPENED_BARRIER: BarrierReopening,
    Verb.LOGGED_ACTION: ActionData,
    Verb.UPDATED_ACTION: ActionUpdate,
    Verb.STARTED_ACTION: ActionUpdate,
    Verb.COMPLETED_ACTION: ActionSettled,
    Verb.DROPPED_ACTION: ActionSettled,
    Verb.MOVED_ACTION: ActionMove,
    Verb.RESTORED_ACTION: ActionData,
    Verb.RECORDED_SATISFACTION: SatisfactionRecorded,
    Verb.IMPORTED_SATISFACTION: SatisfactionImported,
    Verb.SHARED_STORY: StoryTitle,
    Verb.EDITED_STORY: StoryTitle,
    Verb.CHEERED_STORY: StoryTitle,
    Verb.UNCHEERED_STORY: StoryTitle,
    Verb.HID_STORY: StoryHidden,
    Verb.UNHID_STORY: StoryTitle,
    Verb.FEATURED_STORY: StoryFeatured,
    Verb.REPORTED_BARRIER_FROM_STORY: StoryBarrier,
    Verb.INVITED: Invited,
    Verb.REINVITED: NoData,
    Verb.ACCEPTED_INVITATION: NoData,
    Verb.RESET_PASSWORD: NoData,
    Verb.SIGNED_UP: NoData,
    Verb.CHANGED_ROLE: Renamed,
    Verb.REACTIVATED: NoData,
    Verb.DEACTIVATED: NoData,
    Verb.ENDED_SESSIONS: NoData,
    Verb.UPDATED_PROFILE: NoData,
    Verb.CHANGED_PASSWORD: NoData,
    Verb.CHANGED_EMAIL: NoData,
    Verb.CREATED_DEPARTMENT: Named,
    Verb.UPDATED_DEPARTMENT: Renamed,
    Verb.DELETED_DEPARTMENT: Named,
    Verb.CREATED_TOKEN: Named,
    Verb.REVOKED_TOKEN: Named,
    Verb.RESENT_JOB: JobResent,
    Verb.COMMENTED: Commented,
    Verb.DELETED_COMMENT: CommentOn,
    Verb.HID_COMMENT: CommentHidden,
    Verb.SUPPORTED_BARRIER: BarrierSupported,
    Verb.UNSUPPORTED_BARRIER: BarrierUnsupported,
    Verb.CREATED_SURVEY: SurveyTitle,
    Verb.EDITED_SURVEY: SurveyTitle,
    Verb.NAMED_SURVEY_OWNERS: SurveyTitle,
    Verb.COPIED_SURVEY: SurveyCopied,
    Verb.REVISED_SURVEY: SurveyRevised,
    Verb.PUBLISHED_SURVEY: SurveyTitle,
    Verb.ANNOUNCED_SURVEY: SurveyTitle,
    Verb.CLOSED_SURVEY: SurveyClosed,
    Verb.CODED_SURVEY_COMMENT: SurveyCommentCoded,
}

# The team events that mail the people they concern (jobs/notify.py writes and addresses them).
TEAM_NOTICES = frozenset(
    {
        Verb.CHARTERED,
        Verb.DECLINED,
        Verb.CLOSED,
        Verb.REQUESTED_TO_JOIN,
        Verb.ACCEPTED_REQUEST,
        Verb.DECLINED_REQUEST,
        Verb.ADDED_MEMBER,
    }
)


class BadEvent(TypeError):
    """An event that does not match the vocabulary: a programming error, never user input."""


def _checked(verb: Verb, data: dict[str, Any]) -> None:
    payload = PAYLOADS[verb]
    required: frozenset[str] = payload.__required_keys__  # type: ignore[attr-defined]
    optional: frozenset[str] = payload.__optional_keys__  # type: ignore[attr-defined]
    missing = required - data.keys()
    unknown = data.keys() - required - optional
    if missing or unknown:
        raise BadEvent(
            f"{verb.value} takes {payload.__name__}: "
            f"missing {sorted(missing)}, unexpected {sorted(unknown)}"
        )


def subject_type(subject: Any) -> Subject:
    """The stored ``subject_type`` of a model instance (only the mapped models have one)."""
    try:
        return SUBJECT_TYPES[type(subject)]
    except KeyError:
        raise BadEvent(f"{type(subject).__name__} is not an activity subject") from None


def record(
    actor: User | None, verb: Verb, subject: Any, *, team: Any = None, **data: Any
) -> Activity:
    """Add an event to the current unit of work; the caller's commit makes it durable.

    ``team`` files the event in that team's feed (and, later, its members' digests). ``data``
    must have exactly the keys of the verb's payload (:data:`PAYLOADS`).
    """
    verb = Verb(verb)
    _checked(verb, data)
    event = Activity(
        actor_id=actor.id if actor is not None else None,
        verb=verb.value,
        subject_type=subject_type(subject).value,
        subject_id=subject.id,
        team_id=team.id if team is not None else None,
        data=data,
    )
    db.session.add(event)
    return event


# --- Sentences ---------------------------------------------------------------------------------

SENTENCES: dict[str, str] = {
    Verb.PROPOSED: "proposed the team",
    Verb.EDITED_CHARTER: "edited the charter",
    Verb.CHARTERED: "chartered the team with {sponsor} as sponsor",
    Verb.DECLINED: "declined the proposal: “{reason}”",
    Verb.CLOSED: "closed the team",
    Verb.JOINED: "joined the team",
    Verb.REQUESTED_TO_JOIN: "asked to join",
    Verb.ACCEPTED_REQUEST: "accepted {name}'s request to join",
    Verb.DECLINED_REQUEST: "declined {name}'s request to join",
    Verb.ADDED_MEMBER: "added {name}",
    Verb.PROMOTED: "made {name} a lead",
    Verb.DEMOTED: "made {name} a member instead of a lead",
    Verb.REMOVED_MEMBER: "removed {name}",
    Verb.LEFT: "left the team",
    Verb.CREATED_INITIATIVE: "added the initiative “{title}”",
    Verb.EDITED_INITIATIVE: "edited the initiative “{title}”",
    Verb.MOVED_INITIATIVE: "moved “{title}” from {from_stage} to {to_stage}",
    Verb.POSTED_UPDATE: "posted an update on “{title}”: {health_text}",
    Verb.REPORTED_BARRIER: "reported the barrier “{title}”",
    Verb.EDITED_BARRIER: "edited the barrier “{title}”",
    Verb.LINKED_BARRIER: "linked the barrier “{title}” to {to}",
    Verb.RESOLVED_BARRIER: "closed the barrier “{title}” as {outcome}",
    Verb.REOPENED_BARRIER: "reopened the barrier “{title}”: “{reason}”",
    Verb.LOGGED_ACTION: "logged an action: “{description}”",
    Verb.UPDATED_ACTION: "updated the action “{description}”",
    Verb.STARTED_ACTION: "started on the action “{description}”",
    Verb.COMPLETED_ACTION: "marked the action “{description}” done",
    Verb.DROPPED_ACTION: "dropped the action “{description}”",
    Verb.MOVED_ACTION: "moved the action “{description}” to the initiative “{initiative}”",
    Verb.RESTORED_ACTION: "brought back the action “{description}”",
    Verb.RECORDED_SATISFACTION: "recorded {metric} for {when}: {score} of {scale_max}",
    Verb.IMPORTED_SATISFACTION: (
        "imported {count} satisfaction results ({metrics}, {first} to {last})"
    ),
    Verb.SHARED_STORY: "shared the impact story “{title}”",
    Verb.EDITED_STORY: "edited the impact story “{title}”",
    Verb.CHEERED_STORY: "cheered the impact story “{title}”",
    Verb.UNCHEERED_STORY: "took back a cheer for the impact story “{title}”",
    Verb.HID_STORY: "hid the impact story “{title}”: “{reason}”",
    Verb.UNHID_STORY: "put the impact story “{title}” back in the feed",
    Verb.FEATURED_STORY: "made “{title}” the Impact Story of the Month for {month}",
    Verb.REPORTED_BARRIER_FROM_STORY: "reported the barrier “{barrier}” from the story “{title}”",
    Verb.RESENT_JOB: "resent the failed job “{label}”",
    Verb.CREATED_SURVEY: "started the survey “{title}”",
    Verb.EDITED_SURVEY: "edited the survey “{title}”",
    Verb.NAMED_SURVEY_OWNERS: "named the owners of the survey “{title}”",
    Verb.COPIED_SURVEY: "copied the survey “{title}” for wave {wave}",
    Verb.REVISED_SURVEY: "made a new version of the survey “{title}”",
    Verb.PUBLISHED_SURVEY: "published the survey “{title}”",
    Verb.ANNOUNCED_SURVEY: "announced the survey “{title}” by mail",
    Verb.CLOSED_SURVEY: "closed the survey “{title}”",
    Verb.COMMENTED: "commented on “{title}”",
    Verb.DELETED_COMMENT: "deleted a comment on “{title}”",
    Verb.HID_COMMENT: "hid a comment on “{title}”: “{reason}”",
    Verb.SUPPORTED_BARRIER: "said “me too” on the barrier “{title}”",
    Verb.UNSUPPORTED_BARRIER: "took back a “me too” on the barrier “{title}”",
    Verb.CODED_SURVEY_COMMENT: "coded a comment of the survey “{title}”",
}

# What a sentence says when an old row lacks a key (rows written before a payload grew one).
_FALLBACKS = {
    "sponsor": "a sponsor",
    "name": "someone",
    "reason": "",
    "title": "",
    "to": "a team",
    "outcome": "closed",
    "description": "",
    "initiative": "its initiative",
}


def _health_words(value: str) -> str:
    """A health inside a sentence: "on track" (``Health.label``, lower case)."""
    try:
        return Health(value).label.lower()
    except ValueError:
        return value.replace("_", " ")


def describe(event: Activity) -> str:
    """One plain sentence for a feed, without the actor's name (templates put it first)."""
    template = SENTENCES.get(event.verb)
    if template is None:
        return event.verb.replace("_", " ")
    data = {**_FALLBACKS, **(event.data or {})}
    data["health_text"] = _health_words(str(data.get("health", "")))
    return template.format(**data)
