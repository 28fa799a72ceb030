"""Admins manage roles, account status and departments; everyone can browse the directory."""

from __future__ import annotations

import re

from teams_app.account.services import create_token
from teams_app.extensions import db
from teams_app.models import Activity, Department
from tests.conftest import login, post_form
from tests.factories import DepartmentFactory, UserFactory


def test_admin_changes_a_role_and_it_is_recorded(client, admin, staff):
    login(client, admin)
    response = post_form(
        client, f"/admin/users/{staff.id}/role", {"role": "leadership"}, token_from="/admin/users"
    )
    assert response.status_code == 302
    db.session.refresh(staff)
    assert staff.role == "leadership"
    event = db.session.query(Activity).filter_by(verb="changed_role").one()
    assert event.data == {"before": "staff", "after": "leadership"}


def test_unknown_role_is_refused(client, admin, staff):
    login(client, admin)
    post_form(
        client, f"/admin/users/{staff.id}/role", {"role": "emperor"}, token_from="/admin/users"
    )
    db.session.refresh(staff)
    assert staff.role == "staff"


def test_admin_cannot_demote_or_deactivate_themself(client, admin):
    login(client, admin)
    post_form(client, f"/admin/users/{admin.id}/role", {"role": "staff"}, token_from="/admin/users")
    post_form(client, f"/admin/users/{admin.id}/deactivate", token_from="/admin/users")
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active


def test_deactivation_asks_for_confirmation_then_ends_sessions_and_tokens(
    app, client, admin, staff
):
    _, secret = create_token(staff, "script")
    staff_client = app.test_client()
    login(staff_client, staff)
    login(client, admin)
    confirm = client.get(f"/admin/users/{staff.id}/deactivate")
    assert confirm.status_code == 200
    assert "Deactivate Sam Staff?" in confirm.get_data(as_text=True)
    response = post_form(client, f"/admin/users/{staff.id}/deactivate", token_from="/admin/users")
    assert response.status_code == 302
    assert staff_client.get("/").status_code == 302
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )

    post_form(client, f"/admin/users/{staff.id}/reactivate", token_from="/admin/users")
    db.session.refresh(staff)
    assert staff.active
    login(app.test_client(), staff)


def test_departments_are_added_renamed_and_unique_regardless_of_case(client, admin):
    login(client, admin)
    assert (
        post_form(
            client,
            "/admin/departments",
            {"name": "Norman", "kind": "branch"},
            token_from="/admin/departments",
        ).status_code
        == 302
    )
    clash = post_form(
        client,
        "/admin/departments",
        {"name": "NORMAN", "kind": "branch"},
        token_from="/admin/departments",
    )
    assert clash.status_code == 422
    assert "already exists" in clash.get_data(as_text=True)
    dept = db.session.query(Department).filter_by(name="Norman").one()
    renamed = post_form(
        client,
        f"/admin/departments/{dept.id}/edit",
        {"name": "Norman Central", "kind": "branch"},
        token_from="/admin/departments",
    )
    assert renamed.status_code == 302
    db.session.refresh(dept)
    assert dept.name == "Norman Central"


def test_department_with_staff_cannot_be_deleted(client, admin):
    busy = admin.department
    empty = DepartmentFactory(name="Empty")
    login(client, admin)
    assert "Delete Empty?" in client.get(f"/admin/departments/{empty.id}/delete").get_data(
        as_text=True
    )
    post_form(client, f"/admin/departments/{busy.id}/delete", token_from="/admin/departments")
    post_form(client, f"/admin/departments/{empty.id}/delete", token_from="/admin/departments")
    names = {d.name for d in db.session.query(Department)}
    assert busy.name in names and "Empty" not in names


def names(response) -> list[str]:
    return re.findall(
        r'<div class="fw-semibold text-truncate">(.*?)</div>', response.get_data(as_text=True)
    )


def test_directory_searches_filters_and_paginates(client, staff):
    branch = DepartmentFactory(name="Noble")
    for i in range(30):
        UserFactory(name=f"Librarian {i:02d}", department=branch, level="specialist")
    UserFactory(name="Zed Hidden", active=False)
    login(client, staff)
    first = client.get("/people/?per_page=25").get_data(as_text=True)
    assert "Showing 1–25 of 31" in first
    second = client.get("/people/?per_page=25&page=2").get_data(as_text=True)
    assert "Librarian 29" in second
    filtered = names(client.get(f"/people/?q=librarian 0&department={branch.id}&level=specialist"))
    assert filtered == [f"Librarian 0{i}" for i in range(10)]
    assert names(client.get("/people/?q=zed")) == []
    assert "No one matches" in client.get("/people/?q=nobody-like-this").get_data(as_text=True)


def test_directory_hides_emails_from_staff_but_shows_them_to_admins(app, client, staff, admin):
    login(client, staff)
    assert admin.email not in client.get("/people/").get_data(as_text=True)
    admin_client = app.test_client()
    login(admin_client, admin)
    assert staff.email in admin_client.get("/admin/users").get_data(as_text=True)


def test_admin_user_list_shows_deactivated_and_pending(client, admin):
    UserFactory(name="Gone Person", active=False)
    UserFactory(name="Pending Person", password_hash=None)
    login(client, admin)
    body = client.get("/admin/users").get_data(as_text=True)
    assert "Deactivated" in body and "Invited" in body


def test_operations_page_shows_queues_and_workers(client, admin, run_jobs):
    login(client, admin)
    body = client.get("/admin/operations").get_data(as_text=True)
    assert "Queues" in body and "mail" in body
    assert "No worker is running" in body


def test_pending_people_are_listed_for_admins_only(app, client, staff, admin, api_as):
    UserFactory(name="Unconfirmed Person", password_hash=None)
    login(client, staff)
    assert names(client.get("/people/?q=unconfirmed")) == []
    assert api_as(staff).get("/users?q=unconfirmed").get_json()["total"] == 0
    assert api_as(admin).get("/users?q=unconfirmed").get_json()["total"] == 1
    admin_client = app.test_client()
    login(admin_client, admin)
    assert "Unconfirmed Person" in admin_client.get("/admin/users?q=unconfirmed").get_data(
        as_text=True
    )
