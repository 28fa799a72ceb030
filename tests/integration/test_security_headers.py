"""Security headers on every kind of response: pages, the API, errors, static files, redirects
and CSV; HSTS in production; nothing signed in (or from the API) is ever cached."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET, login, post_form
from tests.factories import make_team

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": TEST_SECRET,
    "BASE_URL": "https://teams.library.example",
}


@pytest.fixture
def production_client(app, service_urls, other_app):
    """A production-mode app on the same database (the ``app`` fixture empties it after)."""
    env = {
        **PRODUCTION,
        "DATABASE_URL": service_urls["db"],
        "REDIS_URL": service_urls["redis"],
        "RATELIMIT_ENABLED": "0",
    }
    prod = other_app(ENV_OVERRIDES=env)
    client = prod.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def _responses(client, staff, api_as):
    """One response of each kind: page, API, error, static file, redirect, CSV, JSON error."""
    api = api_as(staff)
    login(client, staff)
    return {
        "page": client.get("/"),
        "api": api.get("/me"),
        "api error": api.get("/teams/999999"),
        "page error": client.get("/no-such-page"),
        "static": client.get("/static/css/app.css"),
        "redirect": client.get("/auth/login"),
        "csv": client.get("/barriers/export.csv"),
        "openapi": client.get("/api/v1/openapi.json"),
    }


def test_every_kind_of_response_carries_the_headers(client, staff, api_as):
    for kind, response in _responses(client, staff, api_as).items():
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", kind
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], kind
        assert headers["Referrer-Policy"] == "same-origin", kind
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"]), kind
        assert "Access-Control-Allow-Origin" not in headers, kind  # no CORS: same origin only


def test_nothing_but_static_files_may_be_cached(client, staff, api_as):
    for kind, response in _responses(client, staff, api_as).items():
        cache = response.headers.get("Cache-Control", "")
        if kind == "static":
            assert "no-store" not in cache
        else:
            assert cache == "no-store", f"{kind}: {cache!r}"


def test_the_page_showing_a_new_token_secret_is_not_cached(client, staff):
    login(client, staff)
    response = post_form(client, "/account/tokens", {"name": "report script"})
    assert "Copy your new token now" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_csp_has_no_unsafe_inline_and_locks_plugins_and_base(client):
    csp = client.get("/auth/login").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"


def test_templates_use_no_inline_styles(app):
    """The CSP would block them: styles live in static/css (mail templates are not served)."""
    root = Path(app.template_folder)
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if path.relative_to(root).parts[0] != "email"
        and re.search(r"\sstyle\s*=|<style", path.read_text())
    ]
    assert offenders == []


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_production_sends_hsts_for_a_year_with_subdomains_on_everything(
    production_client, staff, api_as
):
    from teams_app.account.services import create_token

    _, secret = create_token(staff, "prod token")
    client = production_client
    responses = [
        client.get("/auth/login"),
        client.get("/"),  # a redirect
        client.get("/no-such-page"),
        client.get("/static/css/app.css"),
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}),
        client.get("/api/v1/me"),  # 401
    ]
    for response in responses:
        assert (
            response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        ), response.request.path


def test_sign_out_clears_what_the_browser_kept(client, staff):
    login(client, staff)
    response = post_form(client, "/auth/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_request_id_from_a_trusted_proxy_is_kept_and_otherwise_replaced(app, client):
    offered = {"X-Request-ID": "lb-0123456789abcdef"}
    assert (
        client.get("/auth/login", headers=offered).headers["X-Request-ID"]
        != offered["X-Request-ID"]
    )
    app.config["TRUSTED_PROXIES"] = 1
    assert (
        client.get("/auth/login", headers=offered).headers["X-Request-ID"]
        == offered["X-Request-ID"]
    )
    junk = {"X-Request-ID": "<script> not a token"}
    assert client.get("/auth/login", headers=junk).headers["X-Request-ID"] != junk["X-Request-ID"]


def test_csv_exports_are_attachments_and_not_cached(client, leader):
    make_team(leader)
    login(client, leader)
    response = client.get("/portfolio/export/initiatives.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
