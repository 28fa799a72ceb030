"""Survey rules: building, locking, waves, publishing, closing into satisfaction results, and
answering (staff, anonymous staff, customers) with every kind of bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import (
    SatisfactionResult,
    Survey,
    SurveyAnswer,
    SurveyComment,
    SurveyParticipation,
    SurveyResponse,
)
from teams_app.surveys import services
from teams_app.surveys.services import QuestionDetails, Submission
from teams_app.versioning import StaleEdit
from tests.conftest import queued
from tests.factories import DepartmentFactory, UserFactory

from .helpers import answers, details, make_survey, q, questions, today


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def public(survey, ans, key=None, **kw) -> SurveyResponse:
    return services.respond_publicly(
        services.get_survey(survey.id), Submission(ans, submission_key=key, channel="link", **kw)
    )


# --- Building -----------------------------------------------------------------------------------


def test_leadership_creates_staff_cannot(leader, staff):
    survey = services.create_survey(leader, details())
    assert survey.status == "draft" and survey.version == 1 and len(survey.public_token) >= 20
    assert [question.position for question in survey.questions] == [1, 2, 3, 4]
    assert survey.questions[0].metric_key == "customer satisfaction"
    with pytest.raises(NotAllowed):
        services.create_survey(staff, details())


def test_named_owner_may_edit_others_may_not(leader, staff):
    owner = UserFactory()
    survey = services.create_survey(leader, details(), owner_ids=[owner.id])
    survey = services.get_survey(survey.id)
    services.update_survey(owner, survey, details(title="Renamed"), version=survey.version)
    assert services.get_survey(survey.id).title == "Renamed"
    with pytest.raises(NotAllowed):
        services.update_survey(staff, services.get_survey(survey.id), details())
    with pytest.raises(NotAllowed):
        services.set_owners(owner, services.get_survey(survey.id), [staff.id])


def test_a_draft_is_hidden_from_staff_who_do_not_own_it(leader, staff):
    survey = services.create_survey(leader, details())
    with pytest.raises(NotFound):
        services.get_survey(survey.id, viewer=staff)
    assert services.list_surveys(staff) == []
    services.publish(leader, services.get_survey(survey.id))
    assert services.get_survey(survey.id, viewer=staff).id == survey.id


def test_stale_version_is_a_conflict(leader):
    survey = services.create_survey(leader, details())
    survey = services.get_survey(survey.id)
    services.update_survey(leader, survey, details(title="First"), version=1)
    with pytest.raises(StaleEdit):
        services.update_survey(leader, services.get_survey(survey.id), details(), version=1)


def test_reorder_and_required(leader):
    survey = services.create_survey(leader, details())
    survey = services.get_survey(survey.id)
    first, second = survey.questions[0].id, survey.questions[1].id
    services.move_question(leader, survey, second, -1)
    survey = services.get_survey(survey.id)
    assert [x.id for x in survey.questions][:2] == [second, first]
    qs = questions()
    qs[0].required = False
    qs[3].required = True
    services.update_survey(leader, survey, details(questions=qs))
    survey = services.get_survey(survey.id)
    assert [x.required for x in survey.questions] == [False, False, False, True]


def test_question_input_is_checked(leader):
    bad = questions()
    bad[1].choices = bad[1].choices[:1]  # one choice
    bad[3].metric = "Customer satisfaction"  # a metric on text
    bad.append(QuestionDetails("nonsense", {"en": "?"}))
    bad.append(QuestionDetails("short_text", {"es": "Sólo en español"}))  # no English text
    with pytest.raises(InvalidInput) as err:
        services.create_survey(leader, details(questions=bad))
    fields = err.value.fields
    assert "Give at least two choices." in fields["questions.2"]
    assert "Only a rating question can feed a satisfaction metric." in fields["questions.4"]
    assert fields["questions.5"] == ["Choose a kind of question."]
    assert fields["questions.6"] == ["Write it in English."]
    with pytest.raises(InvalidInput) as err:
        services.create_survey(
            leader, details(closes_on=today() - timedelta(days=5), languages=["fr"])
        )
    assert "closes_on" in err.value.fields and "languages" in err.value.fields


def test_publish_needs_questions_and_every_translation(leader):
    survey = services.create_survey(leader, details(questions=[]))
    with pytest.raises(InvalidInput, match="Add at least one question"):
        services.publish(leader, services.get_survey(survey.id))
    qs = questions()
    del qs[0].text["es"]
    services.update_survey(leader, services.get_survey(survey.id), details(questions=qs))
    with pytest.raises(InvalidInput, match="Question 1 has no Spanish text"):
        services.publish(leader, services.get_survey(survey.id))
    assert services.get_survey(survey.id).status == "draft"


def test_answers_lock_the_questions_and_a_new_version_unlocks(leader):
    survey = make_survey(leader)
    public(survey, answers(survey))
    survey = services.get_survey(survey.id)
    assert survey.response_count == 1 and survey.questions_locked
    changed = questions()
    changed[0].text["en"] = "How happy are you?"
    with pytest.raises(services.QuestionsLocked):
        services.update_survey(leader, survey, details(questions=changed))
    with pytest.raises(services.QuestionsLocked):
        services.move_question(leader, survey, survey.questions[1].id, -1)
    with pytest.raises(services.QuestionsLocked):
        services.update_survey(leader, survey, details(questions=None, audience="both"))
    # The same questions (as the builder sends them back) with a new title are fine.
    same = [
        QuestionDetails(
            x.kind,
            dict(x.text),
            x.required,
            x.metric,
            [services.ChoiceDetails(dict(c.text), c.id) for c in x.choices],
            x.id,
        )
        for x in survey.questions
    ]
    services.update_survey(leader, survey, details(title="Better title", questions=same))
    assert services.get_survey(survey.id).title == "Better title"
    copy = services.new_version(leader, services.get_survey(survey.id))
    copy = services.get_survey(copy.id)
    assert copy.status == "draft" and copy.revision_of_id == survey.id and copy.wave == 1
    assert not copy.questions_locked
    services.update_survey(leader, copy, details(questions=changed))
    assert services.get_survey(copy.id).questions[0].text["en"] == "How happy are you?"


def test_copy_for_the_next_wave(leader):
    owner = UserFactory()
    survey = make_survey(leader)
    services.set_owners(leader, services.get_survey(survey.id), [owner.id])
    public(survey, answers(survey))
    wave2 = services.copy_for_next_wave(leader, services.get_survey(survey.id))
    wave2 = services.get_survey(wave2.id)
    assert wave2.status == "draft" and wave2.previous_wave_id == survey.id and wave2.wave == 2
    assert wave2.response_count == 0 and wave2.public_token != survey.public_token
    assert [x.copied_from_id for x in wave2.questions] == [x.id for x in survey.questions]
    assert [c.copied_from_id for c in wave2.questions[1].choices] == [
        c.id for c in survey.questions[1].choices
    ]
    assert [o.user_id for o in wave2.owners] == [owner.id]
    assert (wave2.closes_on - wave2.opens_on) == (survey.closes_on - survey.opens_on)


# --- Answering: customers -----------------------------------------------------------------------


def test_a_customer_answer_stores_each_kind(leader):
    branch = DepartmentFactory(name="Norman")
    survey = make_survey(leader)
    response = public(survey, answers(survey), key="k1", department_id=branch.id, language="es")
    response = db.session.get(SurveyResponse, response.id)
    assert response.user_id is None and response.department_id == branch.id
    assert response.language == "es" and response.channel == "link"
    by_kind = {a.question.kind: a for a in response.answers}
    assert by_kind["rating5"].value == 4
    assert len(by_kind["single"].choice_ids) == 1
    assert len(by_kind["multiple"].choice_ids) == 2
    assert by_kind["long_text"].text == "Too few computers"
    assert (
        by_kind["long_text"].comment is not None and by_kind["long_text"].comment.coded_as is None
    )
    assert count(SurveyComment) == 1
    # No column on a response or answer could hold an address or a browser.
    columns = {c.name for t in (SurveyResponse, SurveyAnswer) for c in t.__table__.columns}
    assert not {c for c in columns if "ip" in c.split("_") or "agent" in c}


def test_a_double_submit_stores_one(leader):
    survey = make_survey(leader)
    first = public(survey, answers(survey), key="same-form")
    second = public(survey, answers(survey, rating=1), key="same-form")
    assert first.id == second.id
    assert count(SurveyResponse) == 1
    assert services.get_survey(survey.id).response_count == 1


@pytest.mark.parametrize(
    "opens,closes,status,reason",
    [
        (1, 5, "open", "not_yet_open"),
        (-10, -1, "open", "closed"),
        (-1, 5, "closed", "closed"),
        (-1, 5, "draft", "draft"),
    ],
)
def test_closed_or_unopened_stores_nothing(leader, opens, closes, status, reason):
    survey = make_survey(
        leader,
        publish=False,
        opens_on=today() + timedelta(days=opens),
        closes_on=today() + timedelta(days=closes),
    )
    survey.status = status
    db.session.commit()
    with pytest.raises(services.NotTakingAnswers) as err:
        public(survey, answers(survey), key="x")
    assert err.value.reason == reason
    assert count(SurveyResponse) == 0 and count(SurveyAnswer) == 0


def test_required_missing_refuses_and_names_the_question(leader):
    survey = make_survey(leader)
    ans = answers(survey)
    del ans[q(survey, "rating5").id]
    with pytest.raises(InvalidInput) as err:
        public(survey, ans)
    assert err.value.fields == {
        services.field_name(q(survey, "rating5")): ["Please answer this question."]
    }
    assert count(SurveyResponse) == 0


@pytest.mark.parametrize(
    "kind,value,message",
    [
        ("rating5", 6, "Choose a rating from 1 to 5."),
        ("rating5", 0, "Choose a rating from 1 to 5."),
        ("rating5", "4.5", "Choose a rating from 1 to 5."),
        ("rating5", True, "Choose a rating from 1 to 5."),
        ("long_text", "x" * 4001, "Please keep it to 4000 characters (this is 4001)."),
        ("long_text", 12, "Answer in words."),
        ("single", "999999", "Choose from this question's choices."),
        ("multiple", ["abc"], "Choose from this question's choices."),
    ],
)
def test_impossible_answers_are_refused(leader, kind, value, message):
    survey = make_survey(leader)
    ans = answers(survey)
    ans[q(survey, kind).id] = value
    with pytest.raises(InvalidInput) as err:
        public(survey, ans)
    assert err.value.fields[services.field_name(q(survey, kind))] == [message]
    assert count(SurveyResponse) == 0


def test_choices_of_another_question_are_refused(leader):
    survey = make_survey(leader)
    ans = answers(survey)
    ans[q(survey, "single").id] = q(survey, "multiple").choices[0].id
    with pytest.raises(InvalidInput, match="this question's choices"):
        public(survey, ans)
    two = answers(survey)
    two[q(survey, "single").id] = [c.id for c in q(survey, "single").choices]
    with pytest.raises(InvalidInput, match="Choose one answer"):
        public(survey, two)
    other = make_survey(leader)
    ans = answers(survey)
    ans[q(other, "rating5").id] = 3  # a question of another survey
    with pytest.raises(InvalidInput, match="does not ask"):
        public(survey, ans)
    assert count(SurveyResponse) == 0


def test_staff_surveys_take_no_public_answers(leader):
    survey = make_survey(leader, audience="staff")
    with pytest.raises(NotFound):
        public(survey, answers(survey))
    with pytest.raises(NotFound):
        services.get_by_token(survey.public_token)


# --- Answering: staff ---------------------------------------------------------------------------


def test_staff_answer_once_and_edit_until_closed(leader, staff):
    survey = make_survey(leader, audience="staff")
    response = services.respond_as_staff(staff, survey, Submission(answers(survey)))
    assert response.user_id == staff.id and response.department_id == staff.department_id
    with pytest.raises(services.AlreadyAnswered):
        services.respond_as_staff(
            staff, services.get_survey(survey.id), Submission(answers(survey))
        )
    services.edit_response(
        staff, services.get_survey(survey.id), Submission(answers(survey, rating=2, text=None))
    )
    mine = services.my_response(staff, services.get_survey(survey.id))
    assert mine is not None and services.answers_by_question(mine)[q(survey, "rating5").id] == 2
    assert count(SurveyResponse) == 1 and count(SurveyComment) == 0
    assert services.get_survey(survey.id).response_count == 1
    services.close(leader, services.get_survey(survey.id))
    with pytest.raises(services.NotTakingAnswers):
        services.edit_response(staff, services.get_survey(survey.id), Submission(answers(survey)))


def test_customers_only_survey_is_not_answered_signed_in(leader, staff):
    survey = make_survey(leader, audience="customers")
    with pytest.raises(NotAllowed):
        services.respond_as_staff(staff, survey, Submission(answers(survey)))


def test_anonymous_response_has_no_link_to_the_person(leader, staff):
    survey = make_survey(leader, audience="staff", anonymous=True)
    response = services.respond_as_staff(staff, survey, Submission(answers(survey)))
    response = db.session.get(SurveyResponse, response.id)
    assert response.user_id is None
    assert db.session.get(SurveyParticipation, (survey.id, staff.id)) is not None
    assert {c.name for c in SurveyParticipation.__table__.columns} == {"survey_id", "user_id"}
    assert services.has_answered(staff, services.get_survey(survey.id))
    with pytest.raises(services.AlreadyAnswered):
        services.respond_as_staff(
            staff, services.get_survey(survey.id), Submission(answers(survey))
        )
    with pytest.raises(Conflict, match="cannot be changed"):
        services.edit_response(staff, services.get_survey(survey.id), Submission(answers(survey)))
    assert count(SurveyResponse) == 1


def test_edited_text_resets_its_coding(leader, staff):
    survey = make_survey(leader, audience="staff")
    services.respond_as_staff(staff, survey, Submission(answers(survey, text="Old words")))
    comment = db.session.scalars(select(SurveyComment)).one()
    comment.coded_as = "none"
    comment.coded_by_id = leader.id
    db.session.commit()
    services.edit_response(
        staff, services.get_survey(survey.id), Submission(answers(survey, text="Old words"))
    )
    assert db.session.scalars(select(SurveyComment)).one().coded_as == "none"
    services.edit_response(
        staff, services.get_survey(survey.id), Submission(answers(survey, text="New words"))
    )
    assert db.session.scalars(select(SurveyComment)).one().coded_as is None


def test_home_card_lists_open_staff_surveys_not_yet_answered(leader, staff):
    survey = make_survey(leader, audience="staff", closes_on=today() + timedelta(days=2))
    make_survey(leader, audience="customers")
    cards = services.open_staff_surveys(staff)
    assert [c.survey.id for c in cards] == [survey.id] and cards[0].minutes == 1
    services.respond_as_staff(staff, services.get_survey(survey.id), Submission(answers(survey)))
    assert services.open_staff_surveys(staff) == []
    assert services.closes_text(today()) == "closes today"
    assert services.closes_text(today() + timedelta(days=1)) == "closes tomorrow"
    friday = today() + timedelta(days=(4 - today().weekday()) % 7 or 7)
    expected = "closes tomorrow" if (friday - today()).days == 1 else "closes Friday"
    assert services.closes_text(friday) == expected


def test_announcement_is_queued_once_and_mails_staff(app, leader, staff, mailbox, run_jobs):
    survey = make_survey(leader, audience="staff", publish=False)
    services.publish(leader, services.get_survey(survey.id), announce=True)
    assert [f for f, _, _ in queued()] == ["jobs.surveys.send_announcement"]
    with pytest.raises(Conflict):
        services.announce(leader, services.get_survey(survey.id))
    assert run_jobs() == 0
    to = {m["To"] for m in mailbox.messages}
    assert staff.email in to and leader.email in to
    customer = make_survey(leader, audience="customers")
    with pytest.raises(InvalidInput):
        services.announce(leader, customer)


# --- Closing ------------------------------------------------------------------------------------


def test_closing_makes_satisfaction_results_with_the_threshold(leader):
    big, small = DepartmentFactory(name="Big Branch"), DepartmentFactory(name="Small Branch")
    survey = make_survey(leader)
    for n in range(5):
        public(survey, answers(survey, rating=4 if n else 5), key=f"b{n}", department_id=big.id)
    for n in range(2):
        public(survey, answers(survey, rating=1), key=f"s{n}", department_id=small.id)
    outcome = services.close(leader, services.get_survey(survey.id))
    assert outcome.period == today().strftime("%Y-%m")
    rows = {
        r.department_id: r
        for r in db.session.scalars(select(SatisfactionResult).order_by(SatisfactionResult.id))
    }
    assert set(rows) == {None, big.id}  # the two-person branch is left out
    assert rows[None].respondents == 7 and rows[None].score == Decimal("3.29")
    assert rows[None].scale_max == Decimal("5") and rows[None].metric == "Customer satisfaction"
    assert rows[big.id].respondents == 5 and rows[big.id].score == Decimal("4.20")
    assert rows[big.id].department_key == big.id and rows[None].department_key == 0
    closed = services.get_survey(survey.id)
    assert closed.status == "closed" and closed.results_period == outcome.period
    with pytest.raises(Conflict):
        services.close(leader, closed)


def test_closing_keeps_a_figure_already_recorded(leader):
    survey = make_survey(leader)
    for n in range(5):
        public(survey, answers(survey), key=f"k{n}")
    db.session.add(
        SatisfactionResult(
            period=today().strftime("%Y-%m"),
            metric="Customer Satisfaction",
            metric_key="customer satisfaction",
            score=Decimal("3.10"),
            scale_max=Decimal("5"),
            respondents=400,
            department_key=0,
        )
    )
    db.session.commit()
    outcome = services.close(leader, services.get_survey(survey.id))
    assert [f.recorded for f in outcome.figures] == [False]
    assert count(SatisfactionResult) == 1
    assert db.session.scalars(select(SatisfactionResult)).one().score == Decimal("3.10")


def test_an_anonymous_survey_under_the_threshold_records_nothing(leader):
    survey = make_survey(leader, audience="staff", anonymous=True)
    for _ in range(3):
        services.respond_as_staff(
            UserFactory(), services.get_survey(survey.id), Submission(answers(survey))
        )
    outcome = services.close(leader, services.get_survey(survey.id))
    assert outcome.figures == [] and count(SatisfactionResult) == 0


def test_close_takes_the_month_its_answers_ended(leader):
    survey = make_survey(leader)
    survey.opens_on, survey.closes_on = today() - timedelta(days=70), today() - timedelta(days=40)
    db.session.commit()
    outcome = services.close(leader, services.get_survey(survey.id))
    assert outcome.period == (today() - timedelta(days=40)).strftime("%Y-%m")


def test_only_managers_close_and_publish(leader, staff):
    survey = make_survey(leader, publish=False)
    with pytest.raises(NotAllowed):
        services.publish(staff, survey)
    services.publish(leader, services.get_survey(survey.id))
    with pytest.raises(NotAllowed):
        services.close(staff, services.get_survey(survey.id))
    assert db.session.get(Survey, survey.id).status == "open"


def test_demo_surveys(app):
    from teams_app.demo import seed
    from teams_app.models import SurveyParticipation

    seed()
    surveys = db.session.scalars(select(Survey).order_by(Survey.id)).all()
    wave1, wave2, staff_survey = surveys
    assert wave1.status == "closed" and wave1.response_count == 60
    assert wave2.previous_wave_id == wave1.id and wave2.status == "open"
    assert wave2.response_count == 45
    assert staff_survey.anonymous and staff_survey.response_count == count(SurveyParticipation)
    coded = db.session.scalars(
        select(SurveyComment).where(SurveyComment.survey_id == wave1.id)
    ).all()
    assert coded and all(c.coded_as for c in coded)
    assert len({c.barrier_id for c in coded if c.coded_as == "new_barrier"}) == 2
    assert any(c.coded_as == "evidence" for c in coded)
    assert db.session.scalar(
        select(func.count())
        .select_from(SatisfactionResult)
        .where(SatisfactionResult.metric == "Service desk satisfaction")
    )
    assert seed() and len(db.session.scalars(select(Survey)).all()) == 3  # run again: no more
