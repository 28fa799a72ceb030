"""Journeys a new user takes, in a real headless Chromium."""

from __future__ import annotations

import pytest

from teams_app.extensions import db
from teams_app.models import User
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser


def test_admin_invites_a_colleague_who_sets_a_password_and_signs_in(
    app, server, page, browser, mailbox, run_jobs
):
    DepartmentFactory(name="Norman")
    admin = UserFactory(role="admin", name="Avery Admin", email="avery@library.example")

    sign_in(page, server, admin.email, PASSWORD)
    page.get_by_role("button", name="Admin", exact=True).click()
    page.get_by_role("link", name="Invite staff").first.click()
    page.get_by_label("Email").fill("hannah@library.example")
    page.get_by_label("Full name").fill("Hannah Lee")
    page.get_by_label("Level").select_option("frontline")
    page.get_by_label("Department").select_option(label="Norman")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to hannah@library.example").wait_for()
    shot(page, "admin-users-after-invite")

    assert run_jobs() == 0
    [mail] = mailbox.to("hannah@library.example")
    link = mailbox.link_in(mail)
    assert link.startswith(server)

    newcomer = browser.new_context().new_page()
    newcomer.goto(link)
    newcomer.get_by_label("New password", exact=True).fill("lanterns by the river")
    newcomer.get_by_label("Repeat the new password").fill("lanterns by the river")
    newcomer.get_by_role("button", name="Set password and continue").click()
    newcomer.get_by_text("Your password is set").wait_for()
    sign_in(newcomer, server, "hannah@library.example", "lanterns by the river")
    assert "Hello, Hannah." in newcomer.content()
    hannah = db.session.query(User).filter_by(email="hannah@library.example").one()
    assert not hannah.is_pending


def test_invalid_invite_keeps_what_was_typed(app, server, page):
    admin = UserFactory(role="admin")
    sign_in(page, server, admin.email, PASSWORD)
    page.goto(f"{server}/admin/users/invite")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Full name").fill("Duplicate Person")
    page.get_by_role("button", name="Send invitation").click()
    page.locator("#form-errors").get_by_role("link", name="Email: Someone with this").wait_for()
    page.get_by_text("already has an account").last.wait_for()
    assert page.get_by_label("Full name").input_value() == "Duplicate Person"
    assert page.get_by_label("Email").get_attribute("aria-invalid") == "true"
    shot(page, "invite-errors")


def test_wrong_password_shows_one_clear_message(app, server, page):
    user = UserFactory()
    page.goto(f"{server}/auth/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the right one")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That email and password do not match an active account.").wait_for()
    assert page.get_by_label("Email").input_value() == user.email
    shot(page, "login-error")


def test_phone_navigation_opens_the_menu(app, server, phone):
    user = UserFactory(name="Pat Phone", role="leadership")
    sign_in(phone, server, user.email, PASSWORD)
    people_link = phone.get_by_role("link", name="People")
    assert not people_link.is_visible()
    phone.get_by_role("button", name="Show navigation").click()
    people_link.wait_for(state="visible")
    shot(phone, "phone-home-menu-open")
    people_link.click()
    phone.wait_for_url(f"{server}/people/")


def test_screenshots_of_every_page(app, server, page, phone):
    """Not a check of pixels: a record to look at, on a laptop and a phone."""
    branch = DepartmentFactory(name="Moore")
    for i, level in enumerate(
        ["frontline", "specialist", "supervisor", "manager", "executive"] * 3
    ):
        UserFactory(name=f"Colleague {i:02d}", level=level, department=branch)
    admin = UserFactory(role="admin", name="Avery Admin", department=branch)
    for view, label in ((page, "laptop"), (phone, "phone")):
        view.goto(f"{server}/auth/login")
        shot(view, f"{label}-login")
        sign_in(view, server, admin.email, PASSWORD)
        for path, name in [
            ("/", "home"),
            ("/people/", "people"),
            ("/account/", "profile"),
            ("/admin/users", "admin-users"),
            ("/admin/departments", "departments"),
            ("/admin/operations", "operations"),
            ("/nowhere", "not-found"),
        ]:
            view.goto(f"{server}{path}")
            shot(view, f"{label}-{name}")
    page.goto(f"{server}/api/docs")
    page.get_by_role("heading", name="Mission Teams API").wait_for()
    page.locator(".api-op").first.wait_for()
    shot(page, "laptop-api-docs")


def test_revoking_a_token_asks_first(app, server, page):
    from teams_app.account.services import create_token, live_tokens

    user = UserFactory()
    create_token(user, "nightly export")
    sign_in(page, server, user.email, PASSWORD)
    page.goto(f"{server}/account/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Revoke token nightly export").click()
    assert page.get_by_text("nightly export").is_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke token nightly export").click()
    page.get_by_text("is revoked").wait_for()
    db.session.expire_all()
    assert live_tokens(user) == []
