"""record(): the one way code writes to the activity log."""

from __future__ import annotations

from typing import Any

from teams_app.extensions import db
from teams_app.models import Activity, User


def record(
    actor: User | None, verb: str, subject: Any, *, team: Any = None, **data: Any
) -> Activity:
    """Add an event to the current unit of work; the caller's commit makes it durable.

    ``team`` files the event in that team's feed (and, later, its members' digests).
    """
    event = Activity(
        actor_id=actor.id if actor is not None else None,
        verb=verb,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.id,
        team_id=team.id if team is not None else None,
        data=data,
    )
    db.session.add(event)
    return event


_SENTENCES = {
    "proposed": "proposed the team",
    "edited_charter": "edited the charter",
    "chartered": "chartered the team with {sponsor} as sponsor",
    "declined": "declined the proposal: “{reason}”",
    "closed": "closed the team",
    "joined": "joined the team",
    "requested_to_join": "asked to join",
    "accepted_request": "accepted {name}'s request to join",
    "declined_request": "declined {name}'s request to join",
    "added_member": "added {name}",
    "promoted": "made {name} a lead",
    "demoted": "made {name} a member instead of a lead",
    "removed_member": "removed {name}",
    "left": "left the team",
    "created_initiative": "added the initiative “{title}”",
    "edited_initiative": "edited the initiative “{title}”",
    "moved_initiative": "moved “{title}” from {from_stage} to {to_stage}",
    "posted_update": "posted an update on “{title}”: {health_text}",
    "reported_barrier": "reported the barrier “{title}”",
    "edited_barrier": "edited the barrier “{title}”",
    "linked_barrier": "linked the barrier “{title}” to {to}",
    "resolved_barrier": "closed the barrier “{title}” as {outcome}",
    "reopened_barrier": "reopened the barrier “{title}”: “{reason}”",
    "logged_action": "logged an action: “{description}”",
    "updated_action": "updated the action “{description}”",
    "started_action": "started on the action “{description}”",
    "completed_action": "marked the action “{description}” done",
    "dropped_action": "dropped the action “{description}”",
    "moved_action": "moved the action “{description}” to the initiative “{initiative}”",
    "restored_action": "brought back the action “{description}”",
    "recorded_satisfaction": "recorded {metric} for {when}: {score} of {scale_max}",
    "imported_satisfaction": "imported {count} satisfaction results ({metrics}, {first} to {last})",
    "shared_story": "shared the impact story “{title}”",
    "edited_story": "edited the impact story “{title}”",
    "cheered_story": "cheered the impact story “{title}”",
    "uncheered_story": "took back a cheer for the impact story “{title}”",
    "hid_story": "hid the impact story “{title}”: “{reason}”",
    "unhid_story": "put the impact story “{title}” back in the feed",
    "featured_story": "made “{title}” the Impact Story of the Month for {month}",
    "reported_barrier_from_story": "reported the barrier “{barrier}” from the story “{title}”",
    "resent_job": "resent the failed job “{label}”",
    "commented": "commented on “{title}”",
    "deleted_comment": "deleted a comment on “{title}”",
    "hid_comment": "hid a comment on “{title}”: “{reason}”",
    "supported_barrier": "said “me too” on the barrier “{title}”",
    "unsupported_barrier": "took back a “me too” on the barrier “{title}”",
}


def describe(event: Activity) -> str:
    """One plain sentence for a feed, without the actor's name (templates put it first)."""
    template = _SENTENCES.get(event.verb)
    if template is None:
        return event.verb.replace("_", " ")
    data = {
        "sponsor": "a sponsor",
        "name": "someone",
        "reason": "",
        "title": "",
        "to": "a team",
        "outcome": "closed",
        "description": "",
        "initiative": "its initiative",
        **(event.data or {}),
    }
    data["health_text"] = str(data.get("health", "")).replace("_", " ")
    return template.format(**data)
