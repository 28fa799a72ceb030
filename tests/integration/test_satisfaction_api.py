"""The satisfaction API (``/api/v1/satisfaction``), against ../shared/api.md."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from teams_app.extensions import db
from teams_app.models import SatisfactionResult
from teams_app.satisfaction import services
from tests.factories import DepartmentFactory

HEADER = "period,metric,score,scale_max,respondents,department"
BODY = {
    "period": "2026-01",
    "metric": "Customer satisfaction",
    "score": 3.6,
    "scale_max": 5,
    "respondents": 412,
}
CSV = {"Content-Type": "text/csv"}


def result_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SatisfactionResult)) or 0


def twelve_months() -> str:
    scores = [3.6] * 6 + [3.66, 3.73, 3.8, 3.87, 3.94, 4.0]
    lines = [HEADER]
    for i, score in enumerate(scores):
        year, month = divmod(2025 * 12 + 3 + i, 12)
        lines.append(f"{year}-{month + 1:02d},Customer satisfaction,{score},5,{400 + i},")
    return "\n".join(lines) + "\n"


def test_leadership_records_a_result(api_as, leader):
    response = api_as(leader).post("/satisfaction", json={**BODY, "score": 4.25})
    assert response.status_code == 201, response.json
    body = response.json
    assert {k: body[k] for k in ("period", "metric", "score", "scale_max", "respondents")} == {
        **BODY,
        "score": 4.25,
        "scale_max": 5.0,
    }
    assert body["percent"] == 85.0 and body["department"] is None
    assert body["created_at"].endswith("Z")


def test_a_department_result(api_as, leader):
    dept = DepartmentFactory(name="Norman")
    response = api_as(leader).post("/satisfaction", json={**BODY, "department_id": dept.id})
    assert response.status_code == 201
    assert response.json["department"] == {"id": dept.id, "name": "Norman"}


def test_staff_may_not_record_and_anonymous_callers_are_not_let_in(api_as, staff):
    assert api_as(staff).post("/satisfaction", json=BODY).status_code == 403
    assert api_as(None).post("/satisfaction", json=BODY).status_code == 401
    assert api_as(None).get("/satisfaction").status_code == 401
    assert result_count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "January"}, "period"),
        ({"score": 5.5}, "score"),
        ({"score": -1}, "score"),
        ({"score": "lots"}, "score"),
        ({"scale_max": 0}, "scale_max"),
        ({"respondents": -1}, "respondents"),
        ({"respondents": 2.5}, "respondents"),
        ({"metric": ""}, "metric"),
        ({"metric": "x" * 81}, "metric"),
        ({"department_id": 999_999}, "department_id"),
        ({"period": None}, "period"),
    ],
)
def test_invalid_fields_answer_422_with_fields(api_as, leader, change, field):
    response = api_as(leader).post("/satisfaction", json={**BODY, **change})
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["fields"]
    assert result_count() == 0


def test_missing_fields_answer_422(api_as, leader):
    response = api_as(leader).post("/satisfaction", json={})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "period",
        "metric",
        "score",
        "scale_max",
        "respondents",
    }


def test_the_same_period_metric_and_department_twice_answers_409(api_as, leader):
    api = api_as(leader)
    assert api.post("/satisfaction", json=BODY).status_code == 201
    again = api.post("/satisfaction", json={**BODY, "metric": "customer satisfaction"})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"
    assert result_count() == 1


def test_the_list_is_sorted_by_period_oldest_first_and_filters(api_as, leader, staff):
    dept = DepartmentFactory(name="Norman")
    for period in ("2026-03", "2026-01", "2026-02"):
        services.record_result(leader, services.ResultDetails(period, "CSAT", 4, 5, 10))
    services.record_result(leader, services.ResultDetails("2026-01", "Staff engagement", 7, 10, 9))
    services.record_result(leader, services.ResultDetails("2026-01", "CSAT", 3, 5, 5, dept.id))
    api = api_as(staff)
    body = api.get("/satisfaction").json
    assert body["total"] == 5 and body["page"] == 1 and body["per_page"] == 50
    assert [i["period"] for i in body["items"]] == [
        "2026-01",
        "2026-01",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    csat = api.get("/satisfaction?metric=csat").json["items"]
    assert [(i["period"], i["department"] and i["department"]["name"]) for i in csat] == [
        ("2026-01", None),
        ("2026-01", "Norman"),
        ("2026-02", None),
        ("2026-03", None),
    ]
    norman = api.get(f"/satisfaction?department_id={dept.id}").json["items"]
    assert [i["score"] for i in norman] == [3.0]
    assert api.get("/satisfaction?per_page=2&page=2").json["items"][0]["period"] == "2026-01"


def test_a_csv_import_takes_every_row(api_as, leader):
    response = api_as(leader).post("/satisfaction/import", data=twelve_months(), headers=CSV)
    assert response.status_code == 201, response.json
    assert response.json["imported"] == 12
    assert [i["period"] for i in response.json["items"]][:2] == ["2025-04", "2025-05"]
    assert result_count() == 12


def test_a_csv_with_a_bad_row_imports_nothing_and_lists_rows_and_fields(api_as, leader):
    text = (
        f"{HEADER}\n"
        "2026-01,Customer satisfaction,3.6,5,412,\n"
        "2026-02,Customer satisfaction,7,5,398,\n"
        "2026-3,Customer satisfaction,3.8,5,401,\n"
    )
    response = api_as(leader).post(
        "/satisfaction/import", data=text, headers={"Content-Type": "text/csv; charset=utf-8"}
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith("Nothing was imported: 2 rows have problems.")
    assert error["rows"] == [
        {"row": 3, "field": "score", "message": "The score must be between 0 and 5."},
        {"row": 4, "field": "period", "message": "Give the month as YYYY-MM, such as 2026-01."},
    ]
    assert error["fields"] == {
        "score": ["Row 3: The score must be between 0 and 5."],
        "period": ["Row 4: Give the month as YYYY-MM, such as 2026-01."],
    }
    assert result_count() == 0


def test_the_import_takes_csv_only(api_as, leader):
    api = api_as(leader)
    as_json = api.post("/satisfaction/import", json={"csv": twelve_months()})
    assert as_json.status_code == 415
    assert "text/csv" in as_json.json["error"]["message"]
    latin = api.post(
        "/satisfaction/import",
        data="period,metric\n2026-01,Zufriedenheit\xe4".encode("latin-1"),
        headers=CSV,
    )
    assert latin.status_code == 422 and "csv" in latin.json["error"]["fields"]
    assert result_count() == 0


def test_staff_may_not_import_whatever_they_send(api_as, staff):
    api = api_as(staff)
    assert api.post("/satisfaction/import", data=twelve_months(), headers=CSV).status_code == 403
    assert api.post("/satisfaction/import", json={}).status_code == 403


def test_other_endpoints_still_refuse_csv_bodies(api_as, leader):
    response = api_as(leader).post("/satisfaction", data=twelve_months(), headers=CSV)
    assert response.status_code == 415


def test_the_summary_states_the_change_since_a_baseline(api_as, leader, staff):
    services.import_csv(leader, twelve_months())
    api = api_as(staff)
    body = api.get("/satisfaction/summary?metric=Customer+satisfaction").json
    assert body["metric"] == "Customer satisfaction"
    assert body["baseline"] == {
        "period": "2025-04",
        "score": 3.6,
        "scale_max": 5.0,
        "percent": 72.0,
        "respondents": 400,
    }
    assert body["latest"]["period"] == "2026-03" and body["latest"]["score"] == 4.0
    assert body["change_pct"] == 11.1
    assert body["change_text"] == "+11.1% since April 2025"
    chosen = api.get("/satisfaction/summary?metric=customer%20satisfaction&baseline=2025-12").json
    assert chosen["baseline"]["period"] == "2025-12" and chosen["change_pct"] == 5.3


def test_the_summary_refuses_what_it_cannot_answer(api_as, leader, staff):
    services.import_csv(leader, twelve_months())
    api = api_as(staff)
    assert api.get("/satisfaction/summary").status_code == 422
    assert api.get("/satisfaction/summary?metric=Nothing").status_code == 404
    missing = api.get("/satisfaction/summary?metric=Customer+satisfaction&baseline=2024-01")
    assert missing.status_code == 422 and "baseline" in missing.json["error"]["fields"]
    bad = api.get("/satisfaction/summary?metric=Customer+satisfaction&baseline=2024-13")
    assert bad.status_code == 422


def test_the_openapi_document_describes_the_csv_import(client):
    spec = client.get("/api/v1/openapi.json").json
    post = spec["paths"]["/api/v1/satisfaction/import"]["post"]
    assert "text/csv" in post["requestBody"]["content"]
    assert "422" in post["responses"] and "201" in post["responses"]
    assert "/api/v1/satisfaction/summary" in spec["paths"]


def test_the_list_runs_a_fixed_number_of_queries(api_as, leader, staff, count_queries):
    dept = DepartmentFactory(name="Norman")
    api = api_as(staff)
    api.get("/me")  # warm-up: the token's first use is recorded once

    def add(n: int, start: int) -> None:
        lines = ["period,metric,score,scale_max,respondents,department_id"]
        for i in range(n):
            year, month = divmod(2000 * 12 + start + i, 12)
            lines.append(f"{year}-{month + 1:02d},CSAT,3,5,10,{dept.id if i % 2 else ''}")
        services.import_csv(leader, "\n".join(lines))

    add(12, 0)
    small = count_queries(lambda: api.get("/satisfaction?per_page=200"))
    add(188, 12)
    assert count_queries(lambda: api.get("/satisfaction?per_page=200")) == small
