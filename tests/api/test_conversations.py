"""The conversations API as the contract lays it out: comments on each kind, mentions, edit /
delete / hide, "me too", follows and the inbox, with the contract's error shapes and pagination."""

from __future__ import annotations

import pytest

KINDS = ("initiatives", "updates", "barriers", "actions", "stories", "teams")


def _ident(w, kind):
    return {
        "initiatives": w.initiative.id,
        "updates": w.update.id,
        "barriers": w.barrier.id,
        "actions": w.action.id,
        "stories": w.story.id,
        "teams": w.team.id,
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_comment_on_each_kind_and_list_it(api_as, w, kind):
    api = api_as(w.outsider)
    path = f"/{kind}/{_ident(w, kind)}/comments"
    r = api.post(path, json={"body": "Hello @Milo Member, **bold**"})
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    assert c["mentions"] == [{"id": w.member.id, "name": "Milo Member"}]
    assert "<strong>bold</strong>" in c["body_html"] and c["version"] == 1
    assert (
        f'#person-{w.member.id}" rel="noopener noreferrer nofollow">@Milo Member</a>'
        in c["body_html"]
    )
    listing = api.get(path).get_json()
    assert listing["total"] == 1 and listing["page"] == 1 and listing["items"][0]["id"] == c["id"]


def test_errors_follow_the_contract(api_as, w):
    api = api_as(w.member)
    path = f"/barriers/{w.barrier.id}/comments"
    assert api.get("/nosuch/1/comments").status_code == 404
    assert api.get("/barriers/999999/comments").status_code == 404
    r = api.post(path, json={"body": "   "})
    err = r.get_json()["error"]
    assert r.status_code == 422 and err["code"] == "validation_error" and "body" in err["fields"]
    assert api.post(path, json={"body": "<script>x</script>"}).status_code == 422
    assert api.post(path, json={"body": "x", "extra": 1}).status_code == 422
    assert api.post(path, json={"body": "x", "parent_id": 999999}).status_code == 422
    assert api_as(None).get(path).status_code == 401


def test_edit_delete_hide(api_as, w, mailbox, run_jobs):
    author, other, boss = api_as(w.member), api_as(w.lead), api_as(w.boss)
    c = author.post(f"/barriers/{w.barrier.id}/comments", json={"body": "First"}).get_json()
    path = f"/comments/{c['id']}"
    assert author.patch(path, json={"body": "Second"}).status_code == 422  # no version
    assert other.patch(path, json={"body": "Mine", "version": 1}).status_code == 403
    r = author.patch(path, json={"body": "Second", "version": 1})
    assert r.status_code == 200 and r.get_json()["version"] == 2
    stale = author.patch(path, json={"body": "Third", "version": 1})
    assert stale.status_code == 409
    assert (
        author.patch(path, json={"body": "Third"}, headers={"If-Match": '"2"'}).status_code == 200
    )
    assert other.post(f"{path}/hide", json={"reason": "x"}).status_code == 403
    assert boss.post(f"{path}/hide", json={}).status_code == 422
    hidden = boss.post(f"{path}/hide", json={"reason": "Keep it kind."})
    assert hidden.status_code == 200 and hidden.get_json()["hidden"] is True
    assert other.get(path).get_json()["body"] == ""  # others no longer read it
    assert author.get(path).get_json()["body"] == "Third"
    assert run_jobs() == 0 and mailbox.to(w.member.email)
    c2 = author.post(f"/barriers/{w.barrier.id}/comments", json={"body": "Oops"}).get_json()
    assert other.delete(f"/comments/{c2['id']}").status_code == 403
    assert author.delete(f"/comments/{c2['id']}").status_code == 204
    gone = author.get(f"/comments/{c2['id']}").get_json()
    assert gone["deleted"] is True and gone["body"] == ""
    assert author.delete(f"/comments/{c2['id']}").status_code == 409


def test_a_closed_team_is_409(api_as, w):
    from teams_app.teams import services as teams

    teams.close_team(w.lead, teams.get_team(w.team.id), "Done.")
    r = api_as(w.lead).post(f"/teams/{w.team.id}/comments", json={"body": "Hi"})
    assert r.status_code == 409 and r.get_json()["error"]["status"] == 409


def test_me_too(api_as, w):
    api = api_as(w.member)
    path = f"/barriers/{w.barrier.id}/support"
    r = api.post(path, json={"comment": "Also at Moore, every Saturday"})
    assert r.status_code == 201 and r.get_json() == {"support_count": 1, "supported_by_me": True}
    assert api.post(path, json={}).status_code == 409
    assert api_as(w.lead).post(path).status_code == 201
    assert api.delete(path).status_code == 204
    assert api.delete(path).status_code == 409
    assert api_as(w.outsider).post("/barriers/999999/support").status_code == 404


def test_follows_and_notifications(api_as, w):
    boss = api_as(w.boss)
    assert boss.put(f"/barriers/{w.barrier.id}/follow").get_json()["following"] is True
    assert boss.put("/cheeses/1/follow").status_code == 404
    items = boss.get("/me/follows").get_json()["items"]
    assert {
        "kind": "barriers",
        "id": w.barrier.id,
        "title": "Printer jams",
        "automatic": False,
    } in items
    api_as(w.outsider).post(f"/barriers/{w.barrier.id}/comments", json={"body": "Again today"})
    inbox = boss.get("/me/notifications").get_json()
    assert inbox["unread"] == 1 and inbox["total"] == 1
    n = inbox["items"][0]
    assert n["kind"] == "comment" and n["read"] is False and "#comment-" in n["url"]
    assert boss.get("/me/notifications?unread=true").get_json()["total"] == 1
    assert boss.post("/me/notifications/read", json={}).status_code == 422
    r = boss.post("/me/notifications/read", json={"ids": [n["id"]]})
    assert r.get_json() == {"marked": 1, "unread": 0}
    assert boss.post("/me/notifications/read", json={"all": True}).get_json()["marked"] == 0
    assert boss.delete(f"/barriers/{w.barrier.id}/follow").status_code == 204
    # Someone else's ids change nothing.
    assert (
        api_as(w.lead).post("/me/notifications/read", json={"ids": [n["id"]]}).get_json()["marked"]
        == 0
    )


def test_the_openapi_document_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/{target_kind}/{target_id}/comments",
        "/api/v1/comments/{comment_id}",
        "/api/v1/comments/{comment_id}/hide",
        "/api/v1/barriers/{barrier_id}/support",
        "/api/v1/me/follows",
        "/api/v1/{target_kind}/{target_id}/follow",
        "/api/v1/me/notifications",
        "/api/v1/me/notifications/read",
    ):
        assert path in paths, path


def test_the_barrier_list_sorts_and_filters_by_support(api_as, w):
    api = api_as(w.member)
    api.post(f"/barriers/{w.barrier.id}/support")
    body = api.get("/barriers?sort=support&min_support=1").get_json()
    assert [b["id"] for b in body["items"]] == [w.barrier.id]
    assert body["items"][0]["support_count"] == 1
    assert api.get("/barriers?sort=nonsense").status_code == 422
