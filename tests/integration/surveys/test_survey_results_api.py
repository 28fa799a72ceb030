"""API: GET /surveys/{id}/results and GET /surveys/{id}/comparison, as the contract has them."""

from __future__ import annotations

from sqlalchemy import select

from teams_app.barriers import services as barrier_services
from teams_app.extensions import db
from teams_app.models import SurveyComment, SurveyCommentTheme
from teams_app.surveys import services
from teams_app.surveys.services import Submission
from tests.factories import DepartmentFactory, UserFactory

from .helpers import answers, make_survey, q


def respond(survey, n: int, *, rating: int = 4, department_id=None, key: str = "k") -> None:
    for i in range(n):
        services.respond_publicly(
            services.get_survey(survey.id),
            Submission(
                answers(survey, rating=rating),
                department_id=department_id,
                submission_key=f"{key}-{i}",
            ),
        )


def test_results_per_question(api_as, leader):
    survey = make_survey(leader)
    respond(survey, 5, rating=4)
    got = api_as(leader).get(f"/surveys/{survey.id}/results")
    assert got.status_code == 200
    body = got.get_json()
    assert body["survey_id"] == survey.id and body["respondents"] == 5
    assert body["min_group"] == 5 and body["withheld"] is None
    rating = next(x for x in body["questions"] if x["question_id"] == q(survey, "rating5").id)
    assert rating["count"] == 5 and rating["mean"] == 4.0
    assert [(b["value"], b["count"]) for b in rating["distribution"]] == [
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 5),
        (5, 0),
    ]
    single = next(x for x in body["questions"] if x["kind"] == "single")
    assert "mean" not in single
    assert single["distribution"][0] == {
        "value": q(survey, "single").choices[0].id,
        "label": "In person",
        "count": 5,
    }
    text = next(x for x in body["questions"] if x["kind"] == "long_text")
    assert text["count"] == 5 and text["distribution"] == []


def test_results_by_department_and_the_threshold(api_as, leader):
    survey = make_survey(leader)
    big, small = DepartmentFactory(name="Central"), DepartmentFactory(name="Hillside")
    respond(survey, 5, rating=5, department_id=big.id, key="b")
    respond(survey, 2, rating=1, department_id=small.id, key="s")
    api = api_as(leader)
    body = api.get(f"/surveys/{survey.id}/results").get_json()
    assert body["groups"] == [{"id": big.id, "name": "Central", "respondents": 5}]
    one = api.get(f"/surveys/{survey.id}/results?department_id={big.id}").get_json()
    assert one["department_id"] == big.id and one["respondents"] == 5
    assert one["questions"][0]["mean"] == 5.0
    refused = api.get(f"/surveys/{survey.id}/results?department_id={small.id}")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "Fewer than 5 people answered for Hillside" in error["fields"]["department_id"][0]
    assert api.get(f"/surveys/{survey.id}/results?department_id=abc").status_code == 422


def test_an_anonymous_survey_under_the_threshold_is_withheld(api_as, leader):
    survey = make_survey(leader, audience="staff", anonymous=True)
    for i in range(3):
        services.respond_as_staff(
            UserFactory(name=f"P{i}"), services.get_survey(survey.id), Submission(answers(survey))
        )
    body = api_as(leader).get(f"/surveys/{survey.id}/results").get_json()
    assert body["questions"] == [] and "at least 5" in body["withheld"]


def test_who_may_read_results(api_as, leader, staff):
    survey = make_survey(leader)
    draft = make_survey(leader, publish=False)
    api = api_as(staff)
    assert api.get(f"/surveys/{draft.id}/results").status_code == 404
    assert api.get(f"/surveys/{draft.id}/comparison").status_code == 404
    assert api.get("/surveys/999999/results").status_code == 404
    assert api.get(f"/surveys/{survey.id}/results").status_code == 403
    assert api.get(f"/surveys/{survey.id}/comparison").status_code == 403
    services.close(leader, services.get_survey(survey.id))
    assert api.get(f"/surveys/{survey.id}/results").status_code == 200
    assert api.get(f"/surveys/{survey.id}/comparison").status_code == 403
    assert api_as(None).get(f"/surveys/{survey.id}/results").status_code == 401


def test_comparison_against_the_previous_wave(api_as, leader):
    first = make_survey(leader)
    respond(first, 5, rating=3, key="w1")
    found = barrier_services.report_barrier(
        leader,
        barrier_services.BarrierDetails(
            title="Printers jam",
            category="technology",
            affects="customers",
            severity="high",
            source="survey",
        ),
    )
    comment = db.session.scalars(
        select(SurveyComment).where(SurveyComment.survey_id == first.id).limit(1)
    ).one()
    comment.coded_as, comment.barrier_id = "new_barrier", found.id
    comment.themes = [SurveyCommentTheme(theme="printing")]
    db.session.commit()
    services.close(leader, services.get_survey(first.id))
    second = services.copy_for_next_wave(leader, services.get_survey(first.id))
    services.publish(leader, services.get_survey(second.id))
    respond(second, 5, rating=4, key="w2")
    later = db.session.scalars(
        select(SurveyComment).where(SurveyComment.survey_id == second.id).limit(3)
    ).all()
    for c in later:
        c.coded_as, c.barrier_id = "evidence", found.id
    db.session.commit()

    got = api_as(leader).get(f"/surveys/{second.id}/comparison")
    assert got.status_code == 200
    body = got.get_json()
    assert body["previous_wave_id"] == first.id
    [rating] = body["ratings"]
    assert rating["question_id"] == q(services.get_survey(second.id), "rating5").id
    assert (rating["before"], rating["after"]) == (3.0, 4.0)
    assert (rating["respondents_before"], rating["respondents_after"]) == (5, 5)
    assert rating["change_pct"] == 33.3
    assert body["themes"] == [
        {"theme": "printing", "before": 100.0, "after": 0.0, "before_count": 1, "after_count": 0}
    ]
    assert body["barriers"] == [
        {
            "barrier_id": found.id,
            "title": "Printers jam",
            "status": "open",
            "mentions_before": 1,
            "mentions_after": 3,
        }
    ]
    assert body["comments"] == {
        "before": {"total": 5, "coded": 1},
        "after": {"total": 5, "coded": 3},
    }

    first_wave = api_as(leader).get(f"/surveys/{first.id}/comparison").get_json()
    assert first_wave["previous_wave_id"] is None and first_wave["ratings"] == []


def test_both_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/surveys/{survey_id}/results"]
    assert "get" in paths["/api/v1/surveys/{survey_id}/comparison"]
    params = paths["/api/v1/surveys/{survey_id}/results"]["get"]["parameters"]
    assert any(p["name"] == "department_id" for p in params)
