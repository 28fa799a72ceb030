"""The JSON API base: bearer tokens, the error shape, pagination, /me, /users, /departments."""

from __future__ import annotations

import re

import pytest

from teams_app.extensions import db
from teams_app.models import User
from tests.conftest import login
from tests.factories import DepartmentFactory, UserFactory


def test_me_returns_the_callers_profile(api_as, staff):
    response = api_as(staff).get("/me")
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == staff.email
    assert body["department"] == {"id": staff.department_id, "name": staff.department.name}
    assert body["digest_frequency"] == "weekly"


def test_no_token_bad_token_and_revoked_token_get_401(client, api_as, staff):
    from teams_app.account.services import revoke_token_by_name

    assert api_as(None).get("/me").status_code == 401
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer mt_not-a-token"})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["code"] == "unauthorized"
    api = api_as(staff)
    assert api.get("/me").status_code == 200
    revoke_token_by_name(staff, "test token 1")
    assert api.get("/me").status_code == 401


def test_token_records_last_use(api_as, staff):
    from teams_app.models import ApiToken

    api_as(staff).get("/me")
    token = db.session.query(ApiToken).one()
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_session_cookie_is_not_accepted_by_the_api(client, staff):
    login(client, staff)
    assert client.get("/api/v1/me").status_code == 401
    assert client.patch("/api/v1/me", json={"name": "Cookie Monster"}).status_code == 401


def test_patch_me_changes_profile(api_as, staff):
    dept = DepartmentFactory(name="Purcell")
    response = api_as(staff).patch(
        "/me",
        json={
            "name": "Sam API",
            "department_id": dept.id,
            "digest_frequency": "daily",
            "digest_weekday": 4,
            "digest_hour": 9,
            "timezone": "America/New_York",
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["department"]["name"] == "Purcell"
    db.session.refresh(staff)
    assert (staff.name, staff.digest_frequency, staff.timezone) == (
        "Sam API",
        "daily",
        "America/New_York",
    )


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"digest_frequency": "hourly"}, "digest_frequency"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"digest_weekday": "Monday"}, "digest_weekday"),
        ({"name": "x" * 121}, "name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"department_id": 999999}, "department_id"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_patch_me_rejects_bad_fields_with_422_and_changes_nothing(api_as, staff, payload, field):
    response = api_as(staff).patch("/me", json=payload)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["status"] == 422 and error["code"] == "validation_error"
    assert field in error["fields"]
    db.session.refresh(staff)
    assert staff.name == "Sam Staff" and staff.digest_frequency == "weekly"


def test_malformed_json_gets_400(client, api_as, staff):
    api = api_as(staff)
    response = client.patch(
        "/api/v1/me",
        data="{not json",
        headers={**api._headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_tokens_are_listed_without_secrets_created_and_revoked(api_as, staff):
    api = api_as(staff)
    created = api.post("/me/tokens", json={"name": "nightly export"})
    assert created.status_code == 201
    secret = created.get_json()["token"]
    listed = api.get("/me/tokens").get_json()
    assert listed["total"] == 2
    assert all("token" not in t for t in listed["items"])
    assert {t["name"] for t in listed["items"]} == {"nightly export", "test token 1"}
    assert listed["items"][0]["created_at"].endswith("Z")
    token_id = created.get_json()["id"]
    assert api.delete(f"/me/tokens/{token_id}").status_code == 204
    assert api.delete(f"/me/tokens/{token_id}").status_code == 404
    from tests.conftest import ApiClient

    assert ApiClient(api.client, secret).get("/me").status_code == 401


def test_token_name_is_required(api_as, staff):
    response = api_as(staff).post("/me/tokens", json={})
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]


def test_users_directory_is_paginated_and_hides_emails_from_staff(api_as, staff, admin):
    for i in range(5):
        UserFactory(name=f"Reader {i}")
    page = api_as(staff).get("/users?per_page=2&page=2").get_json()
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 7)
    assert len(page["items"]) == 2
    assert all(item["email"] is None for item in page["items"])
    as_admin = api_as(admin).get("/users?q=reader").get_json()
    assert as_admin["total"] == 5
    assert all(item["email"].endswith("@library.example") for item in as_admin["items"])


@pytest.mark.parametrize(
    "query", ["per_page=201", "per_page=0", "page=0", "page=abc", "level=wizard"]
)
def test_bad_list_parameters_get_422(api_as, staff, query):
    response = api_as(staff).get(f"/users?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


def test_admin_invites_through_the_api(api_as, admin, mailbox, run_jobs):
    dept = DepartmentFactory(name="Shawnee")
    api = api_as(admin)
    payload = {
        "email": "Api.Person@Library.Example",
        "name": "Api Person",
        "role": "leadership",
        "level": "manager",
        "department_id": dept.id,
    }
    response = api.post("/users", json=payload)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["email"] == "api.person@library.example"
    assert api.post("/users", json=payload).status_code == 409
    run_jobs()
    assert len(mailbox.to("api.person@library.example")) == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "nope", "name": "X"}, "email"),
        ({"email": "a@library.example"}, "name"),
        ({"email": "a@library.example", "name": "X", "role": "king"}, "role"),
        ({"email": "a@library.example", "name": "X", "department_id": 424242}, "department_id"),
    ],
)
def test_invite_validation(api_as, admin, payload, field):
    response = api_as(admin).post("/users", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.query(User).count() == 1


def test_staff_cannot_invite_or_change_roles(api_as, staff, leader):
    api = api_as(staff)
    assert api.post("/users", json={"email": "x@library.example", "name": "X"}).status_code == 403
    assert api.patch(f"/users/{leader.id}", json={"role": "staff"}).status_code == 403
    db.session.refresh(leader)
    assert leader.role == "leadership"


def test_admin_changes_role_and_deactivates_through_the_api(api_as, admin, staff):
    from teams_app.account.services import create_token

    _, staff_secret = create_token(staff, "staff script")
    api = api_as(admin)
    response = api.patch(f"/users/{staff.id}", json={"role": "leadership", "active": False})
    assert response.status_code == 200
    assert response.get_json()["role"] == "leadership"
    assert response.get_json()["active"] is False
    from tests.conftest import ApiClient

    assert ApiClient(api.client, staff_secret).get("/me").status_code == 401
    assert api.patch("/users/999999", json={"role": "staff"}).status_code == 404


def test_role_and_deactivation_land_in_one_commit_and_are_both_audited(api_as, admin, staff):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from teams_app.models import Activity, AuditEvent

    api = api_as(admin)
    api.get("/me")  # the token's first use is written now, not inside the PATCH
    commits: list[Session] = []

    def count(session: Session) -> None:
        if session is db.session():  # the request's unit of work, not the audit log's own
            commits.append(session)

    event.listen(Session, "after_commit", count)
    try:
        response = api.patch(f"/users/{staff.id}", json={"role": "leadership", "active": False})
    finally:
        event.remove(Session, "after_commit", count)
    assert response.status_code == 200
    assert len(commits) == 1
    verbs = db.session.query(Activity.verb).filter_by(subject_id=staff.id).all()
    assert sorted(v for (v,) in verbs) == ["changed_role", "deactivated"]
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [e.event for e in events][-2:] == ["user.role_changed", "user.deactivated"]
    assert events[-2].detail["before"] == "staff"


def test_a_patch_whose_second_part_is_refused_changes_nothing(api_as, admin, staff, monkeypatch):
    from teams_app.models import Activity, AuditEvent
    from teams_app.people import services

    # No real rule refuses a deactivation an admin may also change the role for, so refuse it here:
    # the role part is valid and would be written first if the two parts were two commits.
    monkeypatch.setattr(services, "deactivate_problem", lambda actor, target: "Not today.")
    response = api_as(admin).patch(
        f"/users/{staff.id}", json={"role": "leadership", "active": False}
    )
    assert response.status_code == 422
    assert "Not today." in response.get_data(as_text=True)
    db.session.expire_all()
    assert (staff.role, staff.active) == ("staff", True)
    assert db.session.query(Activity).filter_by(subject_id=staff.id).count() == 0
    assert db.session.query(AuditEvent).filter(AuditEvent.event.like("user.%")).count() == 0


def test_the_visibility_of_a_person_is_a_permission_rule(staff, admin):
    from teams_app.permissions import can

    hidden = UserFactory(active=False)
    pending = UserFactory(password_hash=None)
    assert can(staff, "view_person", admin)
    assert not can(staff, "view_person", hidden)
    assert not can(staff, "view_person", pending)
    assert can(admin, "view_person", hidden) and can(admin, "view_person", pending)


def test_departments_list_and_create(api_as, admin, staff):
    api = api_as(admin)
    created = api.post("/departments", json={"name": "Tecumseh", "kind": "branch"})
    assert created.status_code == 201
    assert created.get_json()["kind"] == "branch"
    assert api.post("/departments", json={"name": "tecumseh"}).status_code == 409
    assert api.post("/departments", json={"name": "X", "kind": "planet"}).status_code == 422
    assert api_as(staff).post("/departments", json={"name": "Nope"}).status_code == 403
    listed = api_as(staff).get("/departments").get_json()
    assert "Tecumseh" in [d["name"] for d in listed["items"]]
    assert listed["per_page"] == 50


def test_unknown_api_path_gets_json_404(api_as, staff):
    response = api_as(staff).get("/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_gets_json_405(api_as, staff):
    response = api_as(staff).delete("/me")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True}], indirect=True)
def test_api_rate_limit_answers_429_with_retry_after(app, api_as, staff):
    api = api_as(staff)
    statuses = [api.get("/me").status_code for _ in range(301)]
    assert statuses.count(200) == 300
    last = api.get("/me")
    assert last.status_code == 429
    assert last.get_json()["error"]["code"] == "rate_limited"
    assert int(last.headers["Retry-After"]) > 0


def test_openapi_document_describes_the_validating_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/me" in spec["paths"] and "patch" in spec["paths"]["/api/v1/me"]
    schema = spec["components"]["schemas"]["MePatch"]["properties"]["digest_frequency"]
    assert schema["enum"] == ["off", "daily", "weekly"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_page_is_built_from_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = client.get("/api/docs").get_data(as_text=True)
    assert "cdn" not in body.lower() and "swagger" not in body.lower()
    # Every operation of the document has its own section, with its summary and body schema.
    operations = [
        (method, path)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 40
    for method, path in operations:
        anchor = f'id="{method}-' + "-".join(p for p in re.split(r"[^a-z0-9]+", path) if p) + '"'
        assert anchor in body, (method, path)
    assert "The caller&#39;s own profile." in body
    assert 'href="#schema-MePatch"' in body and 'id="schema-MePatch"' in body
    assert "digest_frequency" in body and "off, daily, weekly" in body


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_body_that_is_not_json_gets_415(client, api_as, staff, content_type):
    api = api_as(staff)
    response = client.post(
        "/api/v1/me/tokens",
        data="name=sneaky",
        headers={**api._headers(), "Content-Type": content_type},
    )
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert len(api.get("/me/tokens").get_json()["items"]) == 1  # nothing was created


def test_post_without_a_body_needs_no_content_type(client, api_as, staff):
    api = api_as(staff)
    response = client.post("/api/v1/me/tokens", headers=api._headers())
    assert response.status_code == 422  # the name is missing, but the request was read


def test_body_over_one_megabyte_gets_413_in_the_api_shape(api_as, staff):
    response = api_as(staff).post("/me/tokens", json={"name": "x" * (1024 * 1024)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    "path", ["/users/2147483648", "/users/99999999999999999999", "/me/tokens/99999999999999999999"]
)
def test_out_of_range_id_in_the_path_is_a_404(api_as, staff, path):
    api = api_as(staff)
    response = api.delete(path) if path.startswith("/me/tokens") else api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "method, path, payload, field",
    [
        ("patch", "/me", {"department_id": 2**31}, "department_id"),
        ("patch", "/me", {"department_id": 0}, "department_id"),
        (
            "post",
            "/users",
            {"email": "a@library.example", "name": "A", "department_id": 10**20},
            "department_id",
        ),
        ("get", "/users?department_id=99999999999999999999", None, "department_id"),
        ("get", "/users?page=99999999999999999999", None, "page"),
        ("get", "/departments?page=1000001", None, "page"),
    ],
)
def test_out_of_range_ids_and_pages_get_422(api_as, admin, method, path, payload, field):
    api = api_as(admin)
    response = getattr(api, method)(path, json=payload) if payload else getattr(api, method)(path)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_openapi_document_states_the_id_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    [param] = spec["paths"]["/api/v1/users/{user_id}"]["parameters"]
    assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (1, 2**31 - 1)
    department_id = spec["components"]["schemas"]["MePatch"]["properties"]["department_id"]
    assert department_id["maximum"] == 2**31 - 1


@pytest.mark.parametrize(
    "state", [{"active": False}, {"password_hash": None}], ids=["deactivated", "pending"]
)
def test_deactivated_and_pending_people_are_hidden_from_staff(api_as, staff, admin, state):
    hidden = UserFactory(**state)
    response = api_as(staff).get(f"/users/{hidden.id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert api_as(admin).get(f"/users/{hidden.id}").status_code == 200


def test_active_people_are_visible_to_staff(api_as, staff, leader):
    response = api_as(staff).get(f"/users/{leader.id}")
    assert response.status_code == 200
    assert response.get_json()["name"] == "Lee Leader"


def test_token_use_is_written_at_most_once_a_minute(api_as, staff):
    from datetime import timedelta

    from teams_app.models import ApiToken, utcnow

    api = api_as(staff)
    token = db.session.query(ApiToken).one()
    recent = utcnow() - timedelta(seconds=30)
    token.last_used_at = recent
    db.session.commit()
    api.get("/me")
    db.session.refresh(token)
    assert token.last_used_at == recent
    token.last_used_at = utcnow() - timedelta(seconds=90)
    db.session.commit()
    api.get("/me")
    db.session.refresh(token)
    assert token.last_used_at > recent
