"""Cross-site defence in depth: a form post that a browser says came from another site is
refused even with a valid CSRF token, and no redirect ever leaves the site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from teams_app.extensions import db
from teams_app.models import AuditEvent
from tests.conftest import csrf_from, login
from tests.factories import UserFactory
from tests.integration import test_permissions as matrix

EVIL = "https://evil.example"


def _rename(client, headers):
    token = csrf_from(client, "/account/")
    return client.post(
        "/account/",
        data={
            "csrf_token": token,
            "name": "Renamed By Attacker",
            "level": "frontline",
            "department_id": "0",
            "timezone": "UTC",
            "digest_frequency": "weekly",
            "digest_weekday": "0",
            "digest_hour": "8",
        },
        headers=headers,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
    ],
    ids=["foreign-origin", "null-origin", "cross-site", "same-site", "fetch-site-wins"],
)
def test_a_cross_site_form_post_is_refused_even_with_a_valid_token(client, staff, headers):
    login(client, staff)
    response = _rename(client, headers)
    assert response.status_code == 403
    assert "sent from another site" in response.get_data(as_text=True)
    db.session.refresh(staff)
    assert staff.name == "Sam Staff"
    [event] = db.session.query(AuditEvent).filter_by(event="request.rejected").all()
    assert event.detail["reason"] == "cross_site" and event.actor_id == staff.id
    assert db.session.query(AuditEvent).filter_by(event="access.denied").count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://LOCALHOST"},
    ],
    ids=["no-headers", "same-origin", "typed-by-user", "case"],
)
def test_same_origin_and_header_less_posts_go_through(client, staff, headers):
    login(client, staff)
    assert _rename(client, headers).status_code == 302
    db.session.refresh(staff)
    assert staff.name == "Renamed By Attacker"


def test_the_origin_of_base_url_counts_as_ours(app, client, staff):
    app.config["BASE_URL"] = "https://teams.library.example"
    login(client, staff)
    assert _rename(client, {"Origin": "https://teams.library.example"}).status_code == 302


def test_the_sign_in_form_is_covered_too(client, staff):
    token = csrf_from(client, "/auth/login")
    response = client.post(
        "/auth/login",
        data={
            "email": staff.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403  # no login CSRF: an attacker cannot sign you in as them


def test_the_api_is_left_to_its_bearer_tokens(api_as, staff):
    response = api_as(staff).patch("/me", json={"name": "Via API"}, headers={"Origin": EVIL})
    assert response.status_code == 200


def test_one_click_unsubscribe_accepts_a_post_from_the_mail_provider(app, client, staff):
    from teams_app.digests.unsubscribe import unsubscribe_token

    token = unsubscribe_token(staff)
    response = client.post(
        f"/digest/unsubscribe/{token}", headers={"Origin": "https://mail.example"}
    )
    assert response.status_code == 200
    db.session.refresh(staff)
    assert staff.digest_frequency == "off"


# --- Redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "referer",
    [f"{EVIL}/phish", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_admin_actions_never_redirect_off_site_from_the_referer(client, admin, referer):
    target = UserFactory(name="Role Target")
    login(client, admin)
    token = csrf_from(client, "/admin/users")
    response = client.post(
        f"/admin/users/{target.id}/role",
        data={"csrf_token": token, "role": "leadership"},
        headers={"Referer": referer},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    db.session.refresh(target)
    assert target.role == "leadership"


def test_admin_actions_go_back_to_a_same_site_referer_as_a_path(client, admin):
    target = UserFactory(name="Role Target")
    login(client, admin)
    token = csrf_from(client, "/admin/users")
    response = client.post(
        f"/admin/users/{target.id}/role",
        data={"csrf_token": token, "role": "leadership"},
        headers={"Referer": "http://localhost/admin/users?q=Role&page=2"},
    )
    assert response.headers["Location"] == "/admin/users?q=Role&page=2"


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/teams/", "/teams/"),
        ("/people/?q=a", "/people/?q=a"),
        ("http://localhost/barriers/", "/barriers/"),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("http://localhost.evil.example/", None),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("/a\r\nb", None),
        ("teams/", None),
        ("", None),
    ],
)
def test_one_same_site_check_for_every_redirect_target(app, target, expected):
    from teams_app.same_site import local_target

    with app.test_request_context("/", base_url="http://localhost"):
        assert local_target(target, "FALLBACK") == (expected or "FALLBACK")


def test_no_route_redirects_off_site_whatever_the_request_says(app, path_targets):
    """Every route of the permission matrix, as an admin and as a team lead, with an off-site
    Referer and ``next``: no Location header points anywhere but here."""
    failures = []
    for role in ("admin", "lead"):
        client = app.test_client()
        user = matrix._actor(role, path_targets)
        login(client, user)
        for (method, rule), _ in sorted(matrix.MATRIX.items(), key=lambda i: i[0]):
            if rule.startswith("/api/") or any(w in rule for w in ("logout", "leave", "delete")):
                continue
            path = matrix._path(rule, path_targets) + f"?next={EVIL}/next"
            headers = {"Referer": f"{EVIL}/referer"}
            if method == "GET":
                response = client.get(path, headers=headers)
            else:
                token = csrf_from(client, "/account/")
                response = client.open(
                    path,
                    method=method,
                    data={"csrf_token": token, "next": f"{EVIL}/form"},
                    headers=headers,
                )
            location = response.headers.get("Location")
            if location and urlsplit(location).netloc not in ("", "localhost"):
                failures.append(f"{method} {rule} as {role} -> {location}")
    assert not failures, "\n".join(failures)


path_targets = matrix.path_targets
