"""Single sign-on around the edges: "SSO only" for everyone but admins, linked identities on the
account page, the admin list and the API, unlinking, and the welcome page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import AuditEvent, User, UserIdentity
from teams_app.sso import services as sso
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, DepartmentFactory, UserFactory
from tests.oidc import steps
from tests.oidc.fixtures import provider_config


@pytest.fixture
def app_overrides(sso_overrides):
    return sso_overrides


def password_sign_in(client, email, password=PASSWORD):
    token = csrf_from(client, "/auth/login")
    return client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )


def verbs(prefix="sso_"):
    """Security audit events, oldest first, named as ``sso_<event>``."""
    db.session.expire_all()
    events = [
        e.replace("sso.", "sso_", 1)
        for e in db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.id))
    ]
    return [v for v in events if v.startswith(prefix)]


def sso_user(email="priya@library.example") -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# --- SSO only -----------------------------------------------------------------------------------


def switch_sso_only(client, admin, on=True):
    login(client, admin)
    if on:
        confirm = client.get("/admin/sign-in/sso-only")
        assert "Require single sign-on for everyone but admins?" in confirm.get_data(as_text=True)
        response = post_form(client, "/admin/sign-in/sso-only", token_from="/admin/sign-in")
    else:
        response = post_form(client, "/admin/sign-in/sso-only/off", token_from="/admin/sign-in")
    assert response.status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})


def test_sso_only_refuses_staff_passwords_with_a_clear_message(client, admin, staff, idp):
    switch_sso_only(client, admin)
    assert sso.sso_only()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "password sign-in is for admins only" in page
    refused = password_sign_in(client, staff.email)
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "Password sign-in is for admins only here" in text
    assert "Everyone else signs in with Test IdP above." in text
    assert client.get("/").status_code == 302
    assert verbs()[-1] == "sso_password_refused"


def test_sso_only_answers_the_same_for_unknown_addresses(client, admin, idp):
    switch_sso_only(client, admin)
    known = password_sign_in(client, admin.email, "wrong password entirely").get_data(as_text=True)
    unknown = password_sign_in(client, "nobody@library.example").get_data(as_text=True)
    message = "Password sign-in is for admins only here"
    assert message in known and message in unknown


def test_sso_only_leaves_admins_their_password_and_staff_their_sso(client, admin, idp):
    UserFactory(email="priya@library.example")
    switch_sso_only(client, admin)
    assert password_sign_in(client, admin.email).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    assert steps.sign_in(client, "priya").headers["Location"] == "/"


def test_sso_only_can_be_switched_off_again(client, admin, staff, idp):
    switch_sso_only(client, admin)
    switch_sso_only(client, admin, on=False)
    assert not sso.sso_only()
    assert password_sign_in(client, staff.email).status_code == 302
    changes = [
        a.detail["on"]
        for a in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.event == "sso.sso_only_changed")
            .order_by(AuditEvent.id)
        )
    ]
    assert changes == [True, False]


def test_sso_only_closes_self_sign_up(client, admin, idp):
    switch_sso_only(client, admin)
    response = client.get("/auth/signup")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "Create an account" not in client.get("/auth/login").get_data(as_text=True)


def test_an_invitation_under_sso_only_has_no_password_link(client, admin, idp, mailbox, run_jobs):
    from teams_app.people.services import invite_user

    switch_sso_only(client, admin)
    invite_user(admin, email="new.person@library.example", name="New Person")
    assert run_jobs() == 0
    [mail] = mailbox.to("new.person@library.example")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Sign in with Test IdP" in body
    assert "/auth/invitation/" not in body


@pytest.mark.parametrize("app", [{"SSO_PROVIDERS": ()}], indirect=True)
def test_sso_only_needs_a_provider(client, admin):
    login(client, admin)
    response = post_form(client, "/admin/sign-in/sso-only", token_from="/admin/sign-in")
    assert response.status_code == 302
    assert not sso.sso_only()
    assert "No OpenID provider is configured" in client.get("/admin/sign-in").get_data(as_text=True)


def test_the_admin_page_shows_what_to_register(client, admin, idp):
    login(client, admin)
    page = client.get("/admin/sign-in").get_data(as_text=True)
    assert "Test IdP" in page and idp.issuer in page
    assert "http://localhost/auth/sso/testidp/callback" in page
    assert "admin for mt-admins" in page


# --- Linked identities --------------------------------------------------------------------------


def test_the_account_page_lists_linked_identities(client, idp):
    steps.sign_in(client, "priya")
    page = client.get("/account/").get_data(as_text=True)
    assert "How you sign in" in page
    assert "priya@library.example" in page and "Test IdP" in page
    assert "You have no Mission Teams password" in page
    assert "Change password" not in page


def test_me_lists_identities_in_the_api(client, idp, api_as):
    steps.sign_in(client, "priya")
    body = api_as(sso_user()).get("/me").get_json()
    [identity] = body["identities"]
    assert identity["provider"] == "testidp" and identity["provider_name"] == "Test IdP"
    assert identity["subject"] == "sub-priya"
    assert identity["email"] == "priya@library.example"
    assert identity["linked_at"].endswith("Z")


def test_me_has_no_identities_for_password_accounts(staff, api_as):
    assert api_as(staff).get("/me").get_json()["identities"] == []


def test_admins_see_and_unlink_an_identity(client, app, admin, idp):
    steps.sign_in(client, "priya")  # Priya's own session, from single sign-on
    priya = sso_user()
    identity_id = priya.identities[0].id
    admin_client = app.test_client()
    login(admin_client, admin)
    listing = admin_client.get("/admin/users?q=priya").get_data(as_text=True)
    unlink_url = f"/admin/users/{priya.id}/identities/{identity_id}/unlink"
    assert unlink_url in listing
    confirm = admin_client.get(unlink_url).get_data(as_text=True)
    assert "Unlink Priya Shah&#39;s Test IdP account?" in confirm
    assert "signed out everywhere" in confirm
    response = post_form(admin_client, unlink_url, token_from=unlink_url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(UserIdentity, identity_id) is None
    assert client.get("/").status_code == 302  # her session ended
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "sso.identity_unlinked"))
    assert event.actor_id == admin.id and event.object_id == priya.id
    assert event.detail["sub"] == "sub-priya"


def test_after_an_unlink_a_new_subject_can_link(client, app, admin, idp):
    from teams_app.sso.services import unlink_identity

    steps.sign_in(client, "priya")
    priya = sso_user()
    unlink_identity(admin, priya, priya.identities[0].id)
    idp.update_account("priya", sub="sub-priya-recreated")
    assert steps.sign_in(client, "priya").headers["Location"] == "/"
    assert [i.subject for i in sso_user().identities] == ["sub-priya-recreated"]


def test_unlinking_someone_elses_identity_through_the_wrong_account_changes_nothing(
    client, admin, idp
):
    steps.sign_in(client, "priya")
    priya = sso_user()
    other = UserFactory()
    admin_client = client.application.test_client()
    login(admin_client, admin)
    url = f"/admin/users/{other.id}/identities/{priya.identities[0].id}/unlink"
    assert admin_client.get(url).status_code == 404
    assert post_form(admin_client, url, token_from="/admin/users").status_code == 404
    assert len(sso_user().identities) == 1


def test_the_admin_list_shows_identities_without_extra_queries(client, admin, count_queries):
    login(client, admin)

    def add_people(n):
        for _ in range(n):
            person = UserFactory()
            db.session.add(
                UserIdentity(
                    user_id=person.id,
                    provider="testidp",
                    subject=f"s{person.id}",
                    email=person.email,
                )
            )
        db.session.commit()

    add_people(3)
    few = count_queries(lambda: client.get("/admin/users?per_page=200"))
    add_people(30)
    many = count_queries(lambda: client.get("/admin/users?per_page=200"))
    assert many == few


# --- Welcome ------------------------------------------------------------------------------------


def test_the_welcome_page_saves_level_and_department(client, idp):
    norman = DepartmentFactory(name="Norman")
    first = steps.sign_in(client, "priya")
    page = client.get(first.headers["Location"])
    assert "Welcome, Priya" in page.get_data(as_text=True)
    response = post_form(
        client,
        "/account/welcome",
        {"level": "supervisor", "department_id": norman.id},
        token_from="/account/welcome",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    priya = sso_user()
    assert (priya.level, priya.department_id) == ("supervisor", norman.id)


def test_the_welcome_page_keeps_input_on_error(client, idp):
    steps.sign_in(client, "priya")
    response = post_form(
        client,
        "/account/welcome",
        {"level": "supervisor", "department_id": 99999},
        token_from="/account/welcome",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<option selected value="supervisor">' in page
    assert "Not a valid choice" in page
    assert sso_user().level == "frontline"


# --- flask sso check ------------------------------------------------------------------------------


def test_sso_check_reports_each_provider(app, idp):
    result = app.test_cli_runner().invoke(args=["sso", "check"])
    assert result.exit_code == 0, result.output
    assert f"Test IdP (testidp): {idp.issuer}" in result.output
    assert "redirect URI to register: http://localhost/auth/sso/testidp/callback" in result.output
    assert "PKCE S256: yes" in result.output


@pytest.mark.parametrize(
    "app", [{"SSO_PROVIDERS": (provider_config("http://127.0.0.1:9"),)}], indirect=True
)
def test_sso_check_fails_for_a_provider_that_is_down(app):
    result = app.test_cli_runner().invoke(args=["sso", "check"])
    assert result.exit_code != 0
    assert "FAILED: Test IdP is not answering" in result.output


@pytest.mark.parametrize("app", [{"SSO_PROVIDERS": ()}], indirect=True)
def test_sso_check_without_providers_says_how_to_add_one(app):
    result = app.test_cli_runner().invoke(args=["sso", "check"])
    assert result.exit_code != 0 and "set SSO_PROVIDERS" in result.output
