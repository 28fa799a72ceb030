"""What a new user tripped on, each fixed and kept fixed: unique ids and labels, Markdown in
every long text, the board's note question, chartering defaults, a closed team on home, the
register's defaults, the digest's net stage moves, readable team addresses, the favicon."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from teams_app.barriers import services as barriers
from teams_app.digests import content
from teams_app.extensions import db
from teams_app.initiatives import pipeline
from teams_app.initiatives import services as initiatives
from teams_app.models import Activity, Team, utcnow
from teams_app.teams import services as teams
from tests.conftest import csrf_from, post_form
from tests.factories import UserFactory, make_team

ID = re.compile(r'\sid="([^"]+)"')
FOR = re.compile(r'\sfor="([^"]+)"')


def assert_ids_unique(html: str) -> None:
    ids = ID.findall(html)
    twice = [i for i, n in Counter(ids).items() if n > 1]
    assert not twice, twice
    missing = [f for f in FOR.findall(html) if f not in ids]
    assert not missing, missing


def test_pages_with_several_forms_have_unique_ids_and_labels_that_point_home(
    client, login_as, staff
):
    team = make_team(staff)
    item = initiatives.create_initiative(staff, team, initiatives.Details(title="Desk rota"))
    barrier = barriers.report_barrier(
        staff,
        barriers.BarrierDetails("Queue", "process", "customers", "high", "staff", team_id=team.id),
    )
    login_as(staff)
    for path in (
        "/account/",
        "/",
        f"/teams/{team.slug}",
        f"/teams/{team.slug}/board",
        f"/initiatives/{item.id}",
        f"/barriers/{barrier.id}",
    ):
        assert_ids_unique(client.get(path).get_data(as_text=True))
    profile = client.get("/account/").get_data(as_text=True)
    assert 'for="token_name"' in profile and 'id="token_name"' in profile


def test_a_new_token_has_a_copy_button(client, login_as, staff):
    login_as(staff)
    html = post_form(client, "/account/tokens", {"name": "report script"}).get_data(as_text=True)
    assert 'data-copy="new-token"' in html and 'data-copy-status="new-token"' in html


def test_long_texts_are_markdown_everywhere(client, login_as, staff):
    team = make_team(staff)
    item = initiatives.create_initiative(
        staff, team, initiatives.Details(title="Rota", summary="Make it *fair*:\n\n- Mornings")
    )
    login_as(staff)
    page = client.get(f"/initiatives/{item.id}").get_data(as_text=True)
    assert "<em>fair</em>" in page and "<li>Mornings</li>" in page and "*fair*" not in page
    teams.close_team(staff, teams.get_team(team.id), "We learned **one thing**:\n\n- ask early")
    closed = client.get(f"/teams/{team.slug}").get_data(as_text=True)
    assert "<strong>one thing</strong>" in closed and "<li>ask early</li>" in closed


def test_the_board_is_told_when_a_move_needs_a_note(client, login_as, staff):
    team = make_team(staff)
    item = initiatives.create_initiative(staff, team, initiatives.Details(title="Rota"))
    login_as(staff)
    stages = {s.name: s.id for s in pipeline.stages()}
    token = csrf_from(client, f"/teams/{team.slug}/board")
    moved = client.post(
        f"/initiatives/{item.id}/move",
        data={"csrf_token": token, "to_stage_id": stages["Plan"], "from_stage_id": item.stage_id},
        headers={"Accept": "application/json"},
    )
    assert moved.get_json() == {
        "message": "Moved to Plan.",
        "ok": True,
        "needs_note": False,
        "stage_id": stages["Plan"],
    }
    back = client.post(
        f"/initiatives/{item.id}/move",
        data={"csrf_token": token, "to_stage_id": stages["Idea"], "from_stage_id": stages["Plan"]},
        headers={"Accept": "application/json"},
    )
    assert back.status_code == 422
    assert back.get_json()["needs_note"] is True and "move it back" in back.get_json()["message"]


def test_the_board_counts_as_the_teams_section_in_the_navigation(client, login_as, staff):
    team = make_team(staff)
    login_as(staff)
    html = client.get(f"/teams/{team.slug}/board").get_data(as_text=True)
    current = re.findall(r'<a class="nav-link active" aria-current="page" href="([^"]+)"', html)
    assert current == ["/teams/"]


def test_charter_offers_leadership_only_and_picks_the_chartering_leader(
    client, login_as, staff, leader, admin
):
    team = teams.propose_team(
        staff, teams.Charter(name="Lockers", problem="Closed at six.", goal="Open at night.")
    )
    login_as(leader)
    html = client.get(f"/teams/{team.slug}/charter").get_data(as_text=True)
    options = dict(re.findall(r'<option (?:selected )?value="(\d+)"[^>]*>([^<]+)<', html))
    assert leader.name in options.values() and admin.name not in options.values()
    assert re.search(rf'<option selected value="{leader.id}"', html)
    refused = post_form(
        client, f"/teams/{team.slug}/charter", {"sponsor_id": "0"}, token_from="/teams/"
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'href="#sponsor_id"' in body and "Choose who in leadership sponsors the team." in body


def test_home_remembers_a_team_that_closed(client, login_as, staff):
    member = UserFactory(name="Mo Member")
    team = make_team(staff, members=(member,), name="Signage")
    teams.close_team(staff, teams.get_team(team.id), "Signs alone moved checkouts.")
    login_as(member)
    html = client.get("/").get_data(as_text=True)
    assert "You're not on a team yet" not in html
    assert "No active team right now" in html and "Past teams" in html
    assert "Signage" in html and "Signs alone moved checkouts." in html


def test_the_register_opens_on_unresolved_barriers_worst_first(client, login_as, staff, leader):
    def report(title, severity):
        return barriers.report_barrier(
            staff, barriers.BarrierDetails(title, "process", "customers", severity, "staff")
        )

    report("Low one", "low")
    report("Critical one", "critical")
    closed = report("Closed one", "high")
    barriers.resolve_barrier(leader, barriers.get_barrier(closed.id), "removed", "Fixed.")
    login_as(staff)
    html = client.get("/barriers/").get_data(as_text=True)
    assert "Closed one" not in html
    assert html.index("Critical one") < html.index("Low one")
    assert re.search(
        r'class="nav-link active" aria-current="page" href="/barriers/">Unresolved', html
    )
    everything = client.get("/barriers/?status=all").get_data(as_text=True)
    assert "Closed one" in everything
    export = client.get("/barriers/export.csv?status=all").get_data(as_text=True)
    assert "Closed one" in export
    assert "Closed one" not in client.get("/barriers/export.csv").get_data(as_text=True)


def test_the_digest_gives_an_initiatives_net_stage_change(app, staff):
    member = UserFactory(name="Mo Member")
    team = make_team(staff, members=(member,))
    for event in db.session.scalars(select(Activity)):
        event.at = utcnow() - timedelta(days=2)
    db.session.commit()
    item = initiatives.create_initiative(staff, team, initiatives.Details(title="Rota"))
    stages = {s.name: s.id for s in pipeline.stages()}
    for name in ("Discover", "Plan", "Pilot"):
        item = initiatives.move_initiative(staff, item, stages[name])
    digest = content.build(member, utcnow() - timedelta(days=1), utcnow())
    lines = [i.text for s in digest.sections for i in s.items if i.kind == "moved_initiative"]
    assert lines == [f"{staff.name} moved “Rota” from Idea to Pilot (3 moves)"]


def test_team_addresses_keep_letters_of_every_script(client, login_as, staff):
    team = teams.propose_team(
        staff, teams.Charter(name="Ομάδα Εξυπηρέτησης", problem="Ουρές.", goal="Λιγότερες.")
    )
    assert team.slug == "ομάδα-εξυπηρέτησης"
    other = teams.propose_team(
        staff, teams.Charter(name="図書館チーム", problem="Queues.", goal="Fewer.")
    )
    assert other.slug == "図書館チーム"
    login_as(staff)
    assert client.get(f"/teams/{team.slug}").status_code == 200
    assert db.session.scalar(select(Team.slug).where(Team.id == other.id)) == "図書館チーム"


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
