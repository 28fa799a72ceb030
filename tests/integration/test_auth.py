"""Signing in and out: one message for every failure, fresh sessions, sessions that end."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from teams_app.auth.services import SIGN_IN_FAILED
from teams_app.extensions import db
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, UserFactory


def _attempt(client, email, password):
    token = csrf_from(client, "/auth/login")
    return client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )


def test_staff_signs_in_and_lands_on_home(client, staff):
    response = login(client, staff)
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Hello, Sam." in home.get_data(as_text=True)


@pytest.mark.parametrize(
    "email, password",
    [("person0@library.example", "wrong password here"), ("nobody@library.example", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_failed_sign_in_gives_one_message_and_keeps_the_email(client, app, email, password):
    UserFactory(email="person0@library.example")
    response = _attempt(client, email, password)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert SIGN_IN_FAILED in body
    assert f'value="{email}"' in body  # the input is kept
    assert client.get("/").status_code == 302  # still signed out


def test_deactivated_person_cannot_sign_in(client, app):
    user = UserFactory(active=False)
    assert SIGN_IN_FAILED in _attempt(client, user.email, PASSWORD).get_data(as_text=True)


def test_invited_person_without_password_cannot_sign_in(client, app):
    user = UserFactory(password_hash=None)
    assert SIGN_IN_FAILED in _attempt(client, user.email, PASSWORD).get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused(client, staff):
    response = client.post("/auth/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_sign_in_starts_a_fresh_session(client, staff):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, staff)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{staff.id}:{staff.session_version}"


def test_next_parameter_only_follows_local_paths(client, staff):
    token = csrf_from(client, "/auth/login")
    data = {"email": staff.email, "password": PASSWORD, "csrf_token": token}
    evil = client.post("/auth/login?next=https://evil.example/", data=data)
    assert evil.headers["Location"] == "/"
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/")})
    token = csrf_from(client, "/auth/login")
    good = client.post("/auth/login?next=/people/", data={**data, "csrf_token": token})
    assert good.headers["Location"] == "/people/"


def test_sign_out_ends_sessions_on_every_device(app, staff):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, staff)
    login(phone, staff)
    assert phone.get("/").status_code == 200
    laptop.post("/auth/logout", data={"csrf_token": csrf_from(laptop, "/")})
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302


def test_sign_out_needs_post_with_csrf(client, staff):
    login(client, staff)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_weak_legacy_hash_is_upgraded_to_argon2id_at_sign_in(client, app):
    user = UserFactory(password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
    login(client, user)
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")


def test_session_cookie_flags(client, staff):
    response = login(client, staff)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True}], indirect=True)
def test_repeated_failed_sign_ins_are_rate_limited(client, app, staff):
    statuses = [_attempt(client, staff.email, "not the password!").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    page = _attempt(client, staff.email, PASSWORD)
    assert page.status_code == 429
    assert "Too many requests" in page.get_data(as_text=True)
    assert "Retry-After" in page.headers


def test_signed_in_person_visiting_login_goes_home(client, staff):
    login(client, staff)
    assert client.get("/auth/login").headers["Location"] == "/"


def test_self_sign_up_only_for_allowed_domains(client, app):
    token = csrf_from(client, "/auth/signup")
    data = {
        "name": "New Person",
        "email": "new@elsewhere.example",
        "level": "frontline",
        "department_id": "0",
        "password": "a long enough passphrase",
        "confirm": "a long enough passphrase",
        "csrf_token": token,
    }
    refused = client.post("/auth/signup", data=data)
    assert refused.status_code == 200
    assert "open only to addresses of this organisation" in refused.get_data(as_text=True)
    ok = client.post("/auth/signup", data={**data, "email": "new@library.example"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("app", [{"ALLOWED_EMAIL_DOMAINS": []}], indirect=True)
def test_sign_up_closed_without_allowed_domains(client, app):
    response = client.get("/auth/signup")
    assert response.status_code == 302
    assert "Create an account" not in client.get("/auth/login").get_data(as_text=True)


def test_post_form_helper_keeps_csrf_on(client, staff):
    """The suite never turns CSRF off: a form post without the token is refused."""
    login(client, staff)
    assert client.post("/account/", data={"name": "X"}).status_code == 400
    assert post_form(client, "/account/", {"name": ""}).status_code == 422
