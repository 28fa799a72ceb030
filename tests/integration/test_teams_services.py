"""The rules of mission teams, tested through the service functions."""

from __future__ import annotations

import pytest

from teams_app.errors import Conflict, InvalidInput, NotAllowed
from teams_app.extensions import db
from teams_app.models import Activity, MemberState
from teams_app.teams import services
from teams_app.teams.queries import at_the_table
from teams_app.versioning import StaleEdit
from tests.factories import UserFactory, make_team


def charter(**changes):
    base = {"name": "Say Yes", "problem": "Desk says no too often.", "goal": "Say yes more."}
    return services.Charter(**{**base, **changes})


def verbs(team) -> list[str]:
    return [
        a.verb for a in db.session.query(Activity).filter_by(team_id=team.id).order_by(Activity.id)
    ]


def test_any_staff_member_proposes_and_becomes_first_lead(staff):
    team = services.propose_team(staff, charter(max_members=6, open_to_join=False))
    assert team.status == "proposed"
    assert team.lead_ids() == {staff.id}
    assert team.slug == "say-yes"
    assert verbs(team) == ["proposed"]


def test_team_names_are_unique_regardless_of_case(staff):
    services.propose_team(staff, charter())
    with pytest.raises(Conflict, match="already exists"):
        services.propose_team(staff, charter(name="SAY YES"))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": " "}, "name"),
        ({"problem": ""}, "problem"),
        ({"goal": ""}, "goal"),
        ({"name": "x" * 121}, "name"),
        ({"max_members": 1}, "max_members"),
        ({"max_members": 501}, "max_members"),
    ],
)
def test_invalid_charters_are_refused(staff, changes, field):
    with pytest.raises(InvalidInput) as raised:
        services.propose_team(staff, charter(**changes))
    assert field in raised.value.fields


def test_leadership_charters_with_a_sponsor_and_the_proposer_is_mailed(
    staff, leader, mailbox, run_jobs
):
    team = services.propose_team(staff, charter())
    services.charter_team(leader, team, leader.id, "Report monthly.")
    assert (team.status, team.sponsor_id, team.charter_note) == (
        "active",
        leader.id,
        "Report monthly.",
    )
    assert run_jobs() == 0
    [mail] = mailbox.to(staff.email)
    assert "is chartered" in mail["Subject"]
    assert "Report monthly." in mail.get_body(preferencelist=("plain",)).get_content()


def test_only_leadership_charters_and_sponsor_must_be_leadership(staff, leader):
    team = services.propose_team(staff, charter())
    with pytest.raises(NotAllowed):
        services.charter_team(staff, team, leader.id)
    with pytest.raises(InvalidInput, match="sponsor"):
        services.charter_team(leader, team, staff.id)
    assert team.status == "proposed"


def test_decline_needs_a_reason_and_tells_the_proposer(staff, leader, mailbox, run_jobs):
    team = services.propose_team(staff, charter())
    with pytest.raises(InvalidInput):
        services.decline_team(leader, team, "  ")
    services.decline_team(leader, team, "Facilities already owns this.")
    assert team.status == "declined" and team.decline_reason == "Facilities already owns this."
    run_jobs()
    assert (
        "Facilities already owns this."
        in mailbox.to(staff.email)[0].get_body(preferencelist=("plain",)).get_content()
    )


@pytest.mark.parametrize("status", ["active", "declined", "closed"])
def test_only_proposed_teams_can_be_chartered_or_declined(staff, leader, status):
    team = make_team(staff, status=status, sponsor=leader)
    with pytest.raises(Conflict):
        services.charter_team(leader, team, leader.id)
    with pytest.raises(Conflict):
        services.decline_team(leader, team, "No.")


def test_join_an_open_team(staff, app):
    team = make_team(UserFactory())
    membership = services.join_team(staff, team)
    assert membership.state == "active"
    with pytest.raises(Conflict, match="already a member"):
        services.join_team(staff, team)


def test_ask_to_join_then_a_lead_accepts_and_the_requester_is_mailed(staff, mailbox, run_jobs):
    lead = UserFactory(name="Lena Lead")
    team = make_team(lead, open_to_join=False)
    membership = services.join_team(staff, team, "I work the desk.")
    assert membership.state == "requested"
    with pytest.raises(Conflict, match="already asked"):
        services.join_team(staff, team)
    run_jobs()
    assert any("asks to join" in m["Subject"] for m in mailbox.to(lead.email))
    services.decide_request(lead, team, staff.id, accept=True)
    assert services.get_team(team.id).membership_of(staff.id).state == "active"
    run_jobs()
    assert mailbox.to(staff.email)[0]["Subject"].startswith("Welcome to")


def test_a_declined_requester_may_ask_again(staff):
    lead = UserFactory()
    team = make_team(lead, open_to_join=False)
    services.join_team(staff, team)
    services.decide_request(lead, team, staff.id, accept=False)
    assert services.join_team(staff, services.get_team(team.id)).state == "requested"


def test_a_full_team_admits_no_one(staff, app):
    lead = UserFactory()
    team = make_team(lead, max_members=2, members=(UserFactory(),))
    assert team.is_full
    with pytest.raises(Conflict, match="full"):
        services.join_team(staff, team)
    with pytest.raises(Conflict, match="full"):
        services.add_member(lead, team, staff.id)


def test_lead_cannot_accept_past_the_maximum(staff):
    lead = UserFactory()
    team = make_team(lead, open_to_join=False, max_members=2)
    services.join_team(staff, team)
    other = UserFactory()
    services.join_team(other, team)
    services.decide_request(lead, team, staff.id, accept=True)
    with pytest.raises(Conflict, match="full"):
        services.decide_request(lead, services.get_team(team.id), other.id, accept=True)
    assert services.get_team(team.id).membership_of(other.id).state == "requested"


@pytest.mark.parametrize("status", ["proposed", "declined", "closed"])
def test_joining_a_team_that_is_not_active_is_refused(staff, status):
    team = make_team(UserFactory(), status=status)
    with pytest.raises(Conflict):
        services.join_team(staff, team)


def test_accepting_after_the_team_closed_is_refused(staff):
    lead = UserFactory()
    team = make_team(lead, open_to_join=False)
    services.join_team(staff, team)
    services.close_team(lead, services.get_team(team.id), "Done.")
    with pytest.raises(Conflict):
        services.decide_request(lead, services.get_team(team.id), staff.id, accept=True)


def test_acting_on_a_team_you_do_not_lead_is_refused(staff):
    member = UserFactory()
    team = make_team(UserFactory(), members=(member,))
    for action in (
        lambda: services.add_member(member, team, staff.id),
        lambda: services.set_member_role(member, team, member.id, "lead"),
        lambda: services.remove_member(member, team, member.id),
        lambda: services.decide_request(member, team, staff.id, True),
    ):
        with pytest.raises(NotAllowed):
            action()
    assert services.get_team(team.id).lead_ids() != {member.id}


def test_last_lead_cannot_leave_be_removed_or_step_down_until_another_lead_exists(staff):
    lead = UserFactory()
    team = make_team(lead, members=(staff,))
    with pytest.raises(Conflict, match="last lead"):
        services.leave_team(lead, team)
    with pytest.raises(Conflict, match="last lead"):
        services.remove_member(lead, team, lead.id)
    with pytest.raises(Conflict, match="last lead"):
        services.set_member_role(lead, team, lead.id, "member")
    services.set_member_role(lead, team, staff.id, "lead")
    services.leave_team(lead, services.get_team(team.id))
    assert services.get_team(team.id).lead_ids() == {staff.id}


def test_member_leaves_and_lead_removes(staff):
    lead, other = UserFactory(), UserFactory()
    team = make_team(lead, members=(staff, other))
    services.leave_team(staff, team)
    services.remove_member(lead, services.get_team(team.id), other.id)
    team = services.get_team(team.id)
    assert team.member_ids() == {lead.id}
    assert team.membership_of(staff.id).state == MemberState.LEFT.value
    assert team.membership_of(other.id).state == MemberState.REMOVED.value


def test_charter_edit_with_a_stale_version_is_refused(staff, leader):
    team = make_team(staff)
    version = team.version
    services.update_charter(leader, team, charter(name=team.name, goal="First edit"), version)
    with pytest.raises(StaleEdit) as raised:
        services.update_charter(
            staff, services.get_team(team.id), charter(name=team.name, goal="Second"), version
        )
    assert raised.value.current.goal == "First edit"
    assert services.get_team(team.id).goal == "First edit"


def test_charter_edit_without_version_is_refused(staff):
    team = make_team(staff)
    with pytest.raises(InvalidInput):
        services.update_charter(staff, team, charter(name=team.name), None)


def test_size_cannot_drop_below_the_current_members(staff):
    team = make_team(staff, members=(UserFactory(), UserFactory()))
    with pytest.raises(InvalidInput, match="already has 3"):
        services.update_charter(staff, team, charter(name=team.name, max_members=2), team.version)


def test_close_needs_a_summary_and_makes_the_team_read_only(staff, leader, mailbox, run_jobs):
    member = UserFactory()
    team = make_team(staff, members=(member,), sponsor=leader)
    with pytest.raises(InvalidInput):
        services.close_team(staff, team, "")
    services.close_team(leader, team, "Signs beat posters.")
    team = services.get_team(team.id)
    assert team.status == "closed" and team.closing_summary == "Signs beat posters."
    with pytest.raises(Conflict):  # acting on a closed team is a conflict (api.md), not a 403
        services.update_charter(staff, team, charter(name=team.name), team.version)
    with pytest.raises(Conflict):
        services.close_team(leader, team, "Again")
    run_jobs()
    [closing] = [m for m in mailbox.to(member.email) if "is closed" in m["Subject"]]
    assert "Signs beat posters." in closing.get_body(preferencelist=("plain",)).get_content()


def test_staff_cannot_close_a_team_they_do_not_lead(staff):
    team = make_team(UserFactory())
    with pytest.raises(NotAllowed):
        services.close_team(staff, team, "Bye")


def test_every_change_records_an_activity_event(staff, leader):
    lead = UserFactory()
    team = services.propose_team(lead, charter(open_to_join=False))
    services.charter_team(leader, team, leader.id)
    services.join_team(staff, team)
    services.decide_request(lead, team, staff.id, True)
    services.set_member_role(lead, team, staff.id, "lead")
    services.update_charter(
        lead,
        services.get_team(team.id),
        charter(goal="New goal"),
        services.get_team(team.id).version,
    )
    services.close_team(staff, services.get_team(team.id), "Learned.")
    assert verbs(team) == [
        "proposed",
        "chartered",
        "requested_to_join",
        "accepted_request",
        "promoted",
        "edited_charter",
        "closed",
    ]
    events = db.session.query(Activity).filter_by(team_id=team.id).all()
    assert all(e.actor_id and e.at for e in events)


def test_who_is_at_the_table(app):
    from tests.factories import DepartmentFactory

    it = DepartmentFactory(name="IT")
    lead = UserFactory(level="manager", department=it)
    team = make_team(
        lead,
        members=(UserFactory(level="frontline"), UserFactory(level="frontline", department=it)),
    )
    table = at_the_table(team)
    assert table.levels == [("frontline", 2), ("manager", 1)]
    assert table.missing_levels == ["specialist", "supervisor", "executive"]
    assert table.departments[0] == ("IT", 2)
