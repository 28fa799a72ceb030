"""The initiatives API: the contract's endpoints over the same services."""

from __future__ import annotations

from teams_app.initiatives import pipeline
from tests.factories import UserFactory


def sid(name):
    return next(s.id for s in pipeline.stages() if s.name == name)


def test_stages_are_listed_in_order(api_as, staff):
    body = api_as(staff).get("/stages").get_json()
    assert [s["name"] for s in body][:2] == ["Idea", "Discover"]
    assert body[-1]["kind"] == "stopped"


def test_create_move_update_and_read_history(api_as, team, staff):
    api = api_as(staff)
    created = api.post(
        "/initiatives", json={"team_id": team.id, "title": "Yes list", "target_date": "2027-03-31"}
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert (item["stage"]["name"], item["health"], item["stale"], item["target_date"]) == (
        "Idea",
        "on_track",
        False,
        "2027-03-31",
    )
    path = f"/initiatives/{item['id']}"

    moved = api.post(
        f"{path}/stage", json={"to_stage_id": sid("Pilot"), "from_stage_id": sid("Idea")}
    )
    assert moved.status_code == 200 and moved.get_json()["stage"]["name"] == "Pilot"
    assert (
        api.post(
            f"{path}/stage", json={"to_stage_id": sid("Plan"), "from_stage_id": sid("Idea")}
        ).status_code
        == 409
    )
    assert api.post(f"{path}/stage", json={"to_stage_id": sid("Pilot")}).status_code == 409
    no_note = api.post(f"{path}/stage", json={"to_stage_id": sid("Plan")})
    assert no_note.status_code == 422 and "note" in no_note.get_json()["error"]["fields"]
    assert api.post(f"{path}/stage", json={"to_stage_id": 999999}).status_code == 422

    update = api.post(
        f"{path}/updates",
        json={"health": "at_risk", "body": "**Budget** unclear <script>x</script>"},
    )
    assert update.status_code == 201
    assert (
        "<strong>Budget</strong>" in update.get_json()["body_html"]
        and "<script>" not in update.get_json()["body_html"]
    )
    assert api.get(path).get_json()["health"] == "at_risk"

    history = api.get(f"{path}/history").get_json()
    assert [
        (h["from_stage"] and h["from_stage"]["name"], h["to_stage"]["name"]) for h in history
    ] == [(None, "Idea"), ("Idea", "Pilot")]
    assert history[0]["at"].endswith("Z")


def test_list_filters(api_as, team, staff):
    api = api_as(staff)
    for title in ("A", "B"):
        api.post("/initiatives", json={"team_id": team.id, "title": title})
    assert api.get(f"/initiatives?team_id={team.id}").get_json()["total"] == 2
    assert api.get("/initiatives?health=off_track").get_json()["total"] == 0
    assert api.get("/initiatives?stale=true").get_json()["total"] == 0
    assert api.get("/initiatives?health=great").status_code == 422


def test_patch_needs_version_and_refuses_stale(api_as, team, staff):
    api = api_as(staff)
    item = api.post("/initiatives", json={"team_id": team.id, "title": "A"}).get_json()
    path = f"/initiatives/{item['id']}"
    assert api.patch(path, json={"title": "B"}).status_code == 422
    ok = api.patch(path, json={"title": "B", "version": item["version"]})
    assert ok.status_code == 200 and ok.get_json()["title"] == "B"
    assert api.patch(path, json={"title": "C", "version": item["version"]}).status_code == 409
    assert (
        api.patch(
            path, json={"target_date": "2027-02-30", "version": ok.get_json()["version"]}
        ).status_code
        == 422
    )


def test_outsiders_and_non_movers_get_403(api_as, team, staff):
    item = api_as(staff).post("/initiatives", json={"team_id": team.id, "title": "A"}).get_json()
    outsider = api_as(UserFactory())
    assert outsider.post("/initiatives", json={"team_id": team.id, "title": "X"}).status_code == 403
    assert outsider.post(f"/initiatives/{item['id']}/updates", json={}).status_code == 403
    member = next(m.user for m in team.active_memberships() if m.user_id != staff.id)
    assert (
        api_as(member)
        .post(f"/initiatives/{item['id']}/stage", json={"to_stage_id": sid("Plan")})
        .status_code
        == 403
    )


def test_unknown_initiative_is_404(api_as, staff):
    assert api_as(staff).get("/initiatives/424242").status_code == 404
