"""Search: relevance order, phrases and exclusions, permissions in the query (items and counts),
the index kept in step by every write (and not by a rolled-back one), reindex, the page, the
typeahead and the API, with bounded queries. Runs on SQLite (FTS5) and, in CI, PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from teams_app.barriers import services as barriers
from teams_app.conversations import services as conversations
from teams_app.extensions import db
from teams_app.models import Comment, SearchDocument, SurveyComment, SurveyOwner, User
from teams_app.people import services as people
from teams_app.search import index, query
from teams_app.stories import services as stories
from teams_app.surveys import services as surveys
from teams_app.surveys.services import Submission
from tests.conftest import login
from tests.factories import UserFactory
from tests.integration.surveys.helpers import answers, make_survey


def kinds(results):
    return [(h.kind, h.id) for h in results.ordered]


def test_holds_shelf_finds_barrier_initiative_story_and_comment_in_that_order(s):
    found = query.search(s.staff, "holds shelf")
    assert kinds(found)[:4] == [
        ("barrier", s.barrier.id),
        ("initiative", s.initiative.id),
        ("story", s.story.id),
        ("comment", s.comment.id),
    ]
    assert found.total == 4
    first = found.ordered[0]
    assert "<mark>Holds</mark>" in first.title and first.path == f"/barriers/{s.barrier.id}"
    comment = found.ordered[3]
    assert comment.path == f"/initiatives/{s.initiative.id}#comment-{s.comment.id}"
    assert "<mark>holds</mark> <mark>shelf</mark>" in comment.excerpt.lower()


def test_stemming_phrases_and_exclusions(s):
    assert ("barrier", s.barrier.id) in kinds(query.search(s.staff, "hold"))  # holds, stemmed
    by_phrase = kinds(query.search(s.staff, '"holds shelf" -entrance -desk'))
    assert ("barrier", s.barrier.id) in by_phrase
    assert ("initiative", s.initiative.id) not in by_phrase
    assert ("story", s.story.id) not in by_phrase
    assert query.search(s.staff, "-holds").problem


def test_user_text_in_results_is_escaped(s):
    barriers.edit_barrier(
        s.staff,
        barriers.get_barrier(s.barrier.id),
        barriers.BarrierDetails(
            title="<script>alert(1)</script> holds",
            category="facilities",
            affects="customers",
            severity="medium",
            source="staff",
            team_id=s.team.id,
        ),
        1,
    )
    hit = query.search(s.staff, "alert")
    assert "<script>" not in str(hit.ordered[0].title)
    assert "&lt;script&gt;" in str(hit.ordered[0].title)


def test_a_hidden_story_is_found_only_by_its_author_and_leadership(s):
    stories.hide_story(s.boss, stories.get_story(s.story.id), "Personal details.")
    outsider = UserFactory(name="Una Other")
    for viewer, sees in ((outsider, False), (s.member, False), (s.staff, True), (s.boss, True)):
        found = query.search(viewer, "signs questions")
        assert (("story", s.story.id) in kinds(found)) is sees
        counts = {f.id: f.count for f in found.kinds}
        assert ("story" in counts) is sees  # counts never reveal it
    # ...and a comment on it follows the story.
    assert query.search(outsider, "dropped").total == 0


def test_a_hidden_comment_is_found_by_its_author_and_leadership_only(s):
    conversations.hide_comment(
        s.boss, db.session.get(Comment, s.comment.id), conversations_target(s), "Off topic."
    )
    assert ("comment", s.comment.id) not in kinds(query.search(s.staff, "huddle"))
    assert ("comment", s.comment.id) in kinds(query.search(s.member, "huddle"))
    assert ("comment", s.comment.id) in kinds(query.search(s.boss, "huddle"))


def test_a_deleted_comment_leaves_the_index(s):
    conversations.delete_comment(
        s.member, db.session.get(Comment, s.comment.id), conversations_target(s)
    )
    assert query.search(s.boss, "huddle").total == 0


def test_people_by_name_and_deactivated_people_never(s, admin):
    assert ("person", s.member.id) in kinds(query.search(s.staff, "Milo"))
    people.set_active(admin, db.session.get(User, s.member.id), False)
    assert ("person", s.member.id) not in kinds(query.search(s.staff, "Milo"))
    assert ("person", s.member.id) not in kinds(query.search(s.boss, "Milo"))


def test_an_edit_is_found_at_once_and_a_rolled_back_one_never(s):
    story = stories.get_story(s.story.id)
    story.title = "Quokka sightings"
    db.session.flush()
    db.session.rollback()
    assert query.search(s.boss, "quokka").total == 0
    assert query.search(s.boss, "signs").total >= 1
    conversations.add_comment(
        s.lead, conversations_target(s), "A platypus walked in and asked for the holds shelf."
    )
    assert query.search(s.staff, "platypus").total == 1


def conversations_target(s):
    from teams_app.conversations.targets import load

    return load("initiatives", s.initiative.id, s.lead)


def test_filters_by_kind_team_and_date(s):
    by_kind = query.search(s.staff, "holds", query.Filters(kind="barrier"))
    assert kinds(by_kind) == [("barrier", s.barrier.id)]
    assert {f.id for f in by_kind.kinds} >= {"barrier", "initiative"}  # tabs keep all counts
    by_team = query.search(s.staff, "holds", query.Filters(team_id=s.team.id))
    assert ("story", s.story.id) not in kinds(by_team)
    assert ("initiative", s.initiative.id) in kinds(by_team)
    from datetime import date

    assert query.search(s.staff, "holds", query.Filters(date_to=date(2000, 1, 1))).total == 0


def test_survey_comments_are_for_the_survey_owners_and_leadership(app, s):
    survey = make_survey(s.boss, audience="customers")
    surveys.respond_publicly(
        surveys.get_survey(survey.id),
        Submission(
            answers(survey, text="The holds shelf signs are too small to read"), submission_key="k1"
        ),
    )
    comment = db.session.scalar(select(SurveyComment).where(SurveyComment.survey_id == survey.id))
    assert ("survey_comment", comment.id) in kinds(query.search(s.boss, "too small"))
    assert query.search(s.staff, "too small").total == 0
    db.session.add(SurveyOwner(survey_id=survey.id, user_id=s.staff.id))
    db.session.commit()
    assert ("survey_comment", comment.id) in kinds(query.search(s.staff, "too small"))


def test_reindex_rebuilds_the_same_index(s):
    def rows():
        return sorted(
            db.session.execute(
                select(SearchDocument.kind, SearchDocument.object_id, SearchDocument.title,
                       SearchDocument.body, SearchDocument.audience, SearchDocument.path)
            ).all()
        )  # fmt: skip

    before = rows()
    db.session.execute(db.delete(SearchDocument))
    db.session.commit()
    assert query.search(s.staff, "holds").total == 0
    written = index.reindex()
    assert written == len(before) and rows() == before
    assert query.search(s.staff, "holds shelf").total == 4


def test_suggest_matches_the_start_of_the_last_word(s):
    hits = query.suggest(s.staff, "holds sh")
    assert [(h.kind, h.id) for h in hits][:2] == [
        ("barrier", s.barrier.id),
        ("initiative", s.initiative.id),
    ]
    assert query.suggest(s.staff, "") == []


def test_the_page_the_typeahead_and_the_api(client, s, count_queries):
    login(client, s.staff)
    page = client.get("/search?q=holds+shelf")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("Holds</mark> <mark>shelf</mark> is hard") < html.index("by the entrance")
    assert 'role="search"' in html and 'id="site-search"' in html
    empty = client.get("/search?q=zzzyyx")
    assert "Nothing matches" in empty.get_data(as_text=True)
    bad = client.get("/search?q=holds&kind=nonsense&from=31-12-2026")
    assert bad.status_code == 200 and "Pick one of the kinds" in bad.get_data(as_text=True)
    suggest = client.get("/search/suggest?q=holds+sh").get_json()
    assert suggest["items"][0]["url"] == f"/barriers/{s.barrier.id}"
    assert count_queries(lambda: client.get("/search?q=holds+shelf")) <= 6
    assert count_queries(lambda: client.get("/search/suggest?q=hol")) <= 4


def test_the_page_needs_a_signed_in_user(client, s):
    assert client.get("/search?q=holds").status_code in (302, 401)


def test_api_search(client, s, count_queries):
    from teams_app.account.services import create_token

    _token, secret = create_token(s.staff, "search")
    headers = {"Authorization": f"Bearer {secret}"}
    body = client.get("/api/v1/search?q=holds+shelf", headers=headers).get_json()
    assert [(i["kind"], i["id"]) for i in body["items"]][:4] == [
        ("barrier", s.barrier.id),
        ("initiative", s.initiative.id),
        ("story", s.story.id),
        ("comment", s.comment.id),
    ]
    item = body["items"][0]
    assert set(item) >= {"kind", "id", "title", "excerpt_html", "url", "at", "score"}
    assert body["total"] == 4 and body["page"] == 1
    assert client.get("/api/v1/search", headers=headers).status_code == 422
    assert client.get("/api/v1/search?q=x&kind=nope", headers=headers).status_code == 422
    assert count_queries(lambda: client.get("/api/v1/search?q=holds", headers=headers)) <= 6
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) > 0
