"""The surveys API: the issue's journey end to end (leadership builds a customer survey, three
customers answer without a token, one in Spanish, staff answer an anonymous staff survey, the
owner codes the comments into two new barriers and one piece of evidence, closing adds this
month's satisfaction results), and its rules: locks, versions, 409s, the rate limit, anonymity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import Activity, SatisfactionResult
from teams_app.surveys import services
from tests.factories import DepartmentFactory, UserFactory


def _dates() -> dict:
    today = services.today()
    return {
        "opens_on": (today - timedelta(days=1)).isoformat(),
        "closes_on": (today + timedelta(days=6)).isoformat(),
    }


def customer_survey() -> dict:
    return {
        "title": "How was your visit?",
        "title_i18n": {"es": "¿Cómo fue su visita?"},
        "audience": "customers",
        "languages": ["en", "es"],
        **_dates(),
        "questions": [
            {
                "kind": "rating5",
                "text": {"en": "How satisfied are you?", "es": "¿Qué tan satisfecho está?"},
                "required": True,
                "metric": "Customer satisfaction",
            },
            {
                "kind": "single",
                "text": {"en": "How did you visit?", "es": "¿Cómo nos visitó?"},
                "choices": [
                    {"text": {"en": "In person", "es": "En persona"}},
                    {"text": {"en": "Online", "es": "En línea"}},
                ],
            },
            {"kind": "long_text", "text": {"en": "What got in the way?", "es": "¿Qué estorbó?"}},
        ],
    }


@pytest.fixture
def low_threshold(app):
    app.config["SURVEY_MIN_GROUP"] = 1


def test_the_journey_through_the_api(api_as, leader, low_threshold):
    branch = DepartmentFactory(name="Central Branch")
    api = api_as(leader)
    created = api.post("/surveys", json=customer_survey())
    assert created.status_code == 201, created.get_json()
    survey = created.get_json()
    sid = survey["id"]
    rating, single, text = survey["questions"]
    assert survey["status"] == "draft" and len(single["choices"]) == 2
    assert api.post(f"/surveys/{sid}/publish", json={}).status_code == 200

    public = api_as(None)
    said = [
        ("en", 4, "The printers jam every Saturday"),
        ("es", 3, "La impresora de la biblioteca no tiene papel"),
        ("en", 5, "I waited twenty minutes at the desk"),
    ]
    for n, (language, stars, words) in enumerate(said):
        answered = public.post(
            f"/surveys/{sid}/responses",
            json={
                "language": language,
                "department_id": branch.id,
                "submission_key": f"phone-{n}",
                "answers": [
                    {"question_id": rating["id"], "value": stars},
                    {"question_id": single["id"], "value": single["choices"][0]["id"]},
                    {"question_id": text["id"], "value": words},
                ],
            },
        )
        assert answered.status_code == 201, answered.get_json()
        assert answered.get_json()["language"] == language
    assert api.get(f"/surveys/{sid}").get_json()["response_count"] == 3
    locked = api.patch(
        f"/surveys/{sid}",
        json={"version": survey["version"] + 1, "questions": customer_survey()["questions"][:1]},
    )
    assert locked.status_code == 409

    # An anonymous staff survey, answered by staff with their tokens.
    staff_survey = api.post(
        "/surveys",
        json={
            "title": "What gets in the way?",
            "audience": "staff",
            "anonymous": True,
            **_dates(),
            "questions": [{"kind": "long_text", "text": {"en": "Which rule stops you?"}}],
        },
    ).get_json()
    api.post(f"/surveys/{staff_survey['id']}/publish", json={})
    colleague = UserFactory(name="Casey Colleague")
    as_staff = api_as(colleague)
    body = {
        "answers": [
            {"question_id": staff_survey["questions"][0]["id"], "value": "Fines need a manager"}
        ]
    }
    assert as_staff.post(f"/surveys/{staff_survey['id']}/responses", json=body).status_code == 201
    again = as_staff.post(f"/surveys/{staff_survey['id']}/responses", json=body)
    assert again.status_code == 409
    staff_queue = api.get(f"/surveys/{staff_survey['id']}/comments").get_json()
    assert staff_queue["items"][0]["text"] == "Fines need a manager"
    assert "Casey" not in str(staff_queue) and staff_queue["items"][0]["department"] is None

    # The owner codes the comments: two new barriers and one piece of evidence.
    queue = api.get(f"/surveys/{sid}/comments?coded=false").get_json()
    assert (queue["coded"], queue["comments"], queue["total"]) == (0, 3, 3)
    first, second, third = queue["items"]
    coded = api.post(
        f"/survey-comments/{first['id']}/code",
        json={
            "as": "new_barrier",
            "barrier": {"title": "Printers jam at weekends", "category": "technology"},
            "themes": ["printing"],
            "version": first["version"],
        },
    )
    assert coded.status_code == 200, coded.get_json()
    printers = coded.get_json()["barrier"]
    assert coded.get_json()["coded_as"] == "new_barrier" and coded.get_json()["themes"] == [
        "printing"
    ]
    barrier = api.get(f"/barriers/{printers['id']}").get_json()
    assert barrier["source"] == "survey" and barrier["affects"] == "customers"

    waiting = api.post(
        f"/survey-comments/{third['id']}/code",
        json={"as": "new_barrier", "barrier": {"title": "Long waits at the desk"}, "version": 1},
    )
    assert waiting.status_code == 200

    evidence = api.post(
        f"/survey-comments/{second['id']}/code",
        json={"as": "evidence", "barrier_id": printers["id"], "version": second["version"]},
    )
    assert evidence.status_code == 200 and evidence.get_json()["barrier"]["id"] == printers["id"]
    stale = api.post(
        f"/survey-comments/{second['id']}/code",
        json={"as": "none", "version": second["version"]},
    )
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    progress = api.get(f"/surveys/{sid}/comments").get_json()
    assert (progress["coded"], progress["comments"]) == (3, 3)
    assert api.get(f"/surveys/{sid}/comments?coded=false").get_json()["total"] == 0

    # Closing adds this month's satisfaction results.
    closed = api.post(f"/surveys/{sid}/close", json={})
    assert closed.status_code == 200, closed.get_json()
    period = services.today().strftime("%Y-%m")
    assert closed.get_json()["status"] == "closed" and closed.get_json()["results_period"] == period
    result = db.session.scalars(
        select(SatisfactionResult).where(
            SatisfactionResult.period == period, SatisfactionResult.department_id.is_(None)
        )
    ).one()
    assert float(result.score) == 4.0 and result.respondents == 3
    listed = api.get("/satisfaction?metric=Customer satisfaction").get_json()
    assert any(r["period"] == period for r in listed["items"])
    after = public.post(f"/surveys/{sid}/responses", json={"answers": []})
    assert after.status_code == 409

    copy = api.post(f"/surveys/{sid}/copy", json={})
    assert copy.status_code == 201 and copy.get_json()["previous_wave_id"] == sid


def test_who_may_do_what(api_as, leader, staff):
    api = api_as(leader)
    sid = api.post("/surveys", json=customer_survey()).get_json()["id"]
    as_staff = api_as(staff)
    assert as_staff.post("/surveys", json=customer_survey()).status_code == 403
    assert as_staff.get(f"/surveys/{sid}").status_code == 404  # a draft is not revealed
    assert as_staff.get("/surveys").get_json()["total"] == 0
    assert api_as(None).get("/surveys").status_code == 401
    assert api_as(None).post(f"/surveys/{sid}/responses", json={"answers": []}).status_code == 404
    api.post(f"/surveys/{sid}/publish", json={})
    assert as_staff.get(f"/surveys/{sid}").status_code == 200
    assert as_staff.get(f"/surveys/{sid}/comments").status_code == 403
    assert as_staff.post(f"/surveys/{sid}/close", json={}).status_code == 403
    assert api.patch(f"/surveys/{sid}", json={"title": "No version"}).status_code == 422
    item = api.get(f"/surveys/{sid}").get_json()
    renamed = api.patch(f"/surveys/{sid}", json={"title": "Renamed", "version": item["version"]})
    assert renamed.status_code == 200 and renamed.get_json()["title"] == "Renamed"
    stale = api.patch(f"/surveys/{sid}", json={"title": "Again", "version": item["version"]})
    assert stale.status_code == 409


def test_staff_surveys_need_a_token_and_bad_answers_are_422(api_as, leader, staff):
    api = api_as(leader)
    body = {
        "title": "Staff pulse",
        "audience": "staff",
        **_dates(),
        "questions": [
            {"kind": "rating10", "text": {"en": "How likely?"}, "required": True},
            {"kind": "long_text", "text": {"en": "Why?"}},
        ],
    }
    survey = api.post("/surveys", json=body).get_json()
    api.post(f"/surveys/{survey['id']}/publish", json={})
    rating, why = survey["questions"]
    path = f"/surveys/{survey['id']}/responses"
    assert api_as(None).post(path, json={"answers": []}).status_code == 401
    me = api_as(staff)
    bad = me.post(path, json={"answers": [{"question_id": rating["id"], "value": 11}]})
    assert bad.status_code == 422 and f"q{rating['id']}" in bad.get_json()["error"]["fields"]
    first = me.post(
        path,
        json={
            "answers": [
                {"question_id": rating["id"], "value": 7},
                {"question_id": why["id"], "value": "Slow tools"},
            ]
        },
    )
    assert first.status_code == 201
    assert (
        me.post(path, json={"answers": [{"question_id": rating["id"], "value": 8}]}).status_code
        == 409
    )
    changed = me.patch(
        path + "/mine", json={"answers": [{"question_id": rating["id"], "value": 9}]}
    )
    assert changed.status_code == 200
    assert changed.get_json()["answers"] == [{"question_id": rating["id"], "value": 9}]


@pytest.mark.parametrize(
    "app", [{"RATELIMIT_ENABLED": True, "SURVEY_PUBLIC_LIMIT": "2 per minute"}], indirect=True
)
def test_public_answers_are_rate_limited(app, api_as, leader):
    api = api_as(leader)
    survey = api.post("/surveys", json=customer_survey()).get_json()
    api.post(f"/surveys/{survey['id']}/publish", json={})
    rating = survey["questions"][0]
    public = api_as(None)
    body = {"answers": [{"question_id": rating["id"], "value": 4}]}
    codes = [
        public.post(f"/surveys/{survey['id']}/responses", json=body).status_code for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    limited = public.post(f"/surveys/{survey['id']}/responses", json=body)
    assert limited.headers.get("Retry-After")
    assert limited.get_json()["error"]["code"] == "rate_limited"


def _staff_comment(api_as, leader, staff, text: str) -> tuple[dict, dict]:
    """A published named staff survey of one long-text question that ``staff`` answered with
    ``text``: the survey and the comment as the triage queue shows it."""
    api = api_as(leader)
    body = {
        "title": "Named pulse",
        "audience": "staff",
        **_dates(),
        "questions": [{"kind": "long_text", "text": {"en": "Why?"}}],
    }
    survey = api.post("/surveys", json=body).get_json()
    api.post(f"/surveys/{survey['id']}/publish", json={})
    api_as(staff).post(
        f"/surveys/{survey['id']}/responses",
        json={"answers": [{"question_id": survey["questions"][0]["id"], "value": text}]},
    )
    return survey, api.get(f"/surveys/{survey['id']}/comments").get_json()["items"][0]


def test_coding_leaves_no_respondent_in_the_audit_trail(api_as, leader, staff):
    api = api_as(leader)
    survey, item = _staff_comment(api_as, leader, staff, "Rota gaps")
    assert staff.name not in str(item)
    api.post(f"/survey-comments/{item['id']}/code", json={"as": "none", "version": 1})
    data = [a.data for a in db.session.scalars(select(Activity))]
    assert not any(staff.name in str(d) or "Rota gaps" in str(d) for d in data)


def test_a_story_written_from_a_comment_through_the_api(api_as, leader, staff):
    api = api_as(leader)
    survey, item = _staff_comment(api_as, leader, staff, "Story time")
    story = {
        "title": "Story time sold out",
        "body": "> Story time\n\nParents queued at nine.",
        "kind": "win",
        "no_personal_details": True,
        "survey_comment_id": item["id"],
    }
    no_version = api.post("/stories", json=story)
    assert no_version.status_code == 422
    assert "survey_comment_version" in no_version.get_json()["error"]["fields"]
    assert (
        api_as(staff).post("/stories", json=story | {"survey_comment_version": 1}).status_code
        == 404
    )
    stale = api.post("/stories", json=story | {"survey_comment_version": item["version"] + 1})
    assert stale.status_code == 409
    made = api.post("/stories", json=story | {"survey_comment_version": item["version"]})
    assert made.status_code == 201, made.get_json()
    coded = api.get(f"/surveys/{survey['id']}/comments").get_json()["items"][0]
    assert coded["story_id"] == made.get_json()["id"] and coded["coded_as"] == "story"
    assert api.get("/stories").get_json()["total"] == 1  # the refused tries saved nothing
