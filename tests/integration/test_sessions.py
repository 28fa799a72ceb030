"""Session limits: an idle timeout, an absolute lifetime counted from the sign-in (remember
cookie included), ``__Host-`` cookies in production, and the password asked again before the
email or the password changes."""

from __future__ import annotations

import pytest

from teams_app.auth import session as session_module
from teams_app.extensions import db
from teams_app.models import AuditEvent
from tests.conftest import CSRF_RE, TEST_SECRET, csrf_from, login, post_form
from tests.factories import PASSWORD, UserFactory

HOUR = 3600


@pytest.fixture
def clock(monkeypatch):
    """Move the session clock forward without sleeping."""
    import time

    state = {"offset": 0}
    monkeypatch.setattr(session_module, "_now", lambda: int(time.time()) + state["offset"])

    def advance(seconds: int) -> None:
        state["offset"] += seconds

    return advance


def _signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def _remember_login(client, user):
    token = csrf_from(client, "/auth/login")
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    return response


def test_a_session_unused_for_the_idle_timeout_ends(client, staff, clock):
    login(client, staff)
    clock(59 * 60)
    assert _signed_in(client)  # each request counts as activity
    clock(59 * 60)
    assert _signed_in(client)
    clock(61 * 60)
    response = client.get("/account/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 60 minutes without activity" in page
    [event] = db.session.query(AuditEvent).filter_by(event="auth.session_expired").all()
    assert event.detail["reason"] == "idle" and event.actor_id == staff.id
    assert not _signed_in(client)  # and it stays ended: no second audit event either
    assert db.session.query(AuditEvent).filter_by(event="auth.session_expired").count() == 1


def test_an_active_session_still_ends_at_its_absolute_lifetime(client, staff, clock):
    login(client, staff)
    for _ in range(23):  # busy all day: a request every half hour for 11.5 hours
        clock(30 * 60)
        assert _signed_in(client)
    clock(31 * 60)
    assert not _signed_in(client)
    [event] = db.session.query(AuditEvent).filter_by(event="auth.session_expired").all()
    assert event.detail["reason"] == "max_age"


def test_the_remember_cookie_bridges_idle_time_but_not_its_own_lifetime(client, staff, clock):
    _remember_login(client, staff)
    clock(3 * HOUR)  # past the idle timeout and ...
    assert _signed_in(client)
    clock(13 * HOUR)  # ... past the ordinary session's lifetime: the remember cookie holds
    assert _signed_in(client)
    clock(14 * 24 * HOUR)  # past "keep me signed in"'s own limit, counted from the sign-in
    assert not _signed_in(client)
    assert db.session.query(AuditEvent).filter_by(event="auth.session_expired").count() == 1


def test_a_remember_cookie_kept_after_sign_out_is_refused_and_audited(app, staff):
    device = app.test_client()
    _remember_login(device, staff)
    stolen = device.get_cookie("remember_token").value
    post_form(device, "/auth/logout", token_from="/account/")
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    response = thief.get("/account/")
    assert response.status_code == 302
    assert "remember_token=;" in response.headers.get("Set-Cookie", "")  # the cookie is dropped
    [event] = db.session.query(AuditEvent).filter_by(event="auth.session_rejected").all()
    assert event.object_id == staff.id and event.detail["reason"] == "ended"


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, staff):
    device = app.test_client()
    login(device, staff)
    stolen = device.get_cookie("session").value
    post_form(device, "/auth/logout", token_from="/account/")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account/").status_code == 302
    assert db.session.query(AuditEvent).filter_by(event="auth.session_rejected").count() == 1


def test_an_old_format_session_id_is_simply_not_signed_in(app, client, staff):
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{staff.id}:{staff.session_version}"
    assert not _signed_in(client)


def test_the_limits_come_from_the_environment(service_urls, other_app):
    env = {
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": service_urls["db"],
        "SESSION_IDLE_MINUTES": "15",
        "SESSION_MAX_HOURS": "8",
        "REMEMBER_ME_DAYS": "3",
    }
    app = other_app(ENV_OVERRIDES=env)
    assert app.config["SESSION_IDLE_TIMEOUT"].total_seconds() == 15 * 60
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * HOUR
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 3


@pytest.mark.parametrize("name", ["SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "REMEMBER_ME_DAYS"])
def test_a_zero_limit_refuses_to_start(tmp_path, name):
    from teams_app.config import ConfigError, load_config

    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {name: "0"})


# --- Cookies in production -----------------------------------------------------------------------


def test_production_cookies_carry_the_host_prefix(app, service_urls, other_app, staff):
    env = {
        "APP_ENV": "production",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": service_urls["db"],
        "REDIS_URL": service_urls["redis"],
        "RATELIMIT_ENABLED": "0",
        "BASE_URL": "https://teams.library.example",
    }
    prod = other_app(ENV_OVERRIDES=env)
    client = prod.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    page = client.get("/auth/login")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    response = client.post(
        "/auth/login",
        data={"email": staff.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    names = sorted(c.split("=", 1)[0] for c in cookies)
    assert names == ["__Host-remember_token", "__Host-session"]
    for cookie in cookies:
        parts = [p.strip().lower() for p in cookie.split(";")]
        assert "secure" in parts and "httponly" in parts and "path=/" in parts
        assert not any(p.startswith("domain=") for p in parts)
        assert "samesite=lax" in parts
    assert client.get("/account/").status_code == 200  # and the prefixed cookie signs in


# --- Re-entering the password --------------------------------------------------------------------


def test_changing_the_email_needs_the_password_and_the_new_address(
    client, staff, mailbox, run_jobs
):
    login(client, staff)
    wrong = post_form(
        client,
        "/account/email",
        {"new_email": "sam.new@library.example", "current_password": "not my password"},
    )
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "Your current password is not correct." in page
    assert 'value="sam.new@library.example"' in page  # the input is kept
    run_jobs()
    assert mailbox.to("sam.new@library.example") == []

    ok = post_form(
        client,
        "/account/email",
        {"new_email": "Sam.New@library.example", "current_password": PASSWORD},
    )
    assert ok.status_code == 302
    run_jobs()
    db.session.refresh(staff)
    assert staff.email != "sam.new@library.example"  # not until the link is used
    [notice] = mailbox.to(staff.email)
    assert "sam.new@library.example" in notice.get_body(preferencelist=("plain",)).get_content()
    [link_mail] = mailbox.to("sam.new@library.example")
    link = mailbox.link_in(link_mail).replace("http://localhost", "")

    other_browser = client.application.test_client()
    confirm = other_browser.get(link)
    assert confirm.status_code == 200 and "sam.new@library.example" in confirm.get_data(
        as_text=True
    )
    token = CSRF_RE.search(confirm.get_data(as_text=True)).group(1)
    assert other_browser.post(link, data={"csrf_token": token}).status_code == 302
    db.session.refresh(staff)
    assert staff.email == "sam.new@library.example"
    assert other_browser.post(link, data={"csrf_token": token}).status_code == 400  # used once
    events = [e.event for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert "password.change_failed" in events
    assert events.index("email.change_requested") < events.index("email.changed")


def test_changing_the_email_to_a_taken_address_is_refused(client, staff):
    other = UserFactory()
    login(client, staff)
    response = post_form(
        client, "/account/email", {"new_email": other.email, "current_password": PASSWORD}
    )
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)


def test_an_email_change_link_dies_when_the_password_changes(client, staff, mailbox, run_jobs):
    login(client, staff)
    post_form(
        client,
        "/account/email",
        {"new_email": "moved@library.example", "current_password": PASSWORD},
    )
    run_jobs()
    link = mailbox.link_in(mailbox.to("moved@library.example")[0]).replace("http://localhost", "")
    post_form(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert client.get(link).status_code == 400


def test_changing_the_password_needs_the_current_one_and_is_audited(client, staff):
    login(client, staff)
    response = post_form(
        client,
        "/account/password",
        {"current_password": "guess", "new_password": "x" * 20, "confirm": "x" * 20},
    )
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(event="password.change_failed").count() == 1


def test_a_request_that_changes_nothing_sends_no_session_cookie(client, staff, clock):
    """A background request in flight while a form is sent must not answer last with the older
    session and drop the form's flash: only a response whose session changed sets the cookie."""

    def session_cookie(response) -> list[str]:
        return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]

    login(client, staff)
    older = client.get_cookie("session").value
    assert client.get("/account/").status_code == 200
    quiet = client.get("/people/search?q=a", headers={"Accept": "application/json"})
    assert quiet.status_code == 200 and not session_cookie(quiet)
    late = client.application.test_client()
    late.set_cookie("session", older)  # a typeahead's request, sent before a form's answer
    assert not session_cookie(late.get("/people/search?q=a"))
    clock(2 * 60)  # a minute on, the next request moves the last-activity time
    assert session_cookie(client.get("/account/"))
