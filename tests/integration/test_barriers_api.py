"""The barriers and actions API: the contract's endpoints over the same services."""

from __future__ import annotations

from datetime import date

import pytest

from teams_app.extensions import db
from teams_app.initiatives import services as initiative_services
from teams_app.models import Action
from teams_app.teams import services as team_services
from tests.factories import DepartmentFactory, UserFactory


def barrier_body(**overrides):
    body = {
        "title": "Card readers reject older library cards",
        "category": "technology",
        "affects": "customers",
        "severity": "high",
        "source": "staff",
    }
    body.update(overrides)
    return body


@pytest.fixture
def reporter():
    return UserFactory(name="Rita Reporter")


@pytest.fixture
def reported(api_as, reporter, team):
    """A barrier Rita reported and handed to the Desk Team."""
    response = api_as(reporter).post("/barriers", json=barrier_body(team_id=team.id))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def fields_of(response):
    return response.get_json()["error"]["fields"]


# --- Barriers -----------------------------------------------------------------------------------


def test_report_returns_201_with_the_barrier(api_as, reporter, team):
    dept = DepartmentFactory(name="Central Branch")
    response = api_as(reporter).post(
        "/barriers",
        json=barrier_body(description="  Since May.  ", team_id=team.id, department_id=dept.id),
    )
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert (item["status"], item["severity"], item["description"], item["version"]) == (
        "open",
        "high",
        "Since May.",
        1,
    )
    assert item["reported_by"]["id"] == reporter.id
    assert item["team"] == {"id": team.id, "name": "Desk Team", "slug": team.slug}
    assert item["department"] == {"id": dept.id, "name": "Central Branch"}
    assert item["initiative"] is None and item["resolution"] is None and item["actions"] == []
    assert item["reported_at"].endswith("Z") and item["days_to_resolve"] >= 0
    fetched = api_as(reporter).get(f"/barriers/{item['id']}")
    assert fetched.status_code == 200 and fetched.get_json()["title"] == item["title"]


def test_initiative_sets_the_team(api_as, staff, team):
    initiative = initiative_services.create_initiative(
        staff, team_services.get_team(team.id), initiative_services.Details(title="Self checkout")
    )
    item = (
        api_as(staff).post("/barriers", json=barrier_body(initiative_id=initiative.id)).get_json()
    )
    assert item["initiative"] == {"id": initiative.id, "title": "Self checkout"}
    assert item["team"]["id"] == team.id


@pytest.mark.parametrize(
    "change, field",
    [
        ({"severity": "catastrophic"}, "severity"),
        ({"category": "weather"}, "category"),
        ({"affects": "everyone"}, "affects"),
        ({"source": "rumour"}, "source"),
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"team_id": 424242}, "team_id"),
        ({"initiative_id": 424242}, "initiative_id"),
        ({"department_id": 424242}, "department_id"),
    ],
)
def test_invalid_report_is_422_with_fields(api_as, staff, change, field):
    body = barrier_body(**change)
    if change.get("title", "x") is None:
        del body["title"]
    api = api_as(staff)
    response = api.post("/barriers", json=body)
    assert response.status_code == 422
    assert field in fields_of(response)
    assert api.get("/barriers").get_json()["total"] == 0


def test_list_filters_and_paging(api_as, staff, reporter, team):
    api = api_as(reporter)
    made = [
        api.post("/barriers", json=barrier_body(title="Printer jams", severity="low")),
        api.post(
            "/barriers",
            json=barrier_body(title="Rota gaps", category="staffing", team_id=team.id),
        ),
        api.post("/barriers", json=barrier_body(title="Forms unclear", category="process")),
    ]
    assert [r.status_code for r in made] == [201, 201, 201]
    rota = made[1].get_json()
    api_as(staff).patch(
        f"/barriers/{rota['id']}",
        json={"status": "accepted", "resolution": "Seasonal; we live with it.", "version": 1},
    )

    def titles(query):
        response = api.get(f"/barriers{query}")
        assert response.status_code == 200, response.get_json()
        return {b["title"] for b in response.get_json()["items"]}

    assert titles("?status=unresolved") == {"Printer jams", "Forms unclear"}
    assert titles("?status=closed") == {"Rota gaps"}
    assert titles("?status=accepted") == {"Rota gaps"}
    assert titles("?category=process") == {"Forms unclear"}
    assert titles("?severity=low") == {"Printer jams"}
    assert titles(f"?team_id={team.id}") == {"Rota gaps"}
    assert titles("?q=jams") == {"Printer jams"}
    assert titles(f"?reported_by_id={staff.id}") == set()
    newest = api.get("/barriers?sort=newest").get_json()["items"]
    assert newest[0]["title"] == "Forms unclear"
    severe = api.get("/barriers?sort=severity").get_json()["items"]
    assert severe[-1]["title"] == "Printer jams"

    page = api.get("/barriers?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 2, 2, 1)
    assert api.get("/barriers?status=gone").status_code == 422
    assert api.get("/barriers?sort=random").status_code == 422


def test_patch_needs_a_version_and_refuses_a_stale_one(api_as, reporter, reported):
    api = api_as(reporter)
    path = f"/barriers/{reported['id']}"
    missing = api.patch(path, json={"title": "Readers reject old cards"})
    assert missing.status_code == 422 and "version" in fields_of(missing)
    ok = api.patch(path, json={"title": "Readers reject old cards", "version": 1})
    assert ok.status_code == 200, ok.get_json()
    assert (ok.get_json()["title"], ok.get_json()["version"]) == ("Readers reject old cards", 2)
    assert ok.get_json()["severity"] == "high"  # fields not sent are kept
    stale = api.patch(path, json={"title": "Lost edit", "version": 1})
    assert stale.status_code == 409 and "version" in fields_of(stale)
    via_header = api.patch(path, json={"severity": "critical"}, headers={"If-Match": '"2"'})
    assert via_header.status_code == 200, via_header.get_json()
    assert (via_header.get_json()["severity"], via_header.get_json()["version"]) == ("critical", 3)
    assert api.patch(path, json={"severity": "low"}, headers={"If-Match": '"2"'}).status_code == 409
    assert api.get(path).get_json()["title"] == "Readers reject old cards"


def test_outsiders_cannot_edit(api_as, reported):
    response = api_as(UserFactory()).patch(
        f"/barriers/{reported['id']}", json={"severity": "nonsense"}
    )
    assert response.status_code == 403  # not a field error: they could never make this change


def test_resolve_needs_a_resolution_and_tells_the_reporter(
    api_as, staff, reporter, reported, mailbox, run_jobs
):
    api = api_as(staff)
    path = f"/barriers/{reported['id']}"
    bare = api.patch(path, json={"status": "removed", "version": 1})
    assert bare.status_code == 422 and "resolution" in fields_of(bare)
    assert api.get(path).get_json()["status"] == "open"

    done = api.patch(
        path, json={"status": "removed", "resolution": "New readers installed.", "version": 1}
    )
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["resolution"]) == ("removed", "New readers installed.")
    assert body["resolved_at"].endswith("Z") and body["resolved_by"]["id"] == staff.id
    assert api.get("/barriers?status=closed").get_json()["total"] == 1

    assert run_jobs() == 0
    [mail] = mailbox.to(reporter.email)
    assert mail["Subject"].startswith("You said, we did")
    assert "New readers installed." in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_member_who_is_not_a_lead_cannot_close(api_as, member, reported):
    response = api_as(member).patch(
        f"/barriers/{reported['id']}",
        json={"status": "accepted", "resolution": "Fine.", "version": 1},
    )
    assert response.status_code == 403
    assert api_as(member).get(f"/barriers/{reported['id']}").get_json()["status"] == "open"


def test_edit_and_close_in_one_patch(api_as, staff, reported):
    response = api_as(staff).patch(
        f"/barriers/{reported['id']}",
        json={"severity": "low", "status": "accepted", "resolution": "Rare.", "version": 1},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["severity"], body["status"], body["version"]) == ("low", "accepted", 3)


def test_a_closed_barrier_only_reopens(api_as, staff, reporter, reported):
    lead = api_as(staff)
    path = f"/barriers/{reported['id']}"
    closed = lead.patch(path, json={"status": "removed", "resolution": "Fixed.", "version": 1})
    version = closed.get_json()["version"]

    edit = lead.patch(path, json={"title": "Changed", "version": version})
    assert edit.status_code == 409
    assert lead.patch(path, json={"status": "accepted", "resolution": "x"}).status_code == 409
    by_hand = lead.patch(path, json={"status": "addressing", "version": version})
    assert by_hand.status_code == 422 and "status" in fields_of(by_hand)
    assert "actions" in by_hand.get_json()["error"]["message"]
    no_reason = api_as(reporter).patch(path, json={"status": "open", "version": version})
    assert no_reason.status_code == 422 and "reason" in fields_of(no_reason)
    assert lead.get(path).get_json()["status"] == "removed"

    reopened = api_as(reporter).patch(
        path, json={"status": "open", "reason": "Back again.", "version": version}
    )
    assert reopened.status_code == 200, reopened.get_json()
    body = reopened.get_json()
    assert (body["status"], body["resolution"], body["resolved_at"]) == ("open", None, None)
    again = lead.patch(
        path, json={"status": "open", "reason": "Twice.", "version": body["version"]}
    )
    assert again.status_code == 409  # not closed any more


def test_reopen_with_a_planned_action_is_addressing(api_as, staff, reported):
    lead = api_as(staff)
    path = f"/barriers/{reported['id']}"
    action = lead.post(
        "/actions", json={"description": "Order readers", "barrier_id": reported["id"]}
    )
    assert action.status_code == 201
    closed = lead.patch(
        path,
        json={
            "status": "accepted",
            "resolution": "Budget.",
            "version": 2,
            "open_actions": {str(action.get_json()["id"]): "dropped"},
        },
    )
    assert closed.status_code == 200, closed.get_json()
    reopened = lead.patch(
        path,
        json={
            "status": "open",
            "reason": "Budget came.",
            "version": closed.get_json()["version"],
            "restore_actions": [action.get_json()["id"]],
        },
    )
    assert reopened.status_code == 200
    assert reopened.get_json()["status"] == "addressing"
    assert [a["description"] for a in reopened.get_json()["actions"]] == ["Order readers"]


def test_status_addressing_cannot_be_set_by_hand(api_as, staff, reported):
    response = api_as(staff).patch(
        f"/barriers/{reported['id']}", json={"status": "addressing", "version": 1}
    )
    assert response.status_code == 422 and "status" in fields_of(response)
    same = api_as(staff).patch(f"/barriers/{reported['id']}", json={"status": "open", "version": 1})
    assert same.status_code == 200 and same.get_json()["version"] == 1  # a no-op


def test_similar_finds_an_open_barrier_by_a_shared_word(api_as, staff, reported):
    api = api_as(staff)
    api.post("/barriers", json=barrier_body(title="Parking is full at noon"))
    response = api.get("/barriers/similar?title=Old cards are refused")
    assert response.status_code == 200
    assert response.get_json() == [
        {
            "id": reported["id"],
            "title": reported["title"],
            "status": "open",
            "severity": "high",
        }
    ]
    assert api.get(f"/barriers/similar?title=cards&exclude_id={reported['id']}").get_json() == []
    assert api.get("/barriers/similar").status_code == 422


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/barriers/424242"),
        ("patch", "/barriers/424242"),
        ("get", "/actions/424242"),
        ("patch", "/actions/424242"),
    ],
)
def test_unknown_ids_in_the_path_are_404(api_as, staff, method, path):
    api = api_as(staff)
    response = api.patch(path, json={"version": 1}) if method == "patch" else api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- Actions ------------------------------------------------------------------------------------


def test_logging_an_action_makes_the_barrier_addressing(api_as, staff, member, reported):
    api = api_as(member)
    response = api.post(
        "/actions",
        json={
            "description": "Ask IT for new readers",
            "barrier_id": reported["id"],
            "owner_id": staff.id,
            "due_on": "2031-03-31",
        },
    )
    assert response.status_code == 201, response.get_json()
    action = response.get_json()
    assert (action["status"], action["due_on"], action["overdue"], action["version"]) == (
        "planned",
        "2031-03-31",
        False,
        1,
    )
    assert action["owner"]["id"] == staff.id
    assert action["barrier"] == {
        "id": reported["id"],
        "title": reported["title"],
        "status": "addressing",
    }
    assert action["initiative"] is None
    assert api.get(f"/barriers/{reported['id']}").get_json()["status"] == "addressing"
    assert api.get(f"/actions/{action['id']}").get_json()["description"] == "Ask IT for new readers"


def test_action_on_an_initiative(api_as, staff, team):
    initiative = initiative_services.create_initiative(
        staff, team_services.get_team(team.id), initiative_services.Details(title="Self checkout")
    )
    response = api_as(staff).post(
        "/actions", json={"description": "Pilot it", "initiative_id": initiative.id}
    )
    assert response.status_code == 201
    assert response.get_json()["initiative"] == {"id": initiative.id, "title": "Self checkout"}
    assert response.get_json()["owner"]["id"] == staff.id  # the caller by default


@pytest.mark.parametrize(
    "body, field",
    [
        ({"description": "Do it"}, "barrier_id"),
        ({"description": "Do it", "barrier_id": 424242}, "barrier_id"),
        ({"description": "Do it", "initiative_id": 424242}, "initiative_id"),
        ({"description": "Do it", "due_on": "not-a-date", "barrier_id": "BARRIER"}, "due_on"),
        ({"description": "", "barrier_id": "BARRIER"}, "description"),
        ({"description": "Do it", "owner_id": 424242, "barrier_id": "BARRIER"}, "owner_id"),
    ],
)
def test_invalid_action_is_422_with_fields(api_as, staff, reported, body, field):
    body = {k: reported["id"] if v == "BARRIER" else v for k, v in body.items()}
    api = api_as(staff)
    response = api.post("/actions", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in fields_of(response)
    assert api.get("/actions").get_json()["total"] == 0


def test_a_deactivated_owner_is_422(api_as, staff, reported):
    gone = UserFactory(name="Gone Person", active=False)
    response = api_as(staff).post(
        "/actions",
        json={"description": "Do it", "barrier_id": reported["id"], "owner_id": gone.id},
    )
    assert response.status_code == 422 and "owner_id" in fields_of(response)


def test_non_members_cannot_log_actions(api_as, reported):
    response = api_as(UserFactory()).post(
        "/actions", json={"description": "Do it", "barrier_id": reported["id"]}
    )
    assert response.status_code == 403


def test_no_actions_on_a_closed_barrier(api_as, staff, reported):
    api = api_as(staff)
    action = api.post("/actions", json={"description": "Do it", "barrier_id": reported["id"]})
    api.patch(
        f"/barriers/{reported['id']}",
        json={
            "status": "accepted",
            "resolution": "Lives on.",
            "version": 2,
            "open_actions": {"all": "dropped"},
        },
    )
    more = api.post("/actions", json={"description": "More", "barrier_id": reported["id"]})
    assert more.status_code == 409
    change = api.patch(
        f"/actions/{action.get_json()['id']}", json={"status": "doing", "version": 2}
    )
    assert change.status_code == 409


def test_done_needs_an_outcome_and_frees_the_barrier(api_as, staff, member, reported):
    api = api_as(member)
    action = api.post(
        "/actions", json={"description": "Ask IT", "barrier_id": reported["id"]}
    ).get_json()
    path = f"/actions/{action['id']}"
    assert api.patch(path, json={"status": "done"}).status_code == 422  # no version
    bare = api.patch(path, json={"status": "done", "version": 1})
    assert bare.status_code == 422 and "outcome" in fields_of(bare)
    assert api.get(path).get_json()["status"] == "planned"

    done = api.patch(path, json={"status": "done", "outcome": "Readers ordered.", "version": 1})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["outcome"], body["version"]) == ("done", "Readers ordered.", 2)
    assert body["done_at"].endswith("Z")
    assert body["barrier"]["status"] == "open"
    assert api.get(f"/barriers/{reported['id']}").get_json()["status"] == "open"
    assert api.patch(path, json={"status": "doing", "version": 1}).status_code == 409


def test_only_the_owner_and_leads_update_an_action(api_as, staff, member, reported):
    other = UserFactory(name="Other Member")
    team = team_services.get_team(reported["team"]["id"])
    team_services.add_member(staff, team, other.id)
    action = (
        api_as(staff)
        .post(
            "/actions",
            json={"description": "Ask IT", "barrier_id": reported["id"], "owner_id": member.id},
        )
        .get_json()
    )
    path = f"/actions/{action['id']}"
    refused = api_as(other).patch(path, json={"status": "bogus", "version": 1})
    assert refused.status_code == 403
    owner = api_as(member).patch(path, json={"status": "doing", "version": 1})
    assert owner.status_code == 200 and owner.get_json()["status"] == "doing"
    lead = api_as(staff).patch(path, json={"due_on": "2030-01-02"}, headers={"If-Match": "2"})
    assert lead.status_code == 200 and lead.get_json()["due_on"] == "2030-01-02"


def test_overdue_filter_lists_only_overdue_actions(api_as, staff, reported):
    api = api_as(staff)
    late = api.post(
        "/actions",
        json={"description": "Late", "barrier_id": reported["id"], "due_on": "2099-01-01"},
    ).get_json()
    # Logged in time, and now overdue: a new action cannot be due in the past.
    db.session.execute(
        Action.__table__.update().where(Action.id == late["id"]).values(due_on=date(2020, 1, 1))
    )
    db.session.commit()
    api.post(
        "/actions",
        json={"description": "Later", "barrier_id": reported["id"], "due_on": "2099-01-01"},
    )
    api.post("/actions", json={"description": "Undated", "barrier_id": reported["id"]})
    overdue = api.get("/actions?overdue=true").get_json()
    assert [a["description"] for a in overdue["items"]] == ["Late"]
    assert overdue["items"][0]["overdue"] is True and overdue["total"] == 1
    assert api.get("/actions?overdue=false").get_json()["total"] == 2
    all_three = api.get(f"/actions?barrier_id={reported['id']}&per_page=2").get_json()
    assert (all_three["total"], len(all_three["items"])) == (3, 2)
    assert api.get(f"/actions?owner_id={staff.id}&status=planned").get_json()["total"] == 3
    assert api.get("/actions?status=done").get_json()["total"] == 0
    assert api.get("/actions?status=finished").status_code == 422

    api.patch(f"/actions/{late['id']}", json={"status": "dropped", "version": 1})
    assert api.get("/actions?overdue=true").get_json()["total"] == 0


def test_openapi_document_lists_the_barrier_and_action_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, methods in {
        "/api/v1/barriers": {"get", "post"},
        "/api/v1/barriers/similar": {"get"},
        "/api/v1/barriers/{barrier_id}": {"get", "patch"},
        "/api/v1/actions": {"get", "post"},
        "/api/v1/actions/{action_id}": {"get", "patch"},
    }.items():
        assert methods <= set(paths[path]), path
    schemas = spec["components"]["schemas"]
    assert schemas["BarrierCreate"]["properties"]["severity"]["enum"] == [
        "low",
        "medium",
        "high",
        "critical",
    ]
    assert "unresolved" in str(paths["/api/v1/barriers"]["get"]["parameters"])
