"""Signing in and out: one message for every failure, fresh sessions, sessions that end."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from teams_app.auth.routes import SIGN_UP_ANSWER
from teams_app.auth.services import SIGN_IN_FAILED
from teams_app.extensions import db
from teams_app.models import User
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, DepartmentFactory, UserFactory


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
        # "<id>:<session version>:<signed-in time>:s": the limits count from the sign-in time
        assert session["_user_id"].startswith(f"{staff.id}:{staff.session_version}:")


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


def _sign_up(client, **fields):
    data = {
        "name": "New Person",
        "email": "new@library.example",
        "level": "specialist",
        "department_id": "0",
        "csrf_token": csrf_from(client, "/auth/signup"),
        **fields,
    }
    return client.post("/auth/signup", data=data)


def _answer_after(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_self_sign_up_only_for_allowed_domains(client, app):
    refused = _sign_up(client, email="new@elsewhere.example")
    assert refused.status_code == 200
    assert "open only to addresses of this organisation" in refused.get_data(as_text=True)
    assert db.session.query(User).count() == 0
    ok = _sign_up(client)
    assert SIGN_UP_ANSWER in _answer_after(client, ok)


def test_sign_up_makes_a_pending_account_and_signs_no_one_in(client, app):
    dept = DepartmentFactory(name="Norman")
    _sign_up(client, department_id=str(dept.id))
    user = db.session.query(User).filter_by(email="new@library.example").one()
    assert user.is_pending and user.password_hash is None
    assert (user.name, user.level, user.department_id, user.role) == (
        "New Person",
        "specialist",
        dept.id,
        "staff",
    )
    assert client.get("/").status_code == 302


def test_sign_up_form_asks_for_no_password(client, app):
    page = client.get("/auth/signup").get_data(as_text=True)
    assert 'type="password"' not in page


def test_new_person_proves_the_address_by_the_mailed_link_then_signs_in(
    app, client, mailbox, run_jobs
):
    _sign_up(client)
    assert run_jobs() == 0
    [mail] = mailbox.to("new@library.example")
    assert mail["Subject"] == "Finish creating your Mission Teams account"
    assert mail.get_body(preferencelist=("html",)) is not None
    path = mailbox.link_in(mail).replace("http://localhost", "")
    assert path.startswith("/auth/invitation/")
    assert "Welcome, New" in client.get(path).get_data(as_text=True)
    token = csrf_from(client, path)
    chosen = "a lantern by the river"
    set_password = client.post(
        path, data={"password": chosen, "confirm": chosen, "csrf_token": token}
    )
    assert set_password.status_code == 302
    user = db.session.query(User).filter_by(email="new@library.example").one()
    db.session.refresh(user)
    login(client, user, password=chosen)
    assert client.get("/").status_code == 200
    assert client.get(path).status_code == 400  # the link worked once


def test_sign_up_with_a_known_address_answers_the_same_and_mails_the_owner(
    client, staff, mailbox, run_jobs
):
    password_before = staff.password_hash
    answer = _answer_after(client, _sign_up(client, email=staff.email.upper(), name="Imposter"))
    assert SIGN_UP_ANSWER in answer
    assert "already exists" not in answer
    assert db.session.query(User).count() == 1
    db.session.refresh(staff)
    assert (staff.name, staff.password_hash) == ("Sam Staff", password_before)
    assert run_jobs() == 0
    [mail] = mailbox.to(staff.email)
    assert mail["Subject"] == "Someone tried to sign up to Mission Teams with your address"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "http://localhost/auth/login" in text and "http://localhost/auth/forgot" in text
    assert "/auth/invitation/" not in text


def test_signing_up_again_before_finishing_mails_the_link_again(client, app, mailbox, run_jobs):
    _sign_up(client)
    _sign_up(client, name="Someone Else")
    assert run_jobs() == 0
    mails = mailbox.to("new@library.example")
    assert [m["Subject"] for m in mails] == ["Finish creating your Mission Teams account"] * 2
    user = db.session.query(User).filter_by(email="new@library.example").one()
    assert user.name == "New Person"  # a second sign-up changes nothing


def test_sign_up_for_a_deactivated_account_mails_nothing(client, app, mailbox, run_jobs):
    gone = UserFactory(active=False)
    assert SIGN_UP_ANSWER in _answer_after(client, _sign_up(client, email=gone.email))
    assert run_jobs() == 0
    assert mailbox.messages == []


def test_sign_up_racing_another_for_the_same_address_mails_the_owner(
    client, staff, mailbox, run_jobs, monkeypatch
):
    """The look-up saw no account, but one was committed before the insert."""
    from teams_app.auth import services

    real_lookup = services.find_user_by_email
    lookups = iter([None])
    monkeypatch.setattr(
        services, "find_user_by_email", lambda email: next(lookups, real_lookup(email))
    )
    assert SIGN_UP_ANSWER in _answer_after(client, _sign_up(client, email=staff.email))
    assert db.session.query(User).count() == 1
    assert run_jobs() == 0
    assert len(mailbox.to(staff.email)) == 1


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


def _attempt_from(client, address, email, password="not the password!", headers=None):
    token = csrf_from(client, "/auth/login")
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True}], indirect=True)
def test_guesses_at_one_address_from_many_clients_are_rate_limited(client, app, staff):
    statuses = [
        _attempt_from(client, f"198.51.100.{n}", staff.email).status_code for n in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    other = _attempt_from(client, "198.51.100.99", "someone.else@library.example")
    assert other.status_code == 200


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True, "TRUSTED_PROXIES": 1}], indirect=True)
def test_behind_a_trusted_proxy_limits_key_on_the_forwarded_client_address(client, app):
    def attempt(n, client_address):
        forwarded = {"X-Forwarded-For": client_address}
        return _attempt_from(client, "10.0.0.1", f"p{n}@library.example", headers=forwarded)

    statuses = [attempt(n, "203.0.113.7").status_code for n in range(11)]
    assert statuses[10] == 429
    assert attempt(11, "203.0.113.8").status_code == 200  # another client, same balancer


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True}], indirect=True)
def test_without_trusted_proxies_forwarded_addresses_are_ignored(client, app):
    statuses = [
        _attempt_from(
            client,
            "10.0.0.1",
            f"p{n}@library.example",
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code
        for n in range(11)
    ]
    assert statuses[10] == 429


def test_person_with_a_blank_name_can_still_sign_in(client, app):
    user = UserFactory(name=" ", email="kim@library.example")
    login(client, user)
    assert user.first_name == "kim"


def test_sign_up_mail_is_retried_with_growing_pauses(client, app):
    from tests.conftest import queued

    _sign_up(client)
    [(func, _, job)] = queued("mail")
    assert func == "jobs.mail.send_signup_link"
    assert (job.retries_left, job.retry_intervals) == (3, [10, 60, 300])
