"""Admins invite staff by email; the link sets a password once and expires."""

from __future__ import annotations

import time

from itsdangerous import TimestampSigner

from teams_app.auth.services import invitation_url
from teams_app.extensions import db
from teams_app.models import Activity, User
from tests.conftest import csrf_from, login, post_form
from tests.factories import DepartmentFactory, UserFactory

PASSWORD = "river stones and lanterns"


def _invite(client, **fields):
    data = {
        "email": "new.person@library.example",
        "name": "New Person",
        "role": "staff",
        "level": "frontline",
        "department_id": "0",
        **fields,
    }
    return post_form(client, "/admin/users/invite", data, token_from="/admin/users/invite")


def _accept(client, path, password=PASSWORD):
    token = csrf_from(client, path)
    return client.post(path, data={"password": password, "confirm": password, "csrf_token": token})


def test_admin_invites_and_the_new_person_joins(app, client, admin, mailbox, run_jobs):
    dept = DepartmentFactory(name="Norman")
    login(client, admin)
    response = _invite(client, department_id=str(dept.id), level="supervisor")
    assert response.status_code == 302
    invited = db.session.query(User).filter_by(email="new.person@library.example").one()
    assert invited.is_pending and invited.department_id == dept.id and invited.level == "supervisor"
    assert db.session.query(Activity).filter_by(verb="invited", subject_id=invited.id).count() == 1

    assert run_jobs() == 0
    [mail] = mailbox.to("new.person@library.example")
    assert "invited you" in mail.get_body(preferencelist=("plain",)).get_content()
    assert "Ada Admin" in mail.get_body(preferencelist=("html",)).get_content()
    path = mailbox.link_in(mail).replace("http://localhost", "")

    newcomer = app.test_client()
    assert "Welcome, New" in newcomer.get(path).get_data(as_text=True)
    assert _accept(newcomer, path).status_code == 302
    db.session.refresh(invited)
    login(newcomer, invited, password=PASSWORD)
    assert newcomer.get("/").status_code == 200


def test_invitation_link_cannot_be_reused(app, client, admin, mailbox, run_jobs):
    login(client, admin)
    _invite(client)
    run_jobs()
    path = mailbox.link_in(mailbox.messages[0]).replace("http://localhost", "")
    other = app.test_client()
    _accept(other, path)
    again = other.get(path)
    assert again.status_code == 400
    assert "already" in again.get_data(as_text=True)


def test_expired_invitation_is_refused(client, app, monkeypatch):
    user = UserFactory(password_hash=None)
    eight_days_ago = int(time.time()) - 8 * 86400
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
        path = invitation_url(user).replace("http://localhost", "")
    response = client.get(path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_duplicate_email_is_refused_with_input_kept(client, admin, staff):
    login(client, admin)
    response = _invite(client, email=staff.email.upper(), name="Someone Else")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already has an account" in body
    assert 'value="Someone Else"' in body
    assert db.session.query(User).count() == 2


def test_invalid_email_is_refused(client, admin):
    login(client, admin)
    response = _invite(client, email="not-an-email")
    assert response.status_code == 422
    assert "Enter a valid email address" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 1


def test_over_long_name_is_refused(client, admin):
    login(client, admin)
    response = _invite(client, name="x" * 121)
    assert response.status_code == 422
    assert "120" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 1


def test_staff_cannot_invite(client, staff):
    login(client, staff)
    assert client.get("/admin/users/invite").status_code == 403


def test_admin_can_resend_a_pending_invitation(client, admin, mailbox, run_jobs):
    pending = UserFactory(password_hash=None)
    login(client, admin)
    response = post_form(
        client, f"/admin/users/{pending.id}/resend-invitation", token_from="/admin/users"
    )
    assert response.status_code == 302
    run_jobs()
    assert len(mailbox.to(pending.email)) == 1


def test_invitation_mail_job_is_safe_to_run_twice_after_acceptance(app, admin, mailbox, run_jobs):
    from jobs.mail import send_invitation

    pending = UserFactory(password_hash="$argon2id$accepted-already")
    assert send_invitation(pending.id, admin.id) is None
    assert mailbox.messages == []


def test_invitation_with_redis_down_still_creates_the_account(app, client, admin, caplog):
    app.config["REDIS_URL"] = "unix:///nonexistent/redis.sock"
    app.extensions.pop("redis", None)
    login(client, admin)
    response = _invite(client)
    assert response.status_code == 302
    assert db.session.query(User).filter_by(email="new.person@library.example").count() == 1
    assert "could not push outbox job" in caplog.text and "stays pending" in caplog.text
    from teams_app.models import OutboxJob

    [row] = db.session.query(OutboxJob).all()  # the invitation waits for Redis in the outbox
    assert (row.func, row.status) == ("jobs.mail.send_invitation", "pending")


def test_invitation_page_greets_a_person_whose_name_is_blank(client, app):
    pending = UserFactory(password_hash=None, name=" ", email="kim@library.example")
    path = invitation_url(pending).replace("http://localhost", "")
    response = client.get(path)
    assert response.status_code == 200
    assert "Welcome, kim" in response.get_data(as_text=True)


def test_invitation_racing_another_for_the_same_address_is_a_409(api_as, admin, staff, monkeypatch):
    """The look-up saw no account, but one was committed before the insert."""
    from teams_app.people import services

    monkeypatch.setattr(services, "find_user_by_email", lambda email: None)
    response = api_as(admin).post("/users", json={"email": staff.email, "name": "Twin"})
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"]["email"]
    assert db.session.query(User).count() == 2


def test_invitation_mail_is_retried_with_growing_pauses(app, admin):
    from teams_app.people.services import invite_user
    from tests.conftest import queued

    invite_user(admin, email="new.person@library.example", name="New Person")
    [(func, _, job)] = queued("mail")
    assert func == "jobs.mail.send_invitation"
    assert (job.retries_left, job.retry_intervals) == (3, [10, 60, 300])
