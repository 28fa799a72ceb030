"""Single sign-on against a real OpenID provider (oidc-provider on loopback): who gets in, which
account they get, and every refusal, each of which writes nothing but its audit event."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from teams_app.extensions import db
from teams_app.models import NO_PASSWORD, AuditEvent, User, UserIdentity
from tests.conftest import csrf_from
from tests.factories import UserFactory
from tests.oidc import steps
from tests.oidc.fixtures import provider_config
from tests.oidc.harness import IdpBrowser


@pytest.fixture
def app_overrides(sso_overrides):
    return sso_overrides


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(UserIdentity)),
    )


def audit_verbs() -> list[str]:
    """The single sign-on events in the security audit log, oldest first."""
    db.session.expire_all()
    events = db.session.scalars(
        select(AuditEvent.event).where(AuditEvent.event.like("sso.%")).order_by(AuditEvent.id)
    )
    return [e.replace("sso.", "sso_", 1) for e in events]


def refusals() -> list[dict]:
    return audit_data("sso_sign_in_refused")


def test_the_sign_in_page_offers_each_provider(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in with Test IdP" in page
    assert 'href="/auth/sso/testidp"' in page


def test_authorization_request_uses_pkce_state_and_nonce(client, idp):
    response = steps.start(client)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == idp.issuer
    query = parse_qs(location.query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://localhost/auth/sso/testidp/callback"]
    assert "openid" in query["scope"][0].split()


def test_first_sign_in_creates_a_staff_account_and_shows_the_welcome_page(client, idp):
    response = steps.sign_in(client, "priya")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/welcome")
    user = db.session.scalar(select(User).where(User.email == "priya@library.example"))
    assert user is not None
    assert (user.name, user.role, user.password_hash) == ("Priya Shah", "staff", NO_PASSWORD)
    assert not user.is_pending and not user.has_password
    [identity] = user.identities
    assert (identity.provider, identity.subject) == ("testidp", "sub-priya")
    assert audit_verbs() == ["sso_account_created", "sso_identity_linked", "sso_signed_in"]
    welcome = client.get(response.headers["Location"])
    assert welcome.status_code == 200
    assert "Welcome, Priya" in welcome.get_data(as_text=True)


def test_second_sign_in_uses_the_same_account(client, idp):
    steps.sign_in(client, "priya")
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    again = steps.sign_in(client, "priya")
    assert again.status_code == 302 and again.headers["Location"] == "/"
    assert counts() == (1, 1)
    assert "Welcome back, Priya." in client.get("/").get_data(as_text=True)


def test_an_existing_account_with_the_same_verified_email_is_linked(client, idp):
    existing = UserFactory(email="olu@library.example", name="Olu A.")
    response = steps.sign_in(client, "olu")
    assert response.headers["Location"] == "/"
    db.session.expire_all()
    user = db.session.get(User, existing.id)
    assert [i.subject for i in user.identities] == ["sub-olu"]
    assert user.has_password  # linking keeps the password it had
    assert user.name == "Olu A."  # and the name the person chose
    assert counts() == (1, 1)
    assert audit_verbs()[-2:] == ["sso_identity_linked", "sso_signed_in"]


def test_signing_in_accepts_a_pending_invitation(client, idp, admin, run_jobs, mailbox):
    from teams_app.people.services import invite_user

    invited = invite_user(admin, email="olu@library.example", name="Olu Adeyemi")
    assert run_jobs() == 0
    [mail] = mailbox.to("olu@library.example")
    link = mailbox.link_in(mail, r"https?://\S+/auth/invitation/\S+")
    assert "Sign in with Test IdP" in mail.get_body(preferencelist=("plain",)).get_content()
    steps.sign_in(client, "olu")
    db.session.expire_all()
    user = db.session.get(User, invited.id)
    assert not user.is_pending and [i.subject for i in user.identities] == ["sub-olu"]
    # The invitation's set-password link is used up: the account is no longer waiting.
    assert client.get(urlsplit(link).path).status_code == 400


def test_remember_me_applies_to_single_sign_on_too(client, idp):
    response = steps.sign_in(client, "priya", remember=True)
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    other = client.application.test_client()
    plain = steps.sign_in(other, "olu")
    assert "remember_token=" not in " ".join(plain.headers.getlist("Set-Cookie"))


def test_an_sso_session_is_started_like_a_password_one(client, app, idp):
    """Both go through begin_session: a fresh, permanent session for "<id>:<version>", so
    deactivation, sign-out everywhere and session limits treat them alike."""
    from tests.conftest import login

    UserFactory(email="priya@library.example")
    password_user = UserFactory()
    sso = steps.sign_in(client, "priya")
    other = app.test_client()
    password = login(other, password_user)

    def session_cookie(response):
        [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
        return {part.split("=")[0].strip().lower() for part in cookie.split(";")[1:]}

    assert session_cookie(sso) == session_cookie(password)
    assert "expires" in session_cookie(sso)  # permanent: PERMANENT_SESSION_LIFETIME applies


def test_sign_in_returns_to_the_page_that_asked(client, idp):
    UserFactory(email="priya@library.example")
    started = steps.start(client, next_url="/barriers/")
    callback = IdpBrowser().sign_in(started.headers["Location"], "priya")
    assert steps.follow(client, callback).headers["Location"] == "/barriers/"


def test_an_offsite_next_is_ignored(client, idp):
    UserFactory(email="priya@library.example")
    started = steps.start(client, next_url="https://evil.example/")
    callback = IdpBrowser().sign_in(started.headers["Location"], "priya")
    assert steps.follow(client, callback).headers["Location"] == "/"


# --- Refusals: each gets a clear page, writes nothing, and is audited ------------------------


def assert_refused(response, status: int, reason: str, text: str, before: tuple[int, int]) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:800]
    assert text in page
    assert f"<code>{reason}</code>" in page
    assert counts() == before
    assert refusals()[-1]["reason"] == reason
    assert "_user_id" not in (response.headers.get("Set-Cookie") or "")


def test_an_address_outside_the_allowed_domains_is_refused(client, idp):
    before = counts()
    response = steps.sign_in(client, "outsider")
    assert_refused(
        response, 403, "domain_not_allowed", "outsider@gmail.example is not an address", before
    )
    assert "library.example" in response.get_data(as_text=True)
    assert refusals()[-1]["email"] == "outsider@gmail.example"
    assert client.get("/").status_code == 302  # not signed in


def test_an_unverified_email_is_refused(client, idp):
    before = counts()
    response = steps.sign_in(client, "unverified")
    assert_refused(response, 403, "email_unverified", "has not verified", before)


def test_a_cancelled_consent_is_refused_plainly(client, idp):
    before = counts()
    response = steps.sign_in(client, "priya", consent=False)
    assert_refused(response, 403, "denied_at_provider", "End-User aborted interaction", before)
    assert "If you cancelled, you can start again" in response.get_data(as_text=True)


def test_someone_disabled_at_the_provider_cannot_sign_in_again(client, idp):
    browser = IdpBrowser()  # one browser: its session at the provider survives
    steps.sign_in(client, "priya", browser=browser)
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    idp.update_account("priya", disabled=True)
    before = counts()
    response = steps.sign_in(client, "priya", browser=browser)
    assert_refused(response, 403, "denied_at_provider", "This account is disabled.", before)
    assert refusals()[-1]["description"] == "This account is disabled."


def test_a_deactivated_account_cannot_sign_in_with_sso(client, idp, admin):
    from teams_app.people.services import set_active

    steps.sign_in(client, "priya")
    priya = db.session.scalar(select(User).where(User.email == "priya@library.example"))
    set_active(admin, priya, False)
    assert client.get("/").status_code == 302  # the session ended at once
    before = counts()
    response = steps.sign_in(client, "priya")
    assert_refused(response, 403, "account_deactivated", "deactivated", before)


def test_a_deactivated_account_is_not_linked_by_email(client, idp):
    UserFactory(email="olu@library.example", active=False)
    before = counts()
    response = steps.sign_in(client, "olu")
    assert_refused(response, 403, "account_deactivated", "deactivated", before)


def test_a_different_subject_for_a_linked_account_is_refused(client, idp):
    steps.sign_in(client, "priya")
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    # The provider account was re-created: same address, new subject.
    idp.update_account("priya", sub="sub-priya-recreated")
    before = counts()
    response = steps.sign_in(client, "priya")
    assert_refused(response, 403, "identity_conflict", "Ask an admin to unlink it", before)


def test_a_replayed_callback_is_refused(client, idp):
    first = steps.sign_in(client, "priya")
    before = counts()
    replay = steps.follow(client, first.callback_url)
    assert_refused(replay, 400, "state", "it was already used", before)


def test_a_callback_from_another_browser_is_refused(client, idp):
    """Login CSRF: someone else's callback URL, fed to this browser, signs nobody in."""
    attacker = client.application.test_client()
    started = steps.start(attacker)
    callback = IdpBrowser().sign_in(started.headers["Location"], "olu")
    steps.start(client)  # this browser has its own sign-in in progress
    before = counts()
    response = steps.follow(client, callback)
    assert_refused(response, 400, "state", "not a sign-in this browser started", before)


@pytest.mark.parametrize("app", [{"SSO_ATTEMPT_MAX_AGE": 0}], indirect=True)
def test_a_sign_in_that_comes_back_too_late_is_refused(client, idp):
    before = counts()
    response = steps.sign_in(client, "priya")
    assert_refused(response, 400, "expired_attempt", "took too long", before)


@pytest.mark.parametrize(
    ("mode", "reason", "text"),
    [
        ("state", "state", "not a sign-in this browser started"),
        ("nonce", "nonce", "its nonce does not match"),
        ("audience", "audience", "issued it to a different application"),
        ("signature", "signature", "Its signature does not check out"),
        ("iss", "issuer", "It names a different issuer"),
    ],
)
def test_a_tampered_sign_in_is_refused(client, idp, mode, reason, text):
    idp.proxy.mode = mode
    before = counts()
    response = steps.sign_in(client, "priya")
    assert idp.proxy.tampered >= 1
    assert_refused(response, 400, reason, text, before)


def test_a_used_code_spliced_into_a_new_sign_in_is_refused(client, idp):
    """The state is this browser's, but the code was already redeemed (and for another PKCE
    verifier): the provider refuses it, and so do we."""
    first = steps.sign_in(client, "priya")
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    started = steps.start(client)
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    code = parse_qs(urlsplit(first.callback_url).query)["code"][0]
    before = counts()
    response = client.get(
        "/auth/sso/testidp/callback", query_string={"code": code, "state": state, "iss": idp.issuer}
    )
    assert_refused(response, 400, "token_refused", "already used or has expired", before)
    assert refusals()[-1]["error"] == "invalid_grant"


def test_a_missing_email_is_refused(client, idp):
    idp.update_account("olu", email=None)
    before = counts()
    response = steps.sign_in(client, "olu")
    assert_refused(response, 403, "email_missing", "did not share your email address", before)


@pytest.mark.sso_provider(trust_email=True)
def test_a_trusted_directory_needs_no_email_verified(client, idp):
    idp.update_account("olu", email_verified=None)
    assert steps.sign_in(client, "olu").status_code == 302
    assert counts() == (1, 1)


@pytest.mark.sso_provider(domain_claim="hd")
def test_a_domain_claim_must_name_an_allowed_domain_too(client, idp):
    idp.update_account("olu", hd="library.example")
    assert steps.sign_in(client, "olu").headers["Location"].startswith("/account/welcome")
    before = counts()
    response = steps.sign_in(client.application.test_client(), "priya")  # no hd: not Workspace
    assert_refused(response, 403, "domain_not_allowed", "is not an address", before)


def test_a_discovery_document_for_another_issuer_is_not_used(client, app, idp):
    from dataclasses import replace

    from teams_app.sso import flow

    # Configured with a trailing slash, the issuer no longer matches the provider's own.
    app.config["SSO_PROVIDERS"] = (replace(provider_config(idp.issuer), issuer=idp.issuer + "/"),)
    flow.init_app(app)
    before = counts()
    response = steps.start(client)
    assert_refused(response, 503, "provider_misconfigured", "its issuer differs", before)


@pytest.mark.slow_clock_provider
def test_each_configured_provider_has_its_button_in_order(client, idp):
    page = client.get("/auth/login").get_data(as_text=True)
    assert page.index("Sign in with Test IdP") < page.index("Sign in with Slow IdP")


@pytest.mark.slow_clock_provider
def test_an_expired_id_token_is_refused(client, idp):
    before = counts()
    response = steps.sign_in(client, "priya", provider="slowidp")
    assert_refused(response, 400, "id_token_expired", "had already expired", before)


@pytest.mark.parametrize(
    "app", [{"SSO_PROVIDERS": (provider_config("http://127.0.0.1:9"),)}], indirect=True
)
def test_a_provider_that_is_down_answers_503(client):
    before = counts()
    response = steps.start(client)
    assert_refused(response, 503, "provider_unavailable", "could not reach Test IdP", before)
    assert response.headers["Retry-After"] == "60"


def test_an_unknown_provider_is_404(client, idp):
    assert steps.start(client, "nosuch").status_code == 404
    assert client.get("/auth/sso/nosuch/callback?code=x&state=y").status_code == 404


# --- Roles from groups --------------------------------------------------------------------------


def role_of(email: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.role).where(User.email == email))


def test_roles_follow_the_groups_at_each_sign_in(client, idp):
    steps.sign_in(client, "avery")
    assert role_of("avery@library.example") == "admin"
    changed = [d for d in audit_data("sso_role_changed")]
    assert changed[-1]["before"] == "staff" and changed[-1]["after"] == "admin"
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    idp.update_account("avery", groups=["mt-leadership"])
    steps.sign_in(client, "avery")
    assert role_of("avery@library.example") == "leadership"
    idp.update_account("avery", groups=[])
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    steps.sign_in(client, "avery")
    assert role_of("avery@library.example") == "staff"
    assert [d["after"] for d in audit_data("sso_role_changed")] == ["admin", "leadership", "staff"]


def test_leadership_comes_from_its_group(client, idp):
    steps.sign_in(client, "louise")
    assert role_of("louise@library.example") == "leadership"


def audit_data(verb: str) -> list[dict]:
    db.session.expire_all()
    event = verb.replace("sso_", "sso.", 1)
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
    )
    return [a.detail for a in rows]
