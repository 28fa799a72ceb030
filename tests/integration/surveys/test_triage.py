"""Coding survey comments: the queue, the four codings, versions, who may code, and a barrier's
survey evidence."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from teams_app.errors import InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import Activity, Barrier, SurveyComment
from teams_app.surveys import services, triage
from teams_app.surveys.services import Submission
from teams_app.versioning import StaleEdit
from tests.factories import UserFactory

from .helpers import answers, make_survey


def _answer(survey, text, key):
    services.respond_publicly(
        services.get_survey(survey.id),
        Submission(answers(survey, text=text), submission_key=key, channel="link"),
    )


def _comments(survey) -> list[SurveyComment]:
    return list(
        db.session.scalars(
            select(SurveyComment)
            .where(SurveyComment.survey_id == survey.id)
            .order_by(SurveyComment.id)
        )
    )


@pytest.fixture
def survey(leader):
    s = make_survey(leader)
    for n, text in enumerate(
        ["The printers jam every Saturday", "Printers out of paper again", "Lovely staff", None]
    ):
        _answer(s, text, f"k{n}")
    return services.get_survey(s.id)


def test_every_text_answer_lands_in_the_queue(leader, survey):
    assert len(_comments(survey)) == 3  # the fourth response wrote no text
    assert str(triage.progress(survey)) == "0 of 3 coded"
    page = triage.queue(leader, survey, coded=False)
    assert page.total == 3 and [c.text for c in page.items][0] == "The printers jam every Saturday"


def test_new_barrier_goes_through_the_barrier_service_and_links_back(leader, survey):
    first = triage.get_comment(_comments(survey)[0].id, leader)
    coded = triage.code_comment(
        leader, first, triage.Coding("new_barrier", themes=["Printing", " printing "]), 1
    )
    barrier = db.session.get(Barrier, coded.barrier_id)
    assert barrier.source == "survey" and barrier.affects == "customers"
    assert barrier.title == "The printers jam every Saturday"
    assert "The printers jam every Saturday" in barrier.description
    assert coded.coded_as == "new_barrier" and coded.theme_names == ["printing"]
    assert coded.coded_by_id == leader.id and coded.version == 2
    verbs = set(db.session.scalars(select(Activity.verb)))
    assert {"reported_barrier", "coded_survey_comment"} <= verbs
    assert str(triage.progress(survey)) == "1 of 3 coded"


def test_evidence_is_suggested_and_counted_on_the_barrier(leader, survey):
    first, second, _ = (triage.get_comment(c.id, leader) for c in _comments(survey))
    made = triage.code_comment(leader, first, triage.Coding("new_barrier"), first.version)
    suggested = triage.suggestions([second])[second.id]
    assert made.barrier_id in [b.id for b in suggested]
    triage.code_comment(
        leader, second, triage.Coding("evidence", barrier_id=made.barrier_id), second.version
    )
    evidence = triage.evidence_for(made.barrier_id)
    assert evidence.count == 2
    assert [quote.text for quote in evidence.quotes] == [
        "Printers out of paper again",
        "The printers jam every Saturday",
    ]


def test_story_and_none_and_recoding(leader, survey):
    third = triage.get_comment(_comments(survey)[2].id, leader)
    story = triage.code_comment(leader, third, triage.Coding("story"), third.version)
    assert story.coded_as == "story" and story.barrier_id is None
    again = triage.code_comment(leader, story, triage.Coding("none"), story.version)
    assert again.coded_as == "none" and again.version == 3


def test_a_stale_coding_is_refused_and_changes_nothing(leader, survey):
    comment = triage.get_comment(_comments(survey)[0].id, leader)
    triage.code_comment(leader, comment, triage.Coding("none"), 1)
    comment = triage.get_comment(comment.id, leader)
    with pytest.raises(StaleEdit):
        triage.code_comment(leader, comment, triage.Coding("new_barrier"), 1)
    assert db.session.scalar(select(func.count()).select_from(Barrier)) == 0
    assert triage.get_comment(comment.id, leader).coded_as == "none"


@pytest.mark.parametrize(
    "coding, field",
    [
        (triage.Coding("maybe"), "as"),
        (triage.Coding("evidence"), "barrier_id"),
        (triage.Coding("evidence", barrier_id=99999), "barrier_id"),
        (triage.Coding("new_barrier", barrier={"severity": "apocalyptic"}), "barrier.severity"),
        (triage.Coding("none", themes=["x" * 61]), "themes"),
    ],
)
def test_bad_codings_are_refused(leader, survey, coding, field):
    comment = triage.get_comment(_comments(survey)[0].id, leader)
    with pytest.raises(InvalidInput) as caught:
        triage.code_comment(leader, comment, coding, comment.version)
    assert field in caught.value.fields
    assert triage.get_comment(comment.id, leader).coded_as is None


def test_only_owners_and_leadership_see_and_code(leader, survey):
    staff = UserFactory(name="Sam Staff")
    comment_id = _comments(survey)[0].id
    with pytest.raises(NotFound):
        triage.get_comment(comment_id, staff)
    with pytest.raises(NotAllowed):
        triage.queue(staff, survey)
    services.set_owners(leader, services.get_survey(survey.id), [staff.id])
    comment = triage.get_comment(comment_id, staff)
    assert triage.code_comment(staff, comment, triage.Coding("none"), 1).coded_as == "none"


def test_staff_answers_of_a_survey_for_both_make_staff_barriers(leader):
    s = make_survey(leader, audience="both", anonymous=True)
    staff = UserFactory(name="Pat Staff")
    services.respond_as_staff(
        staff, services.get_survey(s.id), Submission(answers(s, text="The rota tool is slow"))
    )
    comment = triage.get_comment(_comments(s)[0].id, leader)
    assert triage.barrier_defaults(comment)["affects"] == "staff"
    assert triage.department_of(comment) is None  # anonymous: no branch beside the words
    coded = triage.code_comment(leader, comment, triage.Coding("new_barrier"), 1)
    assert db.session.get(Barrier, coded.barrier_id).affects == "staff"
    # The audit trail names the coder, never the respondent.
    events = db.session.scalars(select(Activity).where(Activity.verb == "coded_survey_comment"))
    for event in events:
        assert event.actor_id == leader.id and staff.name not in str(event.data)
        assert "rota" not in str(event.data)


def test_title_from_long_text():
    text = "word " * 40
    title = triage.title_from(text)
    assert len(title) <= triage.TITLE_FROM_TEXT + 1 and title.endswith("…")


def _story_details(**overrides):
    from teams_app.stories.services import StoryDetails

    values = {
        "title": "Praise for the story time",
        "body": "A parent thanked us.",
        "kind": "win",
        "no_personal_details": True,
    }
    return StoryDetails(**(values | overrides))


def test_a_story_written_from_a_comment_links_back(leader, survey):
    third = triage.get_comment(_comments(survey)[2].id, leader)
    coded = triage.code_comment(leader, third, triage.Coding("story"), third.version)
    defaults = triage.story_defaults(coded)
    assert "> Lovely staff" in defaults["body"] and survey.title in defaults["body"]
    story = triage.story_from_comment(leader, coded, _story_details(), coded.version)
    linked = triage.get_comment(third.id, leader)
    assert linked.story_id == story.id and linked.coded_as == "story"
    assert triage.comment_for_story(story, leader).id == third.id
    assert triage.comment_for_story(story, UserFactory()) is None  # staff see only the story
    with pytest.raises(InvalidInput, match="already has its story"):
        triage.story_from_comment(leader, linked, _story_details(), linked.version)


def test_a_story_from_an_uncoded_comment_codes_it_and_bad_input_saves_neither(leader, survey):
    from teams_app.models import ImpactStory

    first = triage.get_comment(_comments(survey)[0].id, leader)
    with pytest.raises(InvalidInput) as caught:
        triage.story_from_comment(leader, first, _story_details(title=""), first.version)
    assert "title" in caught.value.fields
    with pytest.raises(StaleEdit):
        triage.story_from_comment(leader, first, _story_details(), first.version + 1)
    with pytest.raises(NotAllowed):
        triage.story_from_comment(UserFactory(), first, _story_details(), first.version)
    assert db.session.scalar(select(func.count()).select_from(ImpactStory)) == 0
    assert triage.get_comment(first.id, leader).coded_as is None
    story = triage.story_from_comment(leader, first, _story_details(), first.version)
    coded = triage.get_comment(first.id, leader)
    assert (coded.coded_as, coded.story_id, coded.coded_by_id) == ("story", story.id, leader.id)


def test_a_clash_found_at_the_save_keeps_neither_the_story_nor_the_link(leader, survey):
    from sqlalchemy import update

    from teams_app.models import ImpactStory

    first = triage.get_comment(_comments(survey)[0].id, leader)
    read_at = first.version
    db.session.execute(  # someone codes it after this page read it
        update(SurveyComment).where(SurveyComment.id == first.id).values(version=read_at + 1)
    )
    with pytest.raises(StaleEdit):
        triage.story_from_comment(leader, first, _story_details(), read_at)
    assert db.session.scalar(select(func.count()).select_from(ImpactStory)) == 0
    assert triage.get_comment(first.id, leader).story_id is None


def test_a_comment_coded_otherwise_is_not_taken_over_by_a_story(leader, survey):
    first = triage.get_comment(_comments(survey)[0].id, leader)
    coded = triage.code_comment(leader, first, triage.Coding("new_barrier"), first.version)
    with pytest.raises(InvalidInput, match="coded as “New barrier”"):
        triage.story_from_comment(leader, coded, _story_details(), coded.version)
    kept = triage.get_comment(first.id, leader)
    assert kept.coded_as == "new_barrier" and kept.barrier_id is not None


def test_story_defaults_leave_out_the_branch_of_an_anonymous_survey(leader):
    from tests.factories import DepartmentFactory

    branch = DepartmentFactory(name="Moore")
    for anonymous in (False, True):
        s = make_survey(leader, anonymous=anonymous)
        services.respond_publicly(
            services.get_survey(s.id),
            Submission(
                answers(s, text="Great help"),
                submission_key=f"a{anonymous}",
                channel="link",
                department_id=branch.id,
            ),
        )
        comment = triage.get_comment(_comments(s)[0].id, leader)
        assert triage.story_defaults(comment)["department_id"] == (0 if anonymous else branch.id)


def test_page_of_finds_a_comment_past_the_first_page(leader):
    s = make_survey(leader)
    for n in range(45):
        _answer(s, f"Comment {n}", f"p{n}")
    comments = _comments(s)
    assert [triage.page_of(comments[i], 20) for i in (0, 19, 20, 39, 40, 44)] == [1, 1, 2, 2, 3, 3]
