"""The triage queue's pages without JavaScript: progress, the filter, each coding as a plain form,
the pre-filled barrier form, a stale coding, who may see it, and the barrier page's evidence."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import Barrier, SurveyComment
from teams_app.surveys import services
from teams_app.surveys.services import Submission
from tests.conftest import CSRF_RE, csrf_from, login
from tests.factories import UserFactory

from .helpers import answers, make_survey

TEXTS = ["The printers jam every Saturday", "Printers out of paper again", "Lovely staff"]


@pytest.fixture
def survey(leader):
    s = make_survey(leader)
    for n, text in enumerate(TEXTS):
        services.respond_publicly(
            services.get_survey(s.id),
            Submission(answers(s, text=text), submission_key=f"k{n}", channel="link"),
        )
    return services.get_survey(s.id)


def comments(survey) -> list[SurveyComment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SurveyComment)
            .where(SurveyComment.survey_id == survey.id)
            .order_by(SurveyComment.id)
        )
    )


def code(client, page_path, comment, **data):
    token = csrf_from(client, page_path)
    return client.post(
        f"/survey-comments/{comment.id}/code",
        data={"csrf_token": token, "version": str(comment.version), "next": page_path, **data},
    )


def test_the_queue_shows_progress_and_codes_without_javascript(client, leader, survey):
    login(client, leader)
    path = f"/surveys/{survey.id}/comments"
    page = client.get(path).get_data(as_text=True)
    assert "0 of 3 coded" in page and TEXTS[0] in page
    assert 'data-key="n"' in page and "<kbd>j</kbd>" in page
    first, second, third = comments(survey)
    assert code(client, path, third, coded_as="story", themes="Praise, praise").status_code == 302
    assert comments(survey)[2].coded_as == "story"
    assert comments(survey)[2].theme_names == ["praise"]
    page = client.get(path).get_data(as_text=True)
    assert "1 of 3 coded" in page and TEXTS[2] not in page  # the uncoded filter
    coded_page = client.get(path + "?coded=coded").get_data(as_text=True)
    assert TEXTS[2] in coded_page and "Write the story" in coded_page


def test_new_barrier_opens_the_prefilled_form_and_links_on_save(client, leader, survey):
    login(client, leader)
    path = f"/surveys/{survey.id}/comments"
    first = comments(survey)[0]
    response = code(client, path, first, coded_as="new_barrier", themes="printing")
    assert response.status_code == 302 and "/barrier" in response.location
    form_page = client.get(response.location)
    html = form_page.get_data(as_text=True)
    assert form_page.status_code == 200
    assert 'value="The printers jam every Saturday"' in html
    assert re.search(r'<option selected value="survey">|<option value="survey" selected', html)
    assert "Saving reports the barrier" in html
    token = CSRF_RE.search(html).group(1)
    version = re.search(r'name="comment_version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="comment_version"', html
    )
    saved = client.post(
        response.location,
        data={
            "csrf_token": token,
            "title": "Printers jam at weekends",
            "description": "",
            "affects": "customers",
            "category": "technology",
            "severity": "high",
            "source": "survey",
            "department_id": "0",
            "team_id": "0",
            "initiative_id": "0",
            "comment_version": version.group(1),
            "themes": "printing",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    coded = comments(survey)[0]
    barrier = db.session.get(Barrier, coded.barrier_id)
    assert coded.coded_as == "new_barrier" and barrier.title == "Printers jam at weekends"
    assert coded.theme_names == ["printing"] and barrier.source == "survey"

    # Evidence: the second comment backs it (the barrier is among its suggestions).
    page = client.get(path).get_data(as_text=True)
    assert f'<option value="{barrier.id}">Printers jam at weekends</option>' in page
    second = comments(survey)[1]
    assert code(client, path, second, coded_as="evidence", barrier_id=str(barrier.id)).status_code
    assert comments(survey)[1].barrier_id == barrier.id

    shown = client.get(f"/barriers/{barrier.id}").get_data(as_text=True)
    assert "2 survey comments back this barrier" in shown
    assert TEXTS[0] in shown and TEXTS[1] in shown


def test_a_stale_coding_is_refused_with_a_message(client, leader, survey):
    login(client, leader)
    path = f"/surveys/{survey.id}/comments"
    first = comments(survey)[0]
    code(client, path, first, coded_as="none")
    code(client, path, first, coded_as="story")  # the old version again
    assert comments(survey)[0].coded_as == "none"
    page = client.get(path + "?coded=all").get_data(as_text=True)
    assert "Someone else changed this comment&#39;s coding" in page


def test_evidence_needs_a_barrier(client, leader, survey):
    login(client, leader)
    path = f"/surveys/{survey.id}/comments"
    code(client, path, comments(survey)[0], coded_as="evidence")
    assert comments(survey)[0].coded_as is None
    assert "Choose the barrier this comment backs." in client.get(path).get_data(as_text=True)


def test_only_owners_and_leadership_see_the_queue(client, leader, survey):
    staff = UserFactory(name="Sam Staff")
    login(client, staff)
    assert client.get(f"/surveys/{survey.id}/comments").status_code == 403
    assert client.get(f"/survey-comments/{comments(survey)[0].id}/barrier").status_code == 404


def test_barrier_page_queries_do_not_grow_with_its_evidence(client, leader, survey, count_queries):
    from teams_app.surveys import triage

    login(client, leader)
    cs = comments(survey)
    made = triage.code_comment(
        leader, triage.get_comment(cs[0].id, leader), triage.Coding("new_barrier"), 1
    )
    url = f"/barriers/{made.barrier_id}"
    barrier_id = made.barrier_id
    few = count_queries(lambda: client.get(url))
    for c in cs[1:]:
        triage.code_comment(
            leader,
            triage.get_comment(c.id, leader),
            triage.Coding("evidence", barrier_id=barrier_id),
            1,
        )
    db.session.expunge_all()
    more = count_queries(lambda: client.get(url))
    assert more == few


def test_queue_queries_are_bounded(client, leader, survey, count_queries):
    login(client, leader)
    path = f"/surveys/{survey.id}/comments?coded=coded"
    from teams_app.surveys import triage

    first = comments(survey)[0]
    triage.code_comment(leader, triage.get_comment(first.id, leader), triage.Coding("none"), 1)
    survey_id = survey.id
    db.session.expunge_all()
    few = count_queries(lambda: client.get(path))
    for n in range(5):
        fresh = services.get_survey(survey_id)
        services.respond_publicly(
            fresh, Submission(answers(fresh, text=f"More words {n}"), submission_key=f"m{n}")
        )
    survey = services.get_survey(survey_id)
    for c in comments(survey):
        if c.coded_as is None:
            triage.code_comment(leader, triage.get_comment(c.id, leader), triage.Coding("none"), 1)
    db.session.expunge_all()
    assert count_queries(lambda: client.get(path)) == few


def hidden(page: str, name: str) -> str:
    """The value of the form's hidden input ``name``, as the page sent it."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert found is not None, f"no hidden {name} on the page"
    return found.group(1)


def story_form(page: str, comment: SurveyComment, **fields: str) -> dict[str, str]:
    """The story form's fields, written from ``comment`` (its id and version hidden)."""
    return {
        "csrf_token": CSRF_RE.search(page).group(1),
        "title": "A story",
        "kind": "win",
        "body": "What happened.",
        "department_id": "0",
        "initiative_id": "0",
        "barrier_id": "0",
        "no_personal_details": "y",
        "survey_comment_id": str(comment.id),
        "comment_version": str(comment.version),
    } | fields


def test_write_the_story_prefills_it_and_the_story_links_back(client, leader, survey):
    login(client, leader)
    path = f"/surveys/{survey.id}/comments"
    third = comments(survey)[2]
    code(client, path, third, coded_as="story")
    third = comments(survey)[2]
    queue = client.get(path + "?coded=coded").get_data(as_text=True)
    start = f"/stories/new?survey_comment={third.id}"
    assert start in queue
    form = client.get(start).get_data(as_text=True)
    assert "Written from a survey comment" in form and "&gt; Lovely staff" in form
    data = story_form(form, third, title="", body="> Lovely staff\n\nA parent told us at the desk.")
    # The page itself carries the comment and its version: the form posts what it was given.
    data |= {k: hidden(form, k) for k in ("survey_comment_id", "comment_version")}
    assert data["survey_comment_id"] == str(third.id)
    broken = client.post("/stories/new", data=data | {"survey_comment_id": "²", "title": "x"})
    assert broken.status_code == 404  # a garbled link is refused, not shared unlinked
    odd = client.post("/stories/new", data=data | {"comment_version": "²", "title": "x"})
    assert odd.status_code == 422 and comments(survey)[2].story_id is None
    assert "Send the version of the comment you coded." in odd.get_data(as_text=True)
    refused = client.post("/stories/new", data=data)
    assert refused.status_code == 422
    kept = refused.get_data(as_text=True)
    assert "A parent told us at the desk." in kept and "Written from a survey comment" in kept
    saved = client.post("/stories/new", data=data | {"title": "Lovely staff, says a parent"})
    assert saved.status_code == 302
    linked = comments(survey)[2]
    assert linked.story_id is not None and saved.headers["Location"].endswith(
        f"/stories/{linked.story_id}"
    )
    story_page = client.get(f"/stories/{linked.story_id}").get_data(as_text=True)
    assert f"/survey-comments/{linked.id}" in story_page and survey.title in story_page
    back = client.get(f"/survey-comments/{linked.id}")
    assert back.status_code == 302 and back.headers["Location"].endswith(
        f"coded=all#comment-{linked.id}"
    )
    assert "Read the story" in client.get(path + "?coded=coded").get_data(as_text=True)
    again = client.post("/stories/new", data=data | {"title": "Twice", "comment_version": "3"})
    assert again.status_code == 422 and "already has its story" in again.get_data(as_text=True)


def test_others_cannot_write_a_story_from_a_comment(client, leader, survey):
    staff = UserFactory(name="Sam Staff")
    login(client, staff)
    comment = comments(survey)[0]
    assert client.get(f"/stories/new?survey_comment={comment.id}").status_code == 404
    assert client.get(f"/survey-comments/{comment.id}").status_code == 404
    page = client.get("/stories/new").get_data(as_text=True)
    data = story_form(page, comment, title="Mine now")
    assert client.post("/stories/new", data=data).status_code == 404
    assert comments(survey)[0].story_id is None
