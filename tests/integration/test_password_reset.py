"""Forgotten passwords: a mailed one-time link, the same answer for every address."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from teams_app.auth.services import reset_url
from teams_app.extensions import db
from tests.conftest import csrf_from, login

NEW_PASSWORD = "a brand new passphrase"


def _request_reset(client, email):
    token = csrf_from(client, "/auth/forgot")
    return client.post("/auth/forgot", data={"email": email, "csrf_token": token})


def _path(url: str) -> str:
    return url.replace("http://localhost", "")


def _set_password(client, path, password=NEW_PASSWORD, confirm=None):
    token = csrf_from(client, path)
    return client.post(
        path, data={"password": password, "confirm": confirm or password, "csrf_token": token}
    )


def test_reset_link_arrives_by_mail_and_sets_a_new_password(client, staff, mailbox, run_jobs):
    response = _request_reset(client, staff.email)
    assert response.status_code == 302
    assert run_jobs() == 0
    [mail] = mailbox.to(staff.email)
    assert mail["Subject"] == "Reset your Mission Teams password"
    assert mail.get_body(preferencelist=("html",)) is not None  # multipart: text + HTML
    link = mailbox.link_in(mail)
    assert _set_password(client, _path(link)).status_code == 302
    db.session.refresh(staff)
    login(client, staff, password=NEW_PASSWORD)


def test_unknown_email_gets_the_same_answer_and_no_mail(client, app, mailbox, run_jobs):
    response = _request_reset(client, "nobody@library.example")
    assert response.status_code == 302
    follow = client.get(response.headers["Location"])
    assert "If that address belongs to an active account" in follow.get_data(as_text=True)
    run_jobs()
    assert mailbox.messages == []


def test_reset_link_works_only_once(client, staff, mailbox, run_jobs):
    _request_reset(client, staff.email)
    run_jobs()
    path = _path(mailbox.link_in(mailbox.to(staff.email)[0]))
    assert _set_password(client, path).status_code == 302
    reused = client.get(path)
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_expired_reset_link_is_refused(client, app, staff, monkeypatch):
    two_hours_ago = int(time.time()) - 7200
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
        path = _path(reset_url(staff))
    response = client.get(path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_tampered_reset_link_is_refused(client, staff):
    response = client.get("/auth/reset/not-a-real-token")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_weak_new_password_is_refused_and_link_still_works(client, staff, mailbox, run_jobs):
    _request_reset(client, staff.email)
    run_jobs()
    path = _path(mailbox.link_in(mailbox.to(staff.email)[0]))
    weak = _set_password(client, path, password="password1234")
    assert weak.status_code == 200
    assert "too common" in weak.get_data(as_text=True)
    assert _set_password(client, path).status_code == 302


def test_reset_ends_existing_sessions(app, staff, mailbox, run_jobs):
    other_device = app.test_client()
    login(other_device, staff)
    client = app.test_client()
    _request_reset(client, staff.email)
    run_jobs()
    _set_password(client, _path(mailbox.link_in(mailbox.to(staff.email)[0])))
    assert other_device.get("/").status_code == 302


def test_known_and_unknown_addresses_queue_the_same_job(client, staff):
    from tests.conftest import queued

    _request_reset(client, staff.email)
    _request_reset(client, "nobody@library.example")
    assert [(func, args) for func, args, _ in queued("mail")] == [
        ("jobs.mail.send_password_reset_to", (staff.email,)),
        ("jobs.mail.send_password_reset_to", ("nobody@library.example",)),
    ]


def test_reset_job_sends_nothing_to_pending_or_deactivated_accounts(app, mailbox):
    from jobs.mail import send_password_reset_to
    from tests.factories import UserFactory

    pending = UserFactory(password_hash=None)
    gone = UserFactory(active=False)
    assert send_password_reset_to(pending.email) is None
    assert send_password_reset_to(gone.email) is None
    assert mailbox.messages == []


def test_reset_mail_is_retried_with_growing_pauses(client, staff):
    from tests.conftest import queued

    _request_reset(client, staff.email)
    [(_, _, job)] = queued("mail")
    assert (job.retries_left, job.retry_intervals) == (3, [10, 60, 300])


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True}], indirect=True)
def test_reset_requests_for_one_address_from_many_clients_are_rate_limited(client, app, staff):
    def request_from(address, email):
        token = csrf_from(client, "/auth/forgot")
        return client.post(
            "/auth/forgot",
            data={"email": email, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )

    statuses = [request_from(f"198.51.100.{n}", staff.email).status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert request_from("198.51.100.99", "someone.else@library.example").status_code == 302
