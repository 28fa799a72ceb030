"""A person edits their own profile, password and API tokens."""

from __future__ import annotations

from teams_app.extensions import db
from teams_app.models import ApiToken
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, DepartmentFactory

PROFILE = {
    "name": "Sam Renamed",
    "level": "supervisor",
    "department_id": "0",
    "timezone": "Europe/London",
    "digest_frequency": "daily",
    "digest_weekday": "2",
    "digest_hour": "7",
}


def test_profile_edit_is_saved(client, staff):
    dept = DepartmentFactory(name="Moore")
    login(client, staff)
    response = post_form(client, "/account/", {**PROFILE, "department_id": str(dept.id)})
    assert response.status_code == 302
    db.session.refresh(staff)
    assert (staff.name, staff.level, staff.department_id) == ("Sam Renamed", "supervisor", dept.id)
    assert (staff.timezone, staff.digest_frequency, staff.digest_weekday, staff.digest_hour) == (
        "Europe/London",
        "daily",
        2,
        7,
    )


def test_invalid_profile_keeps_input_and_changes_nothing(client, staff):
    login(client, staff)
    response = post_form(
        client, "/account/", {**PROFILE, "timezone": "Mars/Olympus", "digest_hour": "25"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Sam Renamed"' in body
    assert "Not a valid choice" in body
    assert "Number must be between 0 and 23" in body
    db.session.refresh(staff)
    assert staff.name == "Sam Staff"


def test_over_long_name_is_refused(client, staff):
    login(client, staff)
    response = post_form(client, "/account/", {**PROFILE, "name": "n" * 121})
    assert response.status_code == 422
    assert "120 characters" in response.get_data(as_text=True)


def test_password_change_ends_other_sessions_but_not_this_one(app, client, staff):
    other = app.test_client()
    login(other, staff)
    login(client, staff)
    data = {
        "current_password": PASSWORD,
        "new_password": "autumn leaves on the river",
        "confirm": "autumn leaves on the river",
    }
    response = post_form(client, "/account/password", data)
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert other.get("/").status_code == 302


def _change_password(client):
    phrase = "autumn leaves on the river"
    data = {"current_password": PASSWORD, "new_password": phrase, "confirm": phrase}
    return post_form(client, "/account/password", data)


def test_session_stays_permanent_after_a_password_change(client, staff):
    login(client, staff)
    assert _change_password(client).status_code == 302
    with client.session_transaction() as session:
        assert session.permanent


def test_keep_me_signed_in_survives_a_password_change(client, staff):
    token = csrf_from(client, "/auth/login")
    data = {"email": staff.email, "password": PASSWORD, "remember": "y", "csrf_token": token}
    assert client.post("/auth/login", data=data).status_code == 302
    assert _change_password(client).status_code == 302
    client.delete_cookie("session")  # the browser was closed: only the remember-me cookie is left
    assert client.get("/account/").status_code == 200


def test_password_change_without_keep_me_signed_in_sets_no_remember_cookie(client, staff):
    login(client, staff)
    response = _change_password(client)
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_password_change_needs_the_current_password(client, staff):
    login(client, staff)
    data = {
        "current_password": "not my password",
        "new_password": "autumn leaves on the river",
        "confirm": "autumn leaves on the river",
    }
    response = post_form(client, "/account/password", data)
    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)


def test_common_or_short_passwords_are_refused(client, staff):
    login(client, staff)
    for new, message in [("short", "at least 12"), ("password1234", "too common")]:
        data = {"current_password": PASSWORD, "new_password": new, "confirm": new}
        response = post_form(client, "/account/password", data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True).lower() or message in response.get_data(
            as_text=True
        )


def test_long_passphrase_is_allowed(client, staff):
    login(client, staff)
    phrase = "the quick brown fox jumps over the lazy dog " * 5
    data = {"current_password": PASSWORD, "new_password": phrase, "confirm": phrase}
    assert post_form(client, "/account/password", data).status_code == 302


def test_token_is_shown_once_and_can_be_revoked(client, staff, api_as):
    login(client, staff)
    response = post_form(client, "/account/tokens", {"name": "report script"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Copy your new token now" in body
    token = db.session.query(ApiToken).one()
    secret = body.split('id="new-token" class="form-control font-monospace" readonly value="')[
        1
    ].split('"')[0]
    assert secret.startswith("mt_")
    assert token.token_hash != secret  # stored hashed
    assert secret not in client.get("/account/").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    revoke = post_form(client, f"/account/tokens/{token.id}/revoke")
    assert revoke.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_duplicate_token_name_is_refused(client, staff):
    login(client, staff)
    post_form(client, "/account/tokens", {"name": "report script"})
    again = post_form(client, "/account/tokens", {"name": "Report Script"})
    assert again.status_code == 422
    assert "already have a token" in again.get_data(as_text=True)


def test_cannot_revoke_someone_elses_token(client, staff, admin):
    from teams_app.account.services import create_token

    token, _ = create_token(admin, "admin script")
    login(client, staff)
    response = post_form(client, f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert "No such token" in client.get("/account/").get_data(as_text=True)
    db.session.refresh(token)
    assert token.revoked_at is None


def test_profile_page_has_csrf_protected_forms(client, staff):
    login(client, staff)
    assert csrf_from(client, "/account/")
