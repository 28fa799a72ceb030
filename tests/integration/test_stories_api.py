"""The impact stories API: the contract's endpoints over the same services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from teams_app.models import utcnow
from teams_app.stories import services
from tests.factories import make_story

BODY = {
    "title": "A lost passport found",
    "body": "We **found** it. <script>x()</script>",
    "kind": "recovery",
    "no_personal_details": True,
}


def test_share_a_story_and_read_it_back(api_as, staff):
    api = api_as(staff)
    response = api.post("/stories", json=BODY)
    assert response.status_code == 201, response.json
    story = response.json
    assert story["occurred_on"] == utcnow().date().isoformat()
    assert "<strong>found</strong>" in story["body_html"]
    assert "<script>" not in story["body_html"]
    assert story["cheer_count"] == 0 and story["cheered_by_me"] is False
    assert story["featured_month"] is None and story["hidden"] is False
    assert story["author"]["id"] == staff.id
    got = api.get(f"/stories/{story['id']}").json
    assert got["title"] == "A lost passport found" and got["version"] == story["version"]


def test_missing_privacy_confirmation_is_422_on_that_field(api_as, staff):
    api = api_as(staff)
    response = api.post("/stories", json={**BODY, "no_personal_details": False})
    assert response.status_code == 422
    assert "no_personal_details" in response.json["error"]["fields"]
    response = api.post(
        "/stories", json={k: v for k, v in BODY.items() if k != "no_personal_details"}
    )
    assert response.status_code == 422
    assert "no_personal_details" in response.json["error"]["fields"]
    assert api.get("/stories").json["total"] == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "meh"}, "kind"),
        ({"title": "x" * 161}, "title"),
        ({"barrier_id": 99999}, "barrier_id"),
        ({"department_id": 99999}, "department_id"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": "2026-02-30"}, "occurred_on"),
    ],
)
def test_bad_fields_are_422(api_as, staff, change, field):
    response = api_as(staff).post("/stories", json={**BODY, **change})
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_the_feed_filters_and_shows_cheered_by_me(api_as, staff, colleague):
    win = make_story(staff, title="Desk win", kind="win")
    make_story(staff, title="Learning", kind="failure")
    old = make_story(staff, title="Old one", occurred_on=utcnow().date() - timedelta(days=45))
    services.cheer(colleague, win)
    api = api_as(colleague)
    feed = api.get("/stories").json
    assert feed["total"] == 3 and feed["page"] == 1
    assert {s["title"]: s["cheered_by_me"] for s in feed["items"]}["Desk win"] is True
    assert [s["title"] for s in api.get("/stories?kind=failure").json["items"]] == ["Learning"]
    month = old.occurred_on.strftime("%Y-%m")
    assert [s["title"] for s in api.get(f"/stories?month={month}").json["items"]] == ["Old one"]
    assert [s["title"] for s in api.get("/stories?q=desk").json["items"]] == ["Desk win"]
    assert api.get("/stories?month=2026-13").status_code == 422


def test_cheer_once_then_409_and_delete_204(api_as, staff, colleague):
    story = make_story(staff)
    api = api_as(colleague)
    response = api.post(f"/stories/{story.id}/cheer")
    assert response.status_code == 201 and response.json["cheer_count"] == 1
    again = api.post(f"/stories/{story.id}/cheer")
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert api.get(f"/stories/{story.id}").json["cheered_by_me"] is True
    assert api.delete(f"/stories/{story.id}/cheer").status_code == 204
    assert api.get(f"/stories/{story.id}").json["cheer_count"] == 0
    assert api.delete(f"/stories/{story.id}/cheer").status_code == 409


def test_cheering_your_own_story_is_403(api_as, staff):
    story = make_story(staff)
    assert api_as(staff).post(f"/stories/{story.id}/cheer").status_code == 403


def test_patch_needs_a_version_and_a_stale_one_is_409(api_as, staff, colleague):
    story = make_story(staff, title="First")
    api = api_as(staff)
    assert api.patch(f"/stories/{story.id}", json={"title": "No version"}).status_code == 422
    ok = api.patch(f"/stories/{story.id}", json={"title": "Second", "version": story.version})
    assert ok.status_code == 200 and ok.json["title"] == "Second"
    stale = api.patch(f"/stories/{story.id}", json={"title": "Third", "version": story.version})
    assert stale.status_code == 409
    header = api.patch(
        f"/stories/{story.id}",
        json={"title": "By header"},
        headers={"If-Match": f'"{ok.json["version"]}"'},
    )
    assert header.status_code == 200 and header.json["title"] == "By header"
    other = api_as(colleague).patch(f"/stories/{story.id}", json={"version": 1})
    assert other.status_code == 403


def test_hide_unhide_and_feature_for_leadership(api_as, staff, colleague, leader):
    story = make_story(staff, title="Featured one")
    boss, peer = api_as(leader), api_as(colleague)
    assert peer.post(f"/stories/{story.id}/hide", json={"reason": "no"}).status_code == 403
    assert boss.post(f"/stories/{story.id}/hide", json={}).status_code == 422
    hidden = boss.post(f"/stories/{story.id}/hide", json={"reason": "Names a customer."})
    assert hidden.status_code == 200 and hidden.json["hidden"] is True
    assert peer.get(f"/stories/{story.id}").status_code == 404
    assert peer.get("/stories").json["total"] == 0
    assert boss.get("/stories").json["items"][0]["hidden"] is True
    assert boss.post(f"/stories/{story.id}/feature", json={}).status_code == 409
    assert boss.post(f"/stories/{story.id}/unhide").status_code == 200
    assert peer.post(f"/stories/{story.id}/feature", json={}).status_code == 403
    assert boss.post(f"/stories/{story.id}/feature", json={"month": "2001-01"}).status_code == 409
    featured = boss.post(f"/stories/{story.id}/feature", json={"month": services.this_month()})
    assert featured.status_code == 200
    assert featured.json["featured_month"] == services.this_month()
    got = peer.get("/stories/featured")
    assert got.status_code == 200 and got.json["title"] == "Featured one"
    assert peer.get("/stories/featured?month=2001-01").status_code == 404


def test_unknown_story_is_404(api_as, staff):
    assert api_as(staff).get("/stories/99999").status_code == 404
    assert api_as(staff).post("/stories/99999/cheer").status_code == 404


def test_the_openapi_document_describes_stories(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/stories/{story_id}/feature" in paths
    assert "/api/v1/stories/featured" in paths
