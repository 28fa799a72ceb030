"""Error pages: HTML for people, JSON for the API; a 4xx never becomes a 500."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Conflict

from tests.conftest import login


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
    from tests.conftest import post_form

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
