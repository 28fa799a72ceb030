"""Initiative pages, driven by the real forms."""

from __future__ import annotations

import re

from teams_app.extensions import db
from teams_app.initiatives import pipeline, services
from teams_app.models import Initiative
from tests.conftest import login, post_form


def stage_id(name):
    return next(s.id for s in pipeline.stages() if s.name == name)


def add(team, actor, title="Yes list"):
    return services.create_initiative(actor, team, services.Details(title=title))


def test_member_adds_an_initiative_with_the_form(client, team, staff):
    login(client, staff)
    data = {
        "title": "Yes list",
        "summary": "One page.",
        "owner_id": "0",
        "target_date": "2027-03-31",
    }
    response = post_form(
        client, f"/teams/{team.slug}/initiatives/new", data, token_from=f"/teams/{team.slug}"
    )
    assert response.status_code == 302
    initiative = db.session.query(Initiative).one()
    assert (initiative.title, str(initiative.target_date), initiative.owner_id) == (
        "Yes list",
        "2027-03-31",
        staff.id,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Idea" in page and "On track" in page


def test_invalid_date_is_refused_and_input_kept(client, team, staff):
    login(client, staff)
    data = {"title": "Yes list", "owner_id": "0", "target_date": "2027-02-30"}
    response = post_form(
        client, f"/teams/{team.slug}/initiatives/new", data, token_from=f"/teams/{team.slug}"
    )
    assert response.status_code == 422
    assert "Not a valid date value." in response.get_data(as_text=True)
    assert 'value="Yes list"' in response.get_data(as_text=True)
    assert db.session.query(Initiative).count() == 0


def test_move_with_the_form_and_back_needs_a_note(client, team, staff):
    initiative = add(team, staff)
    login(client, staff)
    page = f"/initiatives/{initiative.id}"
    post_form(
        client,
        f"{page}/move",
        {"to_stage_id": stage_id("Plan"), "from_stage_id": stage_id("Idea")},
        token_from=page,
    )
    assert services.get_initiative(initiative.id).stage.name == "Plan"
    refused = post_form(
        client,
        f"{page}/move",
        {"to_stage_id": stage_id("Idea")},
        token_from=page,
        follow_redirects=True,
    )
    assert "Add a note saying why" in refused.get_data(as_text=True)
    post_form(
        client,
        f"{page}/move",
        {"to_stage_id": stage_id("Idea"), "note": "Rethink"},
        token_from=page,
    )
    body = client.get(page).get_data(as_text=True)
    assert "Plan → <strong>Idea</strong>" in body and "Rethink" in body


def test_a_stale_move_from_the_board_says_where_it_went(client, team, staff):
    initiative = add(team, staff)
    services.move_initiative(staff, initiative, stage_id("Discover"))
    login(client, staff)
    response = post_form(
        client,
        f"/initiatives/{initiative.id}/move",
        {"to_stage_id": stage_id("Plan"), "from_stage_id": stage_id("Idea")},
        token_from=f"/teams/{team.slug}/board",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert response.get_json()["message"].startswith("It moved to Discover meanwhile")


def test_status_update_renders_markdown_safely_and_sets_health(client, team, staff):
    initiative = add(team, staff)
    login(client, staff)
    page = f"/initiatives/{initiative.id}"
    body = "**Budget** is unclear <script>alert(1)</script>"
    response = post_form(
        client, f"{page}/updates", {"health": "at_risk", "body": body}, token_from=page
    )
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "<strong>Budget</strong>" in html and "<script>alert(1)" not in html
    assert services.get_initiative(initiative.id).health == "at_risk"
    empty = post_form(
        client, f"{page}/updates", {"health": "on_track", "body": ""}, token_from=page
    )
    assert empty.status_code == 422


def test_board_has_a_column_per_stage_and_cards(client, team, staff):
    add(team, staff, "First")
    second = add(team, staff, "Second")
    services.move_initiative(staff, second, stage_id("Pilot"))
    login(client, staff)
    html = client.get(f"/teams/{team.slug}/board").get_data(as_text=True)
    columns = re.findall(
        r'<section class="board-column[^"]*" id="stage-\d+" data-stage-id="(\d+)"', html
    )
    assert len(columns) == len(pipeline.stages())
    assert html.count("board-card is-movable") == 2 and "Second" in html
    assert "/static/js/board.js" in html and "/static/vendor/sortablejs/Sortable.min.js" in html
    # Done and Stopped start folded to their counts, with a button to open them.
    assert html.count('aria-expanded="false" aria-controls="cards-') == 2


def test_list_filters_by_health_stale_and_team(client, team, staff):
    from datetime import timedelta

    fresh = add(team, staff, "Fresh one")
    old = add(team, staff, "Old one")
    services.post_update(staff, services.get_initiative(fresh.id), "off_track", "Stuck")
    db.session.execute(
        Initiative.__table__.update()
        .where(Initiative.id == old.id)
        .values(update_due_at=services.utcnow() - timedelta(days=1))
    )
    db.session.commit()
    login(client, staff)
    assert "Fresh one" in client.get("/initiatives/?health=off_track").get_data(as_text=True)
    stale = client.get("/initiatives/?stale=yes").get_data(as_text=True)
    assert "Old one" in stale and "Fresh one" not in stale
    assert "Stale" in client.get(f"/teams/{team.slug}").get_data(as_text=True)
    assert "No initiatives match" in client.get("/initiatives/?health=at_risk").get_data(
        as_text=True
    )


def test_home_shows_my_initiatives(client, team, staff):
    add(team, staff, "Mine")
    login(client, staff)
    assert "Mine" in client.get("/").get_data(as_text=True)


def test_stale_edit_is_refused_with_input_kept(client, team, staff):
    initiative = add(team, staff)
    login(client, staff)
    form = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    services.edit_initiative(
        staff,
        services.get_initiative(initiative.id),
        services.Details(title="Theirs"),
        int(version),
    )
    response = post_form(
        client,
        f"/initiatives/{initiative.id}/edit",
        {"title": "Mine", "owner_id": "0", "version": version},
        token_from=f"/initiatives/{initiative.id}",
    )
    assert response.status_code == 409
    assert "Theirs" in response.get_data(as_text=True) and 'value="Mine"' in response.get_data(
        as_text=True
    )


def test_admin_manages_the_pipeline(client, admin, team, staff):
    add(team, staff)
    login(client, admin)
    page = client.get("/admin/stages").get_data(as_text=True)
    assert "Stage pipeline" in page and page.count('name="name"') >= 8
    post_form(
        client, "/admin/stages", {"name": "Evaluate", "kind": "open"}, token_from="/admin/stages"
    )
    assert pipeline.stages()[-1].name == "Evaluate"
    clash = post_form(
        client, "/admin/stages", {"name": "idea", "kind": "open"}, token_from="/admin/stages"
    )
    assert clash.status_code == 422
    evaluate = pipeline.stages()[-1]
    post_form(
        client, f"/admin/stages/{evaluate.id}/move", {"direction": "up"}, token_from="/admin/stages"
    )
    assert pipeline.stages()[-2].name == "Evaluate"
    post_form(
        client,
        f"/admin/stages/{evaluate.id}/edit",
        {"name": "Review", "kind": "open"},
        token_from="/admin/stages",
    )
    refused = post_form(
        client,
        f"/admin/stages/{stage_id('Idea')}/delete",
        token_from="/admin/stages",
        follow_redirects=True,
    )
    assert "holds 1" in refused.get_data(as_text=True)
    post_form(client, f"/admin/stages/{evaluate.id}/delete", token_from="/admin/stages")
    assert "Review" not in [s.name for s in pipeline.stages()]


def test_owner_filter_and_update_interval_make_things_stale(client, team, staff):
    from teams_app.teams import services as teams

    member = next(m.user for m in team.active_memberships() if m.user_id != staff.id)
    add(team, staff, "Staff owns")
    services.create_initiative(
        staff, team, services.Details(title="Member owns", owner_id=member.id)
    )
    login(client, staff)
    mine = client.get(f"/initiatives/?owner={member.id}").get_data(as_text=True)
    assert "Member owns" in mine and "Staff owns" not in mine
    current = teams.get_team(team.id)
    charter = teams.Charter(
        name=current.name, problem=current.problem, goal=current.goal, update_interval_days=1
    )
    teams.update_charter(staff, current, charter, current.version)
    from datetime import timedelta

    item = db.session.query(Initiative).filter_by(title="Staff owns").one()
    db.session.refresh(item)
    assert item.update_due_at <= item.created_at + timedelta(days=1, seconds=1)
    feed = client.get(f"/teams/{team.slug}").get_data(as_text=True)
    assert "added the initiative “Member owns”" in feed
