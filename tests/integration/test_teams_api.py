"""The teams API: the same services as the pages, the contract's shapes and status codes."""

from __future__ import annotations

import pytest

from teams_app.teams import services
from tests.factories import UserFactory, make_team

NEW = {
    "name": "Say Yes",
    "problem": "Desk says no.",
    "goal": "Say yes more.",
    "open_to_join": False,
    "max_members": 3,
}


def test_propose_charter_join_accept_promote_close_through_the_api(
    api_as, staff, leader, mailbox, run_jobs
):
    proposer = api_as(staff)
    created = proposer.post("/teams", json=NEW)
    assert created.status_code == 201, created.get_json()
    team = created.get_json()
    assert team["status"] == "proposed" and team["members"][0]["role"] == "lead"
    team_id = team["id"]

    chartered = api_as(leader).post(
        f"/teams/{team_id}/charter", json={"sponsor_id": leader.id, "note": "Go"}
    )
    assert chartered.status_code == 200
    assert chartered.get_json()["sponsor"]["name"] == "Lee Leader"

    asker = UserFactory(name="Asha Asker")
    join = api_as(asker).post(f"/teams/{team_id}/join", json={"message": "Me please"})
    assert join.status_code == 201 and join.get_json()["state"] == "requested"
    assert api_as(asker).post(f"/teams/{team_id}/join", json={}).status_code == 409

    accepted = proposer.patch(f"/teams/{team_id}/members/{asker.id}", json={"state": "active"})
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "active"
    promoted = proposer.patch(f"/teams/{team_id}/members/{asker.id}", json={"role": "lead"})
    assert promoted.get_json()["role"] == "lead"

    closed = proposer.post(f"/teams/{team_id}/close", json={"summary": "We said yes."})
    assert closed.status_code == 200 and closed.get_json()["closing_summary"] == "We said yes."
    feed = proposer.get(f"/teams/{team_id}/activity").get_json()
    assert [e["verb"] for e in feed][:3] == ["closed", "promoted", "accepted_request"]
    assert feed[0]["at"].endswith("Z")
    run_jobs()
    assert mailbox.to(staff.email) and mailbox.to(asker.email)


def test_list_has_member_counts_levels_and_filters(api_as, staff):
    make_team(staff, name="Alpha", members=(UserFactory(level="executive"),))
    make_team(staff, name="Beta", status="proposed")
    body = api_as(staff).get("/teams?status=active").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["name"], item["member_count"], item["levels"], item["has_openings"]) == (
        "Alpha",
        2,
        ["frontline", "executive"],
        True,
    )
    assert api_as(staff).get("/teams?q=bet").get_json()["items"][0]["name"] == "Beta"
    assert api_as(staff).get("/teams?has_openings=true").get_json()["total"] == 1


@pytest.mark.parametrize("query", ["status=sleeping", "per_page=500", "has_openings=maybe"])
def test_bad_list_filters_get_422(api_as, staff, query):
    assert api_as(staff).get(f"/teams?{query}").status_code == 422


def test_invalid_proposal_gets_422_with_fields(api_as, staff):
    response = api_as(staff).post("/teams", json={"name": "", "max_members": 1})
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert {"name", "problem", "goal", "max_members"} <= set(fields)


def test_duplicate_name_is_409(api_as, staff):
    make_team(staff, name="Say Yes")
    assert api_as(staff).post("/teams", json={**NEW, "name": "say yes"}).status_code == 409


def test_patch_needs_a_version_and_refuses_a_stale_one(api_as, staff):
    team = make_team(staff)
    api = api_as(staff)
    assert api.patch(f"/teams/{team.id}", json={"goal": "New"}).status_code == 422
    ok = api.patch(f"/teams/{team.id}", json={"goal": "New", "version": team.version})
    assert ok.status_code == 200 and ok.get_json()["version"] == team.version + 1
    stale = api.patch(f"/teams/{team.id}", json={"goal": "Old", "version": team.version})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    via_header = api.patch(
        f"/teams/{team.id}", json={"goal": "Header"}, headers={"If-Match": f'"{team.version + 1}"'}
    )
    assert via_header.status_code == 200
    assert services.get_team(team.id).goal == "Header"


@pytest.mark.parametrize(
    "path, body",
    [
        ("/charter", {"sponsor_id": 1}),
        ("/decline", {"reason": "No"}),
    ],
)
def test_wrong_state_transitions_are_409(api_as, staff, leader, path, body):
    team = make_team(staff)  # active
    body = {"sponsor_id": leader.id} if "sponsor_id" in body else body
    assert api_as(leader).post(f"/teams/{team.id}{path}", json=body).status_code == 409


def test_closing_twice_and_joining_a_closed_team_are_409(api_as, staff):
    team = make_team(staff, status="closed")
    assert api_as(staff).post(f"/teams/{team.id}/close", json={"summary": "x"}).status_code == 409
    assert api_as(UserFactory()).post(f"/teams/{team.id}/join", json={}).status_code == 409


def test_full_team_join_is_409(api_as, staff):
    team = make_team(staff, max_members=2, members=(UserFactory(),))
    assert api_as(UserFactory()).post(f"/teams/{team.id}/join", json={}).status_code == 409


def test_last_lead_cannot_leave_or_be_removed(api_as, staff):
    team = make_team(staff)
    api = api_as(staff)
    assert api.post(f"/teams/{team.id}/leave").status_code == 409
    assert api.delete(f"/teams/{team.id}/members/{staff.id}").status_code == 409


def test_non_leads_get_403_before_validation(api_as, staff):
    member = UserFactory()
    team = make_team(staff, members=(member,))
    api = api_as(member)
    assert api.post(f"/teams/{team.id}/members", json={}).status_code == 403
    assert (
        api.patch(f"/teams/{team.id}/members/{staff.id}", json={"role": "member"}).status_code
        == 403
    )
    assert api.delete(f"/teams/{team.id}/members/{staff.id}").status_code == 403
    assert api.patch(f"/teams/{team.id}", json={"goal": "x"}).status_code == 403


def test_member_patch_needs_exactly_one_change(api_as, staff):
    member = UserFactory()
    team = make_team(staff, members=(member,))
    api = api_as(staff)
    assert api.patch(f"/teams/{team.id}/members/{member.id}", json={}).status_code == 422
    assert (
        api.patch(
            f"/teams/{team.id}/members/{member.id}", json={"role": "lead", "state": "active"}
        ).status_code
        == 422
    )
    assert (
        api.patch(f"/teams/{team.id}/members/{member.id}", json={"role": "boss"}).status_code == 422
    )


def test_add_member_with_unknown_user_is_422(api_as, staff):
    team = make_team(staff)
    response = api_as(staff).post(f"/teams/{team.id}/members", json={"user_id": 424242})
    assert response.status_code == 422 and "user_id" in response.get_json()["error"]["fields"]


def test_unknown_team_is_404(api_as, staff):
    assert api_as(staff).get("/teams/999999").status_code == 404
    assert api_as(staff).post("/teams/999999/join", json={}).status_code == 404


@pytest.mark.parametrize(
    "path,body",
    [
        ("/close", {"summary": "Done."}),
        ("/members", {"user_id": 1}),
    ],
)
def test_acting_on_a_proposed_team_is_409_for_leadership_not_403(api_as, staff, leader, path, body):
    """The state clashes whoever asks: the contract's 409, not "your role does not allow this"."""
    team = make_team(staff, status="proposed")
    response = api_as(leader).post(f"/teams/{team.id}{path}", json=body)
    assert response.status_code == 409
    assert "This team is proposed" in response.get_json()["error"]["message"]


def test_editing_a_closed_team_charter_is_409(api_as, staff):
    team = make_team(staff, status="closed")
    response = api_as(staff).patch(f"/teams/{team.id}", json={"name": "New", "version": 1})
    assert response.status_code == 409
