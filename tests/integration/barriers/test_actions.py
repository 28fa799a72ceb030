"""Actions on barriers and initiatives: logging, owners, updates, done."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from teams_app.activity import describe
from teams_app.barriers import services
from teams_app.errors import Conflict, InvalidInput, NotAllowed
from teams_app.extensions import db
from teams_app.models import Action, Activity
from teams_app.versioning import StaleEdit
from tests.factories import UserFactory, make_team
from tests.integration.barriers.helpers import (
    fresh,
    initiative_of,
    log,
    report,
    resolve,
    update,
)

# --- Actions ------------------------------------------------------------------------------------


def test_an_action_needs_a_barrier_or_an_initiative(staff):
    with pytest.raises(InvalidInput) as raised:
        services.log_action(staff, services.ActionDetails("Call the vendor"))
    assert "barrier_id" in raised.value.fields
    assert db.session.query(Action).count() == 0


def test_no_actions_on_a_closed_barrier(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    resolve(staff, barrier)
    with pytest.raises(Conflict):
        log(staff, barrier)


def test_only_members_of_the_working_team_log_actions(outsider, team_of_three, member):
    barrier = report(outsider, team_id=team_of_three.id)
    with pytest.raises(NotAllowed):
        log(outsider, barrier)  # the reporter is not on the team
    assert fresh(barrier).status == "open"
    assert log(member, barrier).owner_id == member.id


def test_on_a_barrier_with_no_team_only_leadership_logs(staff, leader):
    barrier = report(staff)
    with pytest.raises(NotAllowed):
        log(staff, barrier)
    action = log(leader, barrier)
    assert (action.barrier_id, action.owner_id, action.created_by_id) == (
        barrier.id,
        leader.id,
        leader.id,
    )


def test_logging_makes_the_barrier_addressing(staff, team_of_three, member):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier, description="  Call the vendor  ", owner_id=member.id)
    assert (action.status, action.description, action.owner_id) == (
        "planned",
        "Call the vendor",
        member.id,
    )
    assert fresh(barrier).status == "addressing"
    [event] = db.session.scalars(
        select(Activity).where(Activity.subject_type == "action", Activity.subject_id == action.id)
    ).all()
    assert (event.verb, event.team_id) == ("logged_action", team_of_three.id)
    assert describe(event) == "logged an action: “Call the vendor”"


def test_the_owner_defaults_to_whoever_logs_it(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    assert log(staff, barrier).owner_id == staff.id


@pytest.mark.parametrize("kind", ["inactive", "pending", "unknown"])
def test_the_owner_must_be_an_active_staff_member(staff, team_of_three, kind):
    barrier = report(staff, team_id=team_of_three.id)
    owner_id = {
        "inactive": lambda: UserFactory(active=False).id,
        "pending": lambda: UserFactory(password_hash=None).id,
        "unknown": lambda: 999_999,
    }[kind]()
    with pytest.raises(InvalidInput) as raised:
        log(staff, barrier, owner_id=owner_id)
    assert "owner_id" in raised.value.fields
    assert db.session.query(Action).count() == 0
    assert fresh(barrier).status == "open"


@pytest.mark.parametrize("description", ["", "   ", None, "x" * 2001])
def test_an_action_needs_a_description(staff, team_of_three, description):
    barrier = report(staff, team_id=team_of_three.id)
    with pytest.raises(InvalidInput) as raised:
        log(staff, barrier, description=description)
    assert "description" in raised.value.fields


def test_actions_on_an_initiative(staff, team_of_three, member, outsider):
    initiative = initiative_of(team_of_three, staff)
    action = log(member, initiative=initiative, due_on=date(2030, 1, 31))
    assert (action.initiative_id, action.barrier_id, action.due_on) == (
        initiative.id,
        None,
        date(2030, 1, 31),
    )
    assert action.team.id == team_of_three.id
    with pytest.raises(NotAllowed):
        log(outsider, initiative=initiative)


def test_the_owner_and_a_lead_update_an_action_but_other_members_cannot(
    staff, team_of_three, member, member2
):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier, owner_id=member.id)
    moved = update(member, action, status="doing")
    assert moved.status == "doing" and moved.version == 2
    assert update(staff, action, due_on=date(2030, 5, 1)).due_on == date(2030, 5, 1)
    with pytest.raises(NotAllowed):
        update(member2, action, status="dropped")
    assert services.get_action(action.id).status == "doing"


def test_leadership_updates_any_action(staff, team_of_three, leader):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier)
    assert update(leader, action, description="Call the other vendor").description == (
        "Call the other vendor"
    )


def test_an_unknown_status_is_refused(staff, team_of_three):
    action = log(staff, report(staff, team_id=team_of_three.id))
    with pytest.raises(InvalidInput) as raised:
        update(staff, action, status="finished")
    assert "status" in raised.value.fields


def test_done_needs_an_outcome(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier)
    for outcome in (None, "  "):
        with pytest.raises(InvalidInput) as raised:
            update(staff, action, status="done", outcome=outcome)
        assert "outcome" in raised.value.fields
    assert services.get_action(action.id).status == "planned"
    assert fresh(barrier).status == "addressing"


def test_an_update_is_validated_like_a_new_action(staff, team_of_three):
    action = log(staff, report(staff, team_id=team_of_three.id))
    with pytest.raises(InvalidInput) as raised:
        update(staff, action, description=" ", owner_id=999_999)
    assert set(raised.value.fields) == {"description", "owner_id"}


def test_done_stamps_the_time_and_the_barrier_follows_its_actions(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    first = log(staff, barrier, description="Call the vendor")
    second = log(staff, barrier, description="Order paper")
    done = update(staff, first, status="done", outcome="They came.")
    assert done.done_at is not None and done.outcome == "They came."
    assert fresh(barrier).status == "addressing"  # the second action still runs
    update(staff, second, status="doing")
    assert fresh(barrier).status == "addressing"
    update(staff, second, status="dropped")
    assert fresh(barrier).status == "open"
    action_verbs = [
        a.verb
        for a in db.session.scalars(
            select(Activity).where(Activity.subject_type == "action").order_by(Activity.id)
        )
    ]
    assert action_verbs[:3] == ["logged_action", "logged_action", "completed_action"]
    assert action_verbs[3] in ("started_action", "updated_action")  # planned to doing
    assert action_verbs[4:] == ["dropped_action"]


def test_back_from_done_clears_done_at_and_the_barrier_is_addressed_again(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier)
    done = update(staff, action, status="done", outcome="Sorted.")
    stamped = done.done_at
    assert fresh(barrier).status == "open"
    # Saving a done action again keeps its time.
    assert update(staff, action, outcome="Sorted, mostly.").done_at == stamped
    back = update(staff, action, status="doing")
    assert back.status == "doing" and back.done_at is None
    assert fresh(barrier).status == "addressing"


def test_a_stale_action_update_is_refused(staff, team_of_three):
    action = log(staff, report(staff, team_id=team_of_three.id))
    old = services.get_action(action.id)
    old_version = old.version
    update(staff, action, description="First")
    current = services.get_action(action.id)
    with pytest.raises(StaleEdit) as raised:
        services.update_action(
            staff, current, services.change_for(current, description="Second"), old_version
        )
    assert isinstance(raised.value, Conflict)
    assert raised.value.current.description == "First"
    assert services.get_action(action.id).description == "First"


def test_an_action_update_without_a_version_is_refused(staff, team_of_three):
    action = log(staff, report(staff, team_id=team_of_three.id))
    current = services.get_action(action.id)
    with pytest.raises(InvalidInput) as raised:
        services.update_action(staff, current, services.change_for(current), None)
    assert "version" in raised.value.fields


def test_actions_of_a_closed_barrier_are_frozen(staff, team_of_three, leader):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier)
    resolve(staff, barrier, all="dropped")
    for actor in (staff, leader):
        with pytest.raises(Conflict):
            update(actor, action, status="done", outcome="Late.")
    assert services.get_action(action.id).status == "dropped"


def test_an_action_on_a_barrier_and_an_unrelated_initiative_is_refused(app):
    """Otherwise a member of one team could file an action under another team's initiative."""
    from teams_app.barriers import services as svc
    from teams_app.initiatives import services as initiatives
    from tests.factories import UserFactory

    mine_lead, other_lead = UserFactory(), UserFactory()
    mine, other = make_team(mine_lead, name="Mine"), make_team(other_lead, name="Other")
    barrier = svc.report_barrier(
        mine_lead,
        svc.BarrierDetails(
            title="Ours",
            category="process",
            affects="staff",
            severity="low",
            source="staff",
            team_id=mine.id,
        ),
    )
    theirs = initiatives.create_initiative(other_lead, other, initiatives.Details(title="Theirs"))
    with pytest.raises(InvalidInput) as refused:
        svc.log_action(
            mine_lead,
            svc.ActionDetails("Sneaky"),
            barrier=svc.get_barrier(barrier.id),
            initiative=initiatives.get_initiative(theirs.id),
        )
    assert "initiative_id" in refused.value.fields
    assert db.session.query(Action).count() == 0
