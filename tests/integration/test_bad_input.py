"""Bad input gets a 400 or 422 in the contract's shape, never a 500, and changes nothing: JSON
too deep or not JSON at all, text the database cannot store, dates and months out of range,
and values of the wrong JSON type."""

from __future__ import annotations

import pytest

from teams_app.extensions import db
from teams_app.input_guard import MAX_JSON_DEPTH
from teams_app.models import AuditEvent, Initiative
from tests.conftest import login, post_form
from tests.factories import make_team


def _raw(api, method, path, body: str | bytes):
    return api.client.open(
        "/api/v1" + path,
        method=method,
        data=body,
        headers={**api._headers(), "Content-Type": "application/json"},
    )


def _error(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


@pytest.mark.parametrize(
    "body",
    ["[" * 50_000 + "]" * 50_000, '{"a":' * 5_000 + "1" + "}" * 5_000],
    ids=["array-50000-deep", "object-5000-deep"],
)
@pytest.mark.parametrize("method,path", [("PATCH", "/me"), ("POST", "/teams")])
def test_deeply_nested_json_is_a_400_in_the_api_shape(api_as, staff, body, method, path):
    response = _raw(api_as(staff), method, path, body)
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "bad_request" and "nests too deeply" in error["message"]


def test_json_one_level_too_deep_is_refused_and_the_limit_itself_is_read(api_as, staff):
    api = api_as(staff)
    ok = '{"name": "Sam", "x": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    assert _raw(api, "PATCH", "/me", ok).status_code == 422  # read: "x" is an unknown field
    deep = '{"name": "Sam", "x": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"
    assert _raw(api, "PATCH", "/me", deep).status_code == 400


def test_deep_json_to_a_page_is_the_400_page(client):
    response = client.post(
        "/auth/login", data="[" * 50_000, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "nests too deeply" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "\\ud800"}',
        '{"name": "ok\\udfff"}',
        '{"name": "Sam", "\\ud83d": 1}',
        '{"name": "a\\u0000b"}',
    ],
    ids=["lone-high", "lone-low", "in-a-key", "nul"],
)
def test_text_the_database_cannot_store_is_a_400_and_nothing_changes(api_as, staff, body):
    """On PostgreSQL psycopg cannot even encode a lone surrogate: without the guard, a 500."""
    response = _raw(api_as(staff), "PATCH", "/me", body)
    assert response.status_code == 400
    assert "cannot be stored" in _error(response)["message"]
    db.session.refresh(staff)
    assert staff.name == "Sam Staff"


def test_a_paired_surrogate_escape_is_a_real_character_and_is_kept(api_as, staff):
    response = _raw(api_as(staff), "PATCH", "/me", '{"name": "Sam \\ud83d\\ude00"}')
    assert response.status_code == 200
    assert response.get_json()["name"] == "Sam \U0001f600"


@pytest.mark.parametrize(
    "body",
    ['{"name": NaN}', '{"digest_hour": Infinity}', '{"digest_hour": ' + "9" * 5000 + "}"],
    ids=["nan", "infinity", "5000-digit-number"],
)
def test_json_python_would_not_read_is_a_400(api_as, staff, body):
    response = _raw(api_as(staff), "PATCH", "/me", body)
    assert response.status_code == 400
    assert _error(response)["code"] == "bad_request"


def test_a_body_that_is_not_utf8_is_a_400(api_as, staff):
    response = _raw(api_as(staff), "PATCH", "/me", b'{"name": "\xff\xfe"}')
    assert response.status_code == 400


def test_refused_input_is_in_the_audit_log(api_as, staff):
    _raw(api_as(staff), "PATCH", "/me", "[" * 50_000)
    [event] = db.session.query(AuditEvent).filter_by(event="request.rejected").all()
    assert event.detail["reason"] == "json_too_deep" and event.actor_id is None
    assert event.detail["path"] == "/api/v1/me" and event.ip == "127.0.0.1"


# --- Months and dates ----------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12", "3000-01", "2026-13"])
def test_story_month_filter_out_of_range_is_a_422(api_as, staff, month):
    response = api_as(staff).get(f"/stories?month={month}")
    assert response.status_code == 422
    assert "month" in _error(response)["fields"]


@pytest.mark.parametrize(
    "path", ["/stories/featured?month=9999-12", "/stories/featured?month=0000-01"]
)
def test_featured_month_out_of_range_is_a_422(api_as, staff, path):
    assert api_as(staff).get(path).status_code == 422


def test_story_month_at_the_ends_of_the_range_is_read(api_as, staff):
    for month in ("1900-01", "2999-12"):
        assert api_as(staff).get(f"/stories?month={month}").status_code == 200


@pytest.mark.parametrize("month", ["0000-01", "9999-12"])
def test_story_page_ignores_a_month_out_of_range(client, staff, month):
    login(client, staff)
    assert client.get(f"/stories/?month={month}").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_api_dates_out_of_range_are_a_422(api_as, staff, day):
    team = make_team(staff)
    response = api_as(staff).post(
        "/initiatives", json={"team_id": team.id, "title": "Far away", "target_date": day}
    )
    assert response.status_code == 422
    assert "target_date" in _error(response)["fields"]
    assert db.session.query(Initiative).count() == 0


@pytest.mark.parametrize("arg", ["target_from=0001-01-01", "target_to=9999-12-31"])
def test_portfolio_date_filters_out_of_range_are_a_422(api_as, leader, arg):
    assert api_as(leader).get(f"/portfolio?{arg}").status_code == 422


def test_portfolio_page_ignores_dates_out_of_range(client, leader):
    login(client, leader)
    assert client.get("/portfolio/?target_from=0001-01-01&target_to=9999-12-31").status_code == 200


def test_form_date_out_of_range_re_renders_with_a_message(client, staff):
    team = make_team(staff)
    login(client, staff)
    path = f"/teams/{team.slug}/initiatives/new"
    response = post_form(
        client, path, {"title": "Far away", "target_date": "9999-12-31"}, token_from=path
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "between 1900-01-01 and 2999-12-31" in page and 'value="Far away"' in page
    assert db.session.query(Initiative).count() == 0


# --- Strict JSON types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,field",
    [
        ({"team_id": 1.5, "title": "T"}, "team_id"),
        ({"team_id": "1", "title": "T"}, "team_id"),
        ({"team_id": True, "title": "T"}, "team_id"),
        ({"team_id": "TEAM", "title": 5}, "title"),
    ],
    ids=["float-id", "string-id", "bool-id", "number-title"],
)
def test_api_ids_and_text_take_only_their_json_type(api_as, staff, body, field):
    team = make_team(staff)
    if body["team_id"] == "TEAM":
        body = {**body, "team_id": team.id}
    response = api_as(staff).post("/initiatives", json=body)
    assert response.status_code == 422
    assert field in _error(response)["fields"]
    assert db.session.query(Initiative).count() == 0


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", None])
def test_api_booleans_are_only_true_or_false(api_as, staff, value):
    response = api_as(staff).post(
        "/teams", json={"name": "Typed", "problem": "p", "goal": "g", "open_to_join": value}
    )
    assert response.status_code == 422
    assert "open_to_join" in _error(response)["fields"]


@pytest.mark.parametrize("value", ["3", 3.5, False])
def test_api_integers_are_only_integers(api_as, staff, value):
    response = api_as(staff).patch("/me", json={"digest_hour": value})
    assert response.status_code == 422
    assert "digest_hour" in _error(response)["fields"]


@pytest.mark.parametrize("value", ["4.5", True, None])
def test_api_numbers_are_only_json_numbers(api_as, leader, value):
    response = api_as(leader).post(
        "/satisfaction",
        json={"period": "2026-01", "metric": "M", "score": value, "scale_max": 5, "respondents": 9},
    )
    assert response.status_code == 422
    assert "score" in _error(response)["fields"]


def test_query_booleans_are_only_true_false_1_or_0(api_as, staff):
    api = api_as(staff)
    assert api.get("/teams?has_openings=yes").status_code == 422
    assert api.get("/teams?has_openings=true").status_code == 200
    assert api.get("/teams?has_openings=0").status_code == 200


@pytest.mark.parametrize(
    "data",
    [None, "", "[]", '"name"', "3", "null"],
    ids=["none", "empty", "array", "string", "number", "null"],
)
def test_a_missing_or_non_object_body_is_a_422(api_as, staff, data):
    api = api_as(staff)
    headers = {**api._headers(), **({"Content-Type": "application/json"} if data else {})}
    response = api.client.patch("/api/v1/me", data=data, headers=headers)
    assert response.status_code == 422
    assert "_body" in _error(response)["fields"]


def test_an_optional_body_may_be_left_out(api_as, staff):
    from tests.factories import UserFactory

    team = make_team(UserFactory())
    response = api_as(staff).client.post(
        f"/api/v1/teams/{team.id}/join", headers=api_as(staff)._headers()
    )
    assert response.status_code == 201


def test_unknown_fields_stay_refused_and_are_audited(api_as, staff):
    response = api_as(staff).patch("/me", json={"name": "Sam", "role": "admin"})
    assert response.status_code == 422
    assert _error(response)["fields"]["role"] == ["Unknown field."]
    db.session.refresh(staff)
    assert staff.role == "staff" and staff.name == "Sam Staff"
    [event] = db.session.query(AuditEvent).filter_by(event="request.rejected").all()
    assert event.detail["reason"] == "unknown_fields" and event.detail["fields"] == ["role"]
    assert event.actor_id == staff.id


def test_a_405_keeps_its_allow_header_in_the_api_shape(api_as, staff):
    response = api_as(staff).client.open(
        "/api/v1/me", method="TRACE", headers=api_as(staff)._headers()
    )
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "PATCH" in response.headers["Allow"]
    assert _error(response)["code"] == "method_not_allowed"


def test_a_401_says_how_to_authenticate(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
