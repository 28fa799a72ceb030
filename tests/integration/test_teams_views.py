"""Team pages, driven by posting the real forms."""

from __future__ import annotations

import re

from teams_app.extensions import db
from teams_app.models import Team
from teams_app.teams import services
from tests.conftest import login, post_form
from tests.factories import UserFactory, make_team

PROPOSAL = {
    "name": "Holds Lockers",
    "problem": "Customers who work days miss the holds shelf.",
    "goal": "Pickup lockers at two branches.",
    "scope": "",
    "join_policy": "ask",
    "max_members": "6",
}


def test_propose_form_creates_a_proposed_team(client, staff):
    login(client, staff)
    response = post_form(client, "/teams/new", PROPOSAL, token_from="/teams/new")
    assert response.status_code == 302
    team = db.session.query(Team).one()
    assert response.headers["Location"] == f"/teams/{team.slug}"
    assert (team.status, team.open_to_join, team.max_members) == ("proposed", False, 6)
    page = client.get(f"/teams/{team.slug}").get_data(as_text=True)
    assert "Waiting for leadership" in page and "Sam Staff" in page


def test_invalid_proposal_keeps_the_input(client, staff):
    make_team(staff, name="Holds Lockers")
    login(client, staff)
    response = post_form(client, "/teams/new", {**PROPOSAL, "goal": ""}, token_from="/teams/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in body
    assert "Customers who work days miss the holds shelf." in body
    clash = post_form(
        client, "/teams/new", {**PROPOSAL, "name": "holds lockers"}, token_from="/teams/new"
    )
    assert clash.status_code == 422 and "already exists" in clash.get_data(as_text=True)


def test_leadership_queue_is_oldest_first_and_charters_with_a_sponsor(client, staff, leader):
    first = make_team(staff, status="proposed", name="First Idea")
    make_team(staff, status="proposed", name="Second Idea")
    login(client, leader)
    queue = client.get("/teams/proposals").get_data(as_text=True)
    assert queue.index("First Idea") < queue.index("Second Idea")
    form = client.get(f"/teams/{first.slug}/charter").get_data(as_text=True)
    assert f'<option selected value="{leader.id}">Lee Leader</option>' in form  # the default
    missing = post_form(
        client, f"/teams/{first.slug}/charter", {"sponsor_id": "0"}, token_from="/teams/proposals"
    )
    assert missing.status_code == 422
    response = post_form(
        client,
        f"/teams/{first.slug}/charter",
        {"sponsor_id": str(leader.id), "note": "Go."},
        token_from="/teams/proposals",
    )
    assert response.status_code == 302
    page = client.get(f"/teams/{first.slug}").get_data(as_text=True)
    assert "Lee Leader" in page and "chartered the team with Lee Leader as sponsor" in page


def test_decline_form_requires_a_reason(client, staff, leader):
    team = make_team(staff, status="proposed")
    login(client, leader)
    assert (
        post_form(
            client, f"/teams/{team.slug}/decline", {"reason": ""}, token_from="/teams/proposals"
        ).status_code
        == 422
    )
    post_form(
        client,
        f"/teams/{team.slug}/decline",
        {"reason": "Not this year."},
        token_from="/teams/proposals",
    )
    page = client.get(f"/teams/{team.slug}").get_data(as_text=True)
    assert "Declined" in page and "Not this year." in page


def test_join_by_request_and_lead_accepts_on_the_page(app, client, staff):
    lead = UserFactory(name="Lena Lead")
    team = make_team(lead, open_to_join=False)
    login(client, staff)
    assert "Ask to join" in client.get(f"/teams/{team.slug}").get_data(as_text=True)
    post_form(
        client,
        f"/teams/{team.slug}/join",
        {"message": "Weekend desk here."},
        token_from=f"/teams/{team.slug}",
    )
    assert "You asked to join" in client.get(f"/teams/{team.slug}").get_data(as_text=True)
    lead_client = app.test_client()
    login(lead_client, lead)
    page = lead_client.get(f"/teams/{team.slug}").get_data(as_text=True)
    assert "Requests to join" in page and "Weekend desk here." in page
    post_form(
        lead_client,
        f"/teams/{team.slug}/members/{staff.id}/accept",
        token_from=f"/teams/{team.slug}",
    )
    assert services.get_team(team.id).membership_of(staff.id).state == "active"


def test_full_team_page_says_so(client, staff):
    team = make_team(UserFactory(), max_members=2, members=(UserFactory(),))
    login(client, staff)
    assert "This team is full" in client.get(f"/teams/{team.slug}").get_data(as_text=True)
    post_form(client, f"/teams/{team.slug}/join", token_from=f"/teams/{team.slug}")
    assert staff.id not in services.get_team(team.id).member_ids()


def test_lead_adds_a_colleague_found_by_search_and_promotes_them(client, staff):
    colleague = UserFactory(name="Quinn Colleague")
    team = make_team(staff)
    login(client, staff)
    search = client.get(f"/teams/{team.slug}?add_q=quinn").get_data(as_text=True)
    assert "Quinn Colleague" in search
    post_form(
        client,
        f"/teams/{team.slug}/members",
        {"user_id": str(colleague.id)},
        token_from=f"/teams/{team.slug}",
    )
    post_form(
        client,
        f"/teams/{team.slug}/members/{colleague.id}/role",
        {"role": "lead"},
        token_from=f"/teams/{team.slug}",
    )
    assert services.get_team(team.id).lead_ids() == {staff.id, colleague.id}


def test_last_lead_leaving_gets_a_clear_message(client, staff):
    team = make_team(staff)
    login(client, staff)
    response = post_form(
        client, f"/teams/{team.slug}/leave", token_from=f"/teams/{team.slug}", follow_redirects=True
    )
    assert "The last lead cannot leave" in response.get_data(as_text=True)
    assert staff.id in services.get_team(team.id).member_ids()


def test_stale_charter_edit_shows_theirs_and_keeps_mine(app, client, staff, leader):
    team = make_team(staff)
    login(client, staff)
    form_page = client.get(f"/teams/{team.slug}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form_page).group(1)
    services.update_charter(
        leader,
        services.get_team(team.id),
        services.Charter(name=team.name, problem=team.problem, goal="Leadership's goal"),
        team.version,
    )
    data = {
        **PROPOSAL,
        "name": team.name,
        "goal": "My goal",
        "version": version,
        "join_policy": "open",
    }
    response = post_form(client, f"/teams/{team.slug}/edit", data, token_from=f"/teams/{team.slug}")
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Leadership&#39;s goal" in body or "Leadership's goal" in body
    assert "My goal" in body
    assert services.get_team(team.id).goal == "Leadership's goal"
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', body).group(1)
    again = post_form(
        client,
        f"/teams/{team.slug}/edit",
        {**data, "version": new_version},
        token_from=f"/teams/{team.slug}",
    )
    assert again.status_code == 302
    assert services.get_team(team.id).goal == "My goal"


def test_close_form_and_closed_team_is_read_only(client, staff):
    team = make_team(staff)
    login(client, staff)
    assert (
        post_form(
            client, f"/teams/{team.slug}/close", {"summary": ""}, token_from=f"/teams/{team.slug}"
        ).status_code
        == 422
    )
    post_form(
        client,
        f"/teams/{team.slug}/close",
        {"summary": "Lockers work."},
        token_from=f"/teams/{team.slug}",
    )
    page = client.get(f"/teams/{team.slug}").get_data(as_text=True)
    assert "What we learned" in page and "Lockers work." in page
    assert "Edit charter" not in page and "Close team" not in page
    assert client.get(f"/teams/{team.slug}/edit").status_code == 409  # closed: read-only
    directory = client.get("/teams/?status=closed").get_data(as_text=True)
    assert "Lockers work." in directory


def test_directory_filters_and_paginates(client, staff):
    from tests.factories import DepartmentFactory

    it = DepartmentFactory(name="IT")
    techie = UserFactory(department=it, level="specialist")
    make_team(techie, name="Printer Fix")
    make_team(staff, name="Full Team", max_members=2, members=(UserFactory(),))
    make_team(staff, status="proposed", name="Idea")
    make_team(staff, status="declined", name="Declined One")
    login(client, staff)
    everything = client.get("/teams/").get_data(as_text=True)
    assert "Printer Fix" in everything and "Idea" in everything and "Declined One" not in everything
    it_only = client.get(f"/teams/?department={it.id}").get_data(as_text=True)
    assert "Printer Fix" in it_only and "Full Team" not in it_only
    openings = client.get("/teams/?has_openings=yes").get_data(as_text=True)
    assert "Printer Fix" in openings and "Full Team" not in openings and "Idea" not in openings
    assert "Declined One" in client.get("/teams/?status=declined").get_data(as_text=True)
    assert "No teams match" in client.get("/teams/?q=zzz").get_data(as_text=True)
    for i in range(30):
        make_team(staff, name=f"Bulk {i:02d}")
    page2 = client.get("/teams/?q=bulk&page=2&per_page=25").get_data(as_text=True)
    assert "Showing 26–30 of 30" in page2


def test_home_page_lists_my_teams_and_waiting_requests(client, staff, leader):
    team = make_team(staff, open_to_join=False, name="My Own Team")
    services.join_team(UserFactory(), team)
    make_team(staff, status="proposed", name="Pending Idea")
    login(client, staff)
    home = client.get("/").get_data(as_text=True)
    assert "My Own Team" in home and "1 to answer" in home and "Pending Idea" in home


def test_csrf_is_required_on_team_forms(client, staff):
    team = make_team(UserFactory())
    login(client, staff)
    assert client.post(f"/teams/{team.slug}/join").status_code == 400
    assert staff.id not in services.get_team(team.id).member_ids()


def test_unknown_team_is_404(client, staff):
    login(client, staff)
    assert client.get("/teams/no-such-team").status_code == 404
    assert post_form(client, "/teams/no-such-team/join").status_code == 404


def test_user_text_is_escaped_on_team_pages(client, staff):
    team = make_team(staff, name="<script>alert(1)</script>")
    login(client, staff)
    for path in (f"/teams/{team.slug}", "/teams/", "/"):
        assert "<script>alert(1)" not in client.get(path).get_data(as_text=True)


def test_a_big_teams_page_shows_the_first_initiatives_and_barriers_and_links_the_rest(
    client, staff
):
    from teams_app.teams.routes import PAGE_BARRIERS, PAGE_INITIATIVES
    from tests.integration.test_query_counts import _barriers, _initiatives

    team = make_team(staff, name="Big Team")
    _initiatives(team, staff, PAGE_INITIATIVES)
    _barriers(staff, team, PAGE_BARRIERS)
    login(client, staff)
    page = client.get(f"/teams/{team.slug}").get_data(True)
    assert "See all the team's initiatives" not in page
    assert "See all the team's barriers" not in page
    _initiatives(team, staff, 1)
    _barriers(staff, team, 1)
    page = client.get(f"/teams/{team.slug}").get_data(True)
    shown = page[page.index('id="initiatives-h"') : page.index('id="barriers-h"')]
    assert len(re.findall(r'href="/initiatives/\d+"', shown)) == PAGE_INITIATIVES
    assert f'href="/initiatives/?team={team.id}">See all the team\'s initiatives' in shown
    listed = page[page.index('id="barriers-h"') : page.index('id="actions-h"')]
    assert len(re.findall(r'href="/barriers/\d+"', listed)) == PAGE_BARRIERS
    assert f"/barriers/?team_id={team.id}&amp;status=all" in listed
