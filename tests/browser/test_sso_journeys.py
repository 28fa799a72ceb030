"""Single sign-on journeys in a real Chromium against the real test provider: first sign-in and
the welcome page, linking an existing account, refusals (a disallowed domain, a tampered state,
a wrong nonce, an expired ID token, a token for another audience), and the issue's "done when":
an admin switches on SSO only, and a deactivated person gets back in by neither route."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import User
from tests.browser.conftest import PHONE, shot, sign_in
from tests.factories import PASSWORD, DepartmentFactory, UserFactory
from tests.oidc.harness import PASSWORD as IDP_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(sso_overrides):
    return sso_overrides


def at_provider(page, login, consent=True):
    """Sign in on the provider's own pages (and allow access, the first time)."""
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign in to Test IdP").click()
    allow = page.get_by_role("button", name="Allow" if consent else "Cancel")
    allow.click()


def sso_sign_in(page, server, login, provider="Test IdP"):
    page.goto(f"{server}/auth/login")
    page.get_by_role("link", name=f"Sign in with {provider}").click()
    at_provider(page, login)


def test_first_sign_in_creates_the_account_and_shows_the_welcome_page(app, server, page, browser):
    DepartmentFactory(name="Norman")
    page.goto(f"{server}/auth/login")
    shot(page, "sso-login")
    page.get_by_label("Keep me signed in on this device").first.check()
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.url.startswith("http://127.0.0.1:") and "/interaction/" in page.url
    at_provider(page, "priya")
    page.wait_for_url(f"{server}/account/welcome*")
    page.get_by_text("Your account was made from your Test IdP sign-in").wait_for()
    shot(page, "sso-welcome")
    page.get_by_label("Your level").select_option("supervisor")
    page.get_by_label("Your department or branch").select_option(label="Norman")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{server}/")
    page.get_by_text("You're all set.").wait_for()
    assert "remember_token" in {c["name"] for c in page.context.cookies()}
    priya = db.session.scalar(select(User).where(User.email == "priya@library.example"))
    assert (priya.name, priya.role, priya.level) == ("Priya Shah", "staff", "supervisor")
    assert priya.department.name == "Norman"

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{server}/auth/login")
    shot(phone, "sso-login-phone")
    phone.context.close()


def test_a_second_sign_in_links_the_existing_account(app, server, page):
    olu = UserFactory(email="olu@library.example", name="Olu Adeyemi")
    sso_sign_in(page, server, "olu")
    page.wait_for_url(f"{server}/")
    page.get_by_text("Welcome back, Olu.").wait_for()
    page.goto(f"{server}/account/")
    section = page.locator("#sign-in")
    section.get_by_text("olu@library.example").wait_for()
    assert "Test IdP" in section.inner_text()
    shot(page, "sso-account-identities")
    db.session.expire_all()
    assert [i.subject for i in db.session.get(User, olu.id).identities] == ["sub-olu"]


def test_an_address_outside_the_allowed_domains_is_refused(app, server, page):
    sso_sign_in(page, server, "outsider")
    page.get_by_role("heading", name="That address cannot sign in here").wait_for()
    assert "outsider@gmail.example is not an address" in page.content()
    shot(page, "sso-refused-domain")
    assert db.session.scalar(select(User).where(User.email == "outsider@gmail.example")) is None


@pytest.mark.parametrize(
    ("attack", "heading"),
    [
        ("state", "This sign-in link cannot be used"),
        ("nonce", "This sign-in answer is not yours"),
        ("audience", "This sign-in answer was meant for another application"),
        pytest.param(
            "expired", "This sign-in answer had expired", marks=pytest.mark.slow_clock_provider
        ),
    ],
)
def test_a_tampered_or_stale_sign_in_is_refused(app, server, page, idp, attack, heading):
    if attack == "expired":
        sso_sign_in(page, server, "priya", provider="Slow IdP")
    else:
        idp.proxy.mode = attack
        sso_sign_in(page, server, "priya")
        assert idp.proxy.tampered >= 1
    page.get_by_role("heading", name=heading).wait_for()
    shot(page, f"sso-refused-{attack}")
    page.goto(f"{server}/")
    page.wait_for_url(f"{server}/auth/login*")  # nobody was signed in
    assert db.session.scalar(select(User).where(User.email == "priya@library.example")) is None


def new_page(browser, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 768})
    context.set_default_timeout(10_000)
    return context.new_page()


def password_refused(page, server, email):
    """Try a password sign-in with SSO only on: it is refused, saying why."""
    page.goto(f"{server}/auth/login")
    page.get_by_text("Admin? Sign in with your password").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Password sign-in is for admins only here").wait_for()


def test_sso_only_and_a_deactivated_person_gets_in_by_neither_route(app, server, page, browser):
    """The issue's "done when": a staff member signs in with one click, an admin switches on SSO
    only, and once deactivated that person cannot get back in by password or by SSO."""
    admin = UserFactory(role="admin", name="Avery Admin", email="avery.admin@library.example")
    priya = UserFactory(name="Priya Shah", email="priya@library.example")

    # Priya links her work account once; after that, one click signs her in.
    staff = new_page(browser)
    sso_sign_in(staff, server, "priya")
    staff.wait_for_url(f"{server}/")
    staff.get_by_role("button", name="Account menu for Priya").click()
    staff.get_by_role("button", name="Sign out").click()
    staff.wait_for_url(f"{server}/auth/login*")
    staff.get_by_role("link", name="Sign in with Test IdP").click()
    staff.wait_for_url(f"{server}/")  # no provider page: her session there is still open
    staff.get_by_text("Welcome back, Priya.").wait_for()

    # The admin requires SSO for everyone but admins.
    sign_in(page, server, admin.email, PASSWORD)
    page.get_by_role("button", name="Admin", exact=True).click()
    page.get_by_role("link", name="Sign-in & SSO").click()
    page.get_by_text("Redirect URI to register").wait_for()
    assert f"{server}/auth/sso/testidp/callback" in page.content()
    shot(page, "sso-admin-sign-in")
    page.get_by_role("link", name="Require SSO for everyone but admins").click()
    page.get_by_role("button", name="Require SSO").click()
    page.get_by_text("SSO only is on").wait_for()
    shot(page, "sso-admin-sso-only-on")

    # A password no longer lets staff in, and the page says why.
    other = new_page(browser)
    password_refused(other, server, priya.email)
    shot(other, "sso-only-password-refused")

    # Priya is deactivated: her session ends, and neither route lets her back in.
    page.goto(f"{server}/admin/users?q=priya")
    page.get_by_role("link", name="Unlink Priya Shah's Test IdP account").wait_for()
    shot(page, "sso-admin-users-identity")
    page.get_by_role("link", name="Deactivate").click()
    page.get_by_role("button", name="Deactivate account").click()
    page.get_by_text("Priya Shah is deactivated").wait_for()
    staff.goto(f"{server}/")
    staff.wait_for_url(f"{server}/auth/login*")
    staff.get_by_role("link", name="Sign in with Test IdP").click()
    staff.get_by_role("heading", name="Your account is deactivated").wait_for()
    shot(staff, "sso-refused-deactivated")
    password_refused(other, server, priya.email)
    assert "/auth/login" in other.url


def test_pages_on_a_phone(app, server, phone, idp):
    DepartmentFactory(name="Moore")
    phone.goto(f"{server}/auth/login")
    phone.get_by_role("link", name="Sign in with Test IdP").click()
    at_provider(phone, "priya")
    phone.wait_for_url(f"{server}/account/welcome*")
    shot(phone, "sso-welcome-phone")
    phone.goto(f"{server}/account/")
    phone.locator("#sign-in").wait_for()
    shot(phone, "sso-account-phone")
