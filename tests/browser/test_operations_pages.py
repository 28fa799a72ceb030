"""The outbox on the operations page and the outage page, in a real Chromium: an admin finds a
failed mail, confirms its resend and sees it go; during a database outage people get a plain
"We'll be right back" page, on a laptop and a phone."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from teams_app.extensions import db
from teams_app.models import OutboxJob
from teams_app.people import services as people
from tests.browser.conftest import shot, sign_in
from tests.conftest import _free_port, make_app
from tests.factories import PASSWORD, UserFactory, make_failed_job

pytestmark = pytest.mark.browser


def test_admin_resends_a_failed_mail_from_the_operations_page(
    app, server, page, phone, mailbox, run_jobs
):
    admin = UserFactory(role="admin", name="Avery Admin", email="avery@library.example")
    # Invited, and her invitation mail failed every try during an SMTP outage.
    priya = UserFactory(name="Priya Shah", email="priya@library.example", password_hash=None)
    people.invite_user(admin, email="new.hire@library.example", name="New Hire")
    run_jobs()  # one done row
    failed = make_failed_job(priya, error="SMTPServerDisconnected: Connection unexpectedly closed")
    sign_in(page, server, admin.email, PASSWORD)
    page.goto(f"{server}/admin/operations")
    outbox = page.locator("#outbox")
    assert "priya@library.example" in outbox.inner_text()
    assert "Connection unexpectedly closed" in outbox.inner_text()
    shot(page, "operations-outbox-laptop")
    sign_in(phone, server, admin.email, PASSWORD)
    phone.goto(f"{server}/admin/operations#outbox")
    shot(phone, "operations-outbox-phone")

    outbox.get_by_role("link", name="Resend…").click()
    assert "Resend this invitation mail?" in page.inner_text("main")
    shot(page, "operations-resend-confirm")
    page.get_by_role("button", name="Resend").click()
    assert "queued again" in page.inner_text("main")
    assert run_jobs() == 0
    assert len(mailbox.to("priya@library.example")) == 1
    page.goto(f"{server}/admin/operations?outbox=done#outbox")
    assert "priya@library.example" in page.locator("#outbox").inner_text()
    db.session.expire_all()
    assert db.session.get(OutboxJob, failed.id).status == "done"


def test_the_outage_page_during_a_database_outage(
    app, server, service_urls, smtp_server, page, phone
):
    staff = UserFactory(name="Sam Staff")
    sign_in(page, server, staff.email, PASSWORD)  # signed in before the outage
    sign_in(phone, server, staff.email, PASSWORD)
    urls = {**service_urls, "db": f"postgresql://root@127.0.0.1:{_free_port()}/gone"}
    broken = make_app(urls, smtp_server[0].port)
    httpd = make_server("127.0.0.1", 0, broken, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}"
        response = page.goto(f"{url}/teams/")  # the same site (cookies ignore the port)
        assert response is not None and response.status == 503
        assert "We'll be right back" in page.inner_text("main")
        assert page.get_by_role("link", name="Try again").is_visible()
        shot(page, "outage-503-laptop")
        phone.goto(f"{url}/teams/")
        shot(phone, "outage-503-phone")
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
