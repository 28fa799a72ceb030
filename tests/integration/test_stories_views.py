"""Impact story pages, driven by the real forms."""

from __future__ import annotations

from datetime import timedelta

from teams_app.extensions import db
from teams_app.models import Barrier, ImpactStory, utcnow
from teams_app.stories import services
from tests.conftest import login, post_form
from tests.factories import UserFactory, make_story


def fresh(ident: int) -> ImpactStory:
    db.session.expire_all()
    story = db.session.get(ImpactStory, ident)
    assert story is not None
    return story


def switch(client, user):
    client._cookies.clear()
    login(client, user)


SHARE = {
    "title": "A lost passport found in an hour",
    "kind": "recovery",
    "body": "A traveller left it at the desk.\n\n- we called\n- they came back",
    "occurred_on": "",
    "department_id": "0",
    "initiative_id": "0",
    "barrier_id": "0",
    "no_personal_details": "y",
}


def test_staff_share_a_story_and_see_it_rendered(client, staff):
    login(client, staff)
    response = post_form(client, "/stories/new", SHARE, token_from="/stories/new")
    assert response.status_code == 302
    story = db.session.query(ImpactStory).one()
    assert response.headers["Location"].endswith(f"/stories/{story.id}")
    page = client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "<li>we called</li>" in page
    assert "Report a barrier from this story" in page
    assert f"/barriers/new?source=story&amp;story={story.id}" in page


def test_the_privacy_confirmation_is_required_and_input_is_kept(client, staff):
    login(client, staff)
    data = {**SHARE, "no_personal_details": ""}
    data.pop("no_personal_details")
    response = post_form(client, "/stories/new", data, token_from="/stories/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Confirm the story holds no customer names" in page
    assert "A lost passport found in an hour" in page
    assert db.session.query(ImpactStory).count() == 0


def test_markdown_is_rendered_safely(client, staff):
    story = make_story(staff, body="<script>alert(1)</script> **bold** [x](javascript:alert(1))")
    login(client, staff)
    page = client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "<strong>bold</strong>" in page
    assert "javascript:alert" not in page


def test_the_feed_filters_searches_and_shows_counts(client, staff, colleague):
    make_story(staff, title="Wins at the desk", kind="win")
    make_story(staff, title="A failure to learn from", kind="failure")
    old = make_story(
        staff,
        title="Older recovery 100%",
        kind="recovery",
        occurred_on=utcnow().date() - timedelta(days=40),
    )
    services.cheer(colleague, old)
    login(client, colleague)
    page = client.get("/stories/").get_data(as_text=True)
    assert "Wins at the desk" in page and "A failure to learn from" in page
    page = client.get("/stories/?kind=failure").get_data(as_text=True)
    assert "A failure to learn from" in page and "Wins at the desk" not in page
    month = old.occurred_on.strftime("%Y-%m")
    page = client.get(f"/stories/?month={month}").get_data(as_text=True)
    assert "Older recovery" in page and "Wins at the desk" not in page
    page = client.get("/stories/?q=100%25").get_data(as_text=True)
    assert "Older recovery" in page and "Wins at the desk" not in page
    assert "Cheered" in page  # colleague's own cheer shows as pressed
    page = client.get("/stories/?q=nothing-like-this").get_data(as_text=True)
    assert "No stories match" in page


def test_the_empty_feed_invites_a_story(client, staff):
    login(client, staff)
    assert "No stories yet" in client.get("/stories/").get_data(as_text=True)


def test_cheer_and_uncheer_by_form(client, staff, colleague):
    story = make_story(staff)
    login(client, colleague)
    response = post_form(client, f"/stories/{story.id}/cheer", {"next": "/stories/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/stories/")
    assert fresh(story.id).cheer_count == 1
    post_form(client, f"/stories/{story.id}/cheer")  # a second cheer is refused, counted once
    assert fresh(story.id).cheer_count == 1
    post_form(client, f"/stories/{story.id}/uncheer")
    assert fresh(story.id).cheer_count == 0


def test_an_author_cannot_cheer_their_own_story(client, staff):
    story = make_story(staff)
    login(client, staff)
    page = client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "You cannot cheer your own story" in page
    assert post_form(client, f"/stories/{story.id}/cheer").status_code == 403


def test_the_author_edits_and_a_stale_form_is_a_conflict(client, staff):
    story = make_story(staff, title="First title")
    login(client, staff)
    form = {**SHARE, "title": "Edited title", "version": str(story.version)}
    token_page = f"/stories/{story.id}/edit"
    response = post_form(client, f"/stories/{story.id}/edit", form, token_from=token_page)
    assert response.status_code == 302
    assert fresh(story.id).title == "Edited title"
    stale = {
        **form,
        "title": "Late",
        "version": str(story.version - 1 if story.version > 1 else 999),
    }
    response = post_form(client, f"/stories/{story.id}/edit", stale, token_from=token_page)
    assert response.status_code == 409
    assert fresh(story.id).title == "Edited title"


def test_others_cannot_edit(client, staff, colleague):
    story = make_story(staff)
    login(client, colleague)
    assert client.get(f"/stories/{story.id}/edit").status_code == 403


def test_leadership_hides_with_a_reason_after_confirming(client, staff, leader, colleague):
    story = make_story(staff, title="Names a customer")
    login(client, leader)
    page = client.get(f"/stories/{story.id}/hide").get_data(as_text=True)
    assert "Hide this story?" in page
    path = f"/stories/{story.id}/hide"
    assert post_form(client, path, {"reason": ""}, token_from=path).status_code == 422
    response = post_form(client, path, {"reason": "It names them."}, token_from=path)
    assert response.status_code == 302
    assert fresh(story.id).hidden
    assert "Names a customer" in client.get("/stories/").get_data(as_text=True)  # flagged
    switch(client, colleague)
    assert "Names a customer" not in client.get("/stories/").get_data(as_text=True)
    assert client.get(f"/stories/{story.id}").status_code == 404
    switch(client, leader)
    post_form(client, f"/stories/{story.id}/unhide")
    assert not fresh(story.id).hidden


def test_leadership_ranks_the_month_and_features_the_top_story(client, staff, leader):
    low, top = make_story(staff, title="Low one"), make_story(staff, title="Top one")
    for person in [UserFactory() for _ in range(2)]:
        services.cheer(person, top)
    login(client, leader)
    page = client.get("/stories/month").get_data(as_text=True)
    assert page.index("Top one") < page.index("Low one")
    response = post_form(
        client,
        f"/stories/{top.id}/feature",
        {"next": "/stories/month"},
        token_from="/stories/month",
    )
    assert response.status_code == 302
    assert fresh(top.id).featured_month == services.this_month()
    assert "Top one" in client.get("/stories/archive").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Impact Story of the Month" in home and "Top one" in home
    assert low.id


def test_staff_cannot_see_the_ranking(client, staff):
    login(client, staff)
    assert client.get("/stories/month").status_code == 403


def test_a_barrier_reported_from_a_story_links_both_ways(client, staff, colleague):
    story = make_story(staff, title="Confusing forms story")
    login(client, colleague)
    path = f"/barriers/new?source=story&story={story.id}"
    page = client.get(path).get_data(as_text=True)
    assert "From the story" in page and 'value="story" selected' in page.replace(
        'selected value="story"', 'value="story" selected'
    )
    response = post_form(
        client,
        path,
        {
            "title": "Forms are confusing",
            "description": "",
            "affects": "customers",
            "category": "process",
            "severity": "medium",
            "source": "story",
            "department_id": "0",
            "team_id": "0",
            "initiative_id": "0",
            "story": str(story.id),
        },
        token_from=path,
    )
    assert response.status_code == 302
    barrier = db.session.query(Barrier).one()
    assert fresh(story.id).barrier_id == barrier.id
    page = client.get(f"/barriers/{barrier.id}").get_data(as_text=True)
    assert "From the story" in page and "Confusing forms story" in page


# --- A fixed number of queries ------------------------------------------------------------------


def _bulk_stories(author, people, n: int, start: int) -> None:
    """``n`` stories of this month (bulk, for speed), each cheered by every one of ``people``,
    every one a past month's featured story (for the archive)."""
    from sqlalchemy import insert, select

    from teams_app.models import Cheer

    today = utcnow().date()
    db.session.execute(
        insert(ImpactStory),
        [
            {
                "author_id": author.id,
                "title": f"Bulk story {start + i}",
                "body": "Something **good** happened.",
                "kind": ("win", "recovery", "failure")[i % 3],
                "department_id": author.department_id,
                "occurred_on": today,
                "no_personal_details": True,
                "featured_month": f"{1000 + start + i:04d}-01",
                "cheer_count": len(people),
            }
            for i in range(n)
        ],
    )
    ids = db.session.scalars(
        select(ImpactStory.id).where(ImpactStory.title.like("Bulk story %"))
    ).all()
    new_ids = sorted(ids)[-n:]
    db.session.execute(
        insert(Cheer), [{"story_id": s, "user_id": p.id} for s in new_ids for p in people]
    )
    db.session.commit()


def test_story_pages_run_the_same_queries_with_10_or_1000_stories(
    client, staff, leader, count_queries
):
    people = [UserFactory() for _ in range(5)] + [leader]
    _bulk_stories(staff, people, 10, 0)
    login(client, leader)
    first = db.session.scalar(db.select(ImpactStory.id).order_by(ImpactStory.id))
    paths = [
        "/stories/",
        "/stories/?per_page=200",
        "/stories/?kind=win&q=bulk",
        "/stories/month",
        "/stories/archive",
        f"/stories/{first}",
        "/",
    ]

    def measure() -> dict[str, int]:
        out = {}
        for path in paths:
            client.get(path)  # warm: caches, session loads
            out[path] = count_queries(lambda path=path: client.get(path))
        return out

    small = measure()
    _bulk_stories(staff, people, 990, 10)
    large = measure()
    assert small == large, f"10 stories: {small}; 1,000 stories: {large}"


def test_the_api_feed_runs_the_same_queries_with_10_or_1000_stories(
    api_as, staff, leader, count_queries
):
    people = [UserFactory() for _ in range(5)] + [leader]
    _bulk_stories(staff, people, 10, 0)
    api = api_as(leader)
    api.get("/stories?per_page=200")
    small = count_queries(lambda: api.get("/stories?per_page=200"))
    _bulk_stories(staff, people, 990, 10)
    response = api.get("/stories?per_page=200")
    assert len(response.json["items"]) == 200
    assert all(item["cheered_by_me"] for item in response.json["items"])
    assert count_queries(lambda: api.get("/stories?per_page=200")) == small
