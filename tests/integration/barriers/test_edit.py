"""Editing a barrier: who may, versions, handing it to a team."""

from __future__ import annotations

import pytest

from teams_app.activity import describe
from teams_app.barriers import services
from teams_app.errors import Conflict, InvalidInput, NotAllowed
from teams_app.versioning import StaleEdit
from tests.factories import UserFactory, make_team
from tests.integration.barriers.helpers import (
    edit,
    events_of,
    fresh,
    initiative_of,
    report,
    resolve,
    same_as,
    verbs_of,
)

# --- Edit ---------------------------------------------------------------------------------------


def test_the_reporter_edits_their_open_barrier(outsider):
    barrier = report(outsider)
    edited = edit(outsider, barrier, title="Printers jam daily", severity="high")
    assert (edited.title, edited.severity, edited.severity_rank) == (
        "Printers jam daily",
        "high",
        3,
    )
    assert edited.version == 2
    assert verbs_of(barrier) == ["reported_barrier", "edited_barrier"]


def test_a_member_of_the_linked_team_edits(outsider, team_of_three, member):
    barrier = report(outsider, team_id=team_of_three.id)
    assert edit(member, barrier, category="process").category == "process"


def test_leadership_edits_any_open_barrier(outsider, leader):
    barrier = report(outsider)
    assert edit(leader, barrier, affects="staff").affects == "staff"


def test_an_unrelated_staff_member_cannot_edit(staff, team_of_three, outsider):
    barrier = report(staff, team_id=team_of_three.id)
    with pytest.raises(NotAllowed):
        edit(outsider, barrier, title="Mine now")
    assert fresh(barrier).title == "Printers jam at the desk"


def test_a_closed_barrier_cannot_be_edited_even_by_leadership(staff, team_of_three, leader):
    barrier = report(staff, team_id=team_of_three.id)
    resolve(staff, barrier)
    for actor in (staff, leader):
        with pytest.raises(Conflict):
            edit(actor, barrier, title="Changed")
    assert fresh(barrier).title == "Printers jam at the desk"


def test_an_edit_without_a_version_is_refused(staff):
    barrier = report(staff)
    with pytest.raises(InvalidInput) as raised:
        services.edit_barrier(staff, fresh(barrier), same_as(barrier, title="New"), None)
    assert "version" in raised.value.fields


def test_a_stale_edit_is_refused_and_shows_the_saved_version(staff):
    barrier = report(staff)
    old = fresh(barrier).version
    edit(staff, barrier, title="First save")
    with pytest.raises(StaleEdit) as raised:
        services.edit_barrier(staff, fresh(barrier), same_as(barrier, title="Second save"), old)
    assert isinstance(raised.value, Conflict)
    assert raised.value.current.title == "First save"
    assert raised.value.current.version == old + 1
    assert "version" in raised.value.fields
    assert fresh(barrier).title == "First save"


def test_edits_are_validated_like_reports(staff):
    barrier = report(staff)
    with pytest.raises(InvalidInput) as raised:
        edit(staff, barrier, title="", severity="dire")
    assert set(raised.value.fields) == {"title", "severity"}


def test_handing_a_barrier_to_a_team_needs_a_place_on_it(outsider, staff, team_of_three, leader):
    barrier = report(outsider)
    with pytest.raises(InvalidInput) as raised:
        edit(outsider, barrier, team_id=team_of_three.id)
    assert "team_id" in raised.value.fields
    assert fresh(barrier).team_id is None
    # Leadership may hand it to any active team, and members to their own.
    assert edit(leader, barrier, team_id=team_of_three.id).team_id == team_of_three.id
    own = report(staff)
    assert edit(staff, own, team_id=team_of_three.id).team_id == team_of_three.id


def test_a_team_member_cannot_hand_it_on_to_another_team(outsider, team_of_three, member):
    barrier = report(outsider, team_id=team_of_three.id)
    other = make_team(UserFactory(), name="Other Team")
    with pytest.raises(InvalidInput) as raised:
        edit(member, barrier, team_id=other.id)
    assert "team_id" in raised.value.fields
    assert fresh(barrier).team_id == team_of_three.id


def test_relinking_records_linked_barrier_in_the_teams_feed(staff, team_of_three):
    barrier = report(staff)
    edit(staff, barrier, team_id=team_of_three.id)
    initiative = initiative_of(team_of_three, staff)
    edit(staff, barrier, initiative_id=initiative.id)
    events = events_of(barrier)
    assert [e.verb for e in events] == ["reported_barrier", "linked_barrier", "linked_barrier"]
    assert [e.team_id for e in events] == [None, team_of_three.id, team_of_three.id]
    assert describe(events[1]) == "linked the barrier “Printers jam at the desk” to Desk Team"
    assert describe(events[2]).endswith("to Yes list")
    assert fresh(barrier).initiative_id == initiative.id
