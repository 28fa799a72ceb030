"""Error pages: HTML for people, JSON for the API; a 4xx never becomes a 500."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Conflict

from teams_app.extensions import db
from tests.conftest import csrf_from, login, post_form
from tests.factories import UserFactory


def test_404_page_is_html_and_friendly(client, staff):
    login(client, staff)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "Page not found" in response.get_data(as_text=True)


def test_403_page(client, staff):
    login(client, staff)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_signed_out_visit_redirects_to_login_with_next(client):
    response = client.get("/people/?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize(
    "status, title", [(409, "Conflict"), (400, "Bad request"), (500, "Something went wrong")]
)
def test_other_error_pages_render(app, client, status, title):
    from werkzeug.exceptions import BadRequest, InternalServerError

    errors = {409: Conflict, 400: BadRequest, 500: InternalServerError}

    @app.get(f"/_boom/{status}")
    def boom():
        raise errors[status]()

    response = client.get(f"/_boom/{status}")
    assert response.status_code == status
    assert title in response.get_data(as_text=True)


def test_unexpected_exception_gives_the_500_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_crash")
    def crash():
        raise RuntimeError("kaboom")

    response = client.get("/_crash")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "kaboom" not in response.get_data(as_text=True)


def test_over_long_form_field_is_a_422_not_a_500(client, staff):
    login(client, staff)
    response = post_form(client, "/account/tokens", {"name": "t" * 5000})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "path", ["/auth/login", "/api/v1/openapi.json", "/api/docs", "/no-such-page"]
)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_handlers(app):
    from pathlib import Path

    root = Path(app.template_folder)
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.html")
        if any(attr in p.read_text() for attr in ("onclick=", "onsubmit=", "onfocus=", "<script>"))
    ]
    assert offenders == []


def test_nul_in_a_query_string_is_the_400_page(client, staff):
    login(client, staff)
    response = client.get("/people/?q=a%00b")
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)


def test_nul_in_a_form_field_is_a_400(client, staff):
    token = csrf_from(client, "/auth/login")
    response = client.post(
        "/auth/login", data={"email": "a\x00@library.example", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "payload", [{"name": "Sam\u0000"}, {"timezone": "UTC", "name": "ok", "\u0000": 1}]
)
def test_nul_in_json_is_a_400_in_the_api_shape(api_as, staff, payload):
    response = api_as(staff).patch("/me", json=payload)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    db.session.refresh(staff)
    assert staff.name == "Sam Staff"


def test_nul_in_the_path_is_a_400(app, client):
    @app.get("/_echo/<word>")
    def echo(word):
        return word

    assert client.get("/_echo/fine").status_code == 200
    assert client.get("/_echo/a%00b").status_code == 400


def test_out_of_range_id_in_a_page_url_is_a_404(client, admin):
    login(client, admin)
    assert client.get("/admin/departments/99999999999999999999/edit").status_code == 404
    assert client.get("/admin/departments/2147483648/edit").status_code == 404


def test_directory_filters_ignore_out_of_range_values(client, staff):
    UserFactory(name="Reader One")
    login(client, staff)
    huge = "99999999999999999999"
    response = client.get(f"/people/?department={huge}&page={huge}&per_page={huge}")
    assert response.status_code == 200
    assert "Reader One" not in response.get_data(as_text=True)  # page 1,000,000 is empty
    assert "Reader One" in client.get(f"/people/?department={huge}").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_value_the_database_refuses_is_a_400_after_a_rollback(app, client, path):
    from sqlalchemy.exc import DataError

    from teams_app.models import Department

    seen = {}

    @app.get(path)
    def boom():
        db.session.add(Department(name="Half-done", name_key="half-done"))
        db.session.flush()
        raise DataError("INSERT ...", {}, ValueError("value out of range"))

    @app.after_request
    def look(response):
        seen["in_transaction"] = db.session().in_transaction()
        return response

    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "bad_request"
    else:
        assert "Bad request" in response.get_data(as_text=True)
    assert seen["in_transaction"] is False


@pytest.mark.parametrize(
    "query", ["endpoint=admin.users", "_scheme=javascript&_external=1", "_method=POST", "_anchor=x"]
)
def test_query_string_cannot_steer_page_links(client, staff, query):
    for i in range(3):
        UserFactory(name=f"Reader {i}")
    login(client, staff)
    response = client.get(f"/people/?per_page=1&{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'href="/people/?per_page=1&amp;page=2"' in body
    assert "javascript:" not in body


def test_form_over_one_megabyte_is_the_413_page(client, staff):
    login(client, staff)
    response = post_form(client, "/account/tokens", {"name": "t" * (1024 * 1024)})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)
