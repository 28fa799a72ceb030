"""/healthz, jobs enqueued after commit, the worker's app context, and mail without SMTP."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from teams_app.extensions import db
from teams_app.mail import send_mail
from teams_app.queue import enqueue_after_commit, get_queue, redis_connection
from tests.conftest import login


def _break_redis(app):
    app.config["REDIS_URL"] = "unix:///nonexistent/mission-teams.sock"
    app.extensions.pop("redis", None)


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": {"ok": True, "status": "ok"},
        "redis": {"ok": True, "status": "ok"},
    }


def test_healthz_is_503_when_redis_is_down(app, client):
    _break_redis(app)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True and body["redis"]["ok"] is False


def test_healthz_tells_anonymous_callers_no_exception_names(app, client):
    _break_redis(app)
    body = client.get("/healthz").get_json()
    assert body["redis"] == {"ok": False, "status": "unavailable"}


def test_healthz_shows_admins_what_failed(app, client, admin):
    login(client, admin)
    _break_redis(app)
    body = client.get("/healthz").get_json()
    assert body["redis"]["ok"] is False and body["redis"]["status"] not in ("ok", "unavailable")


def test_pages_keep_working_when_redis_is_down(app, client, staff, admin, caplog):
    _break_redis(app)
    login(client, staff)
    assert client.get("/").status_code == 200
    assert client.get("/people/").status_code == 200
    admin_client = app.test_client()
    login(admin_client, admin)
    page = admin_client.get("/admin/operations")
    assert page.status_code == 200
    assert "Redis is not answering" in page.get_data(as_text=True)


def test_job_is_enqueued_only_after_commit(app):
    queue = get_queue("default")
    enqueue_after_commit("jobs.maintenance.heartbeat")
    assert queue.count == 0
    db.session.commit()
    assert queue.count == 1


def test_rolled_back_work_enqueues_nothing(app):
    queue = get_queue("default")
    enqueue_after_commit("jobs.maintenance.heartbeat")
    db.session.rollback()
    db.session.commit()
    assert queue.count == 0


def test_worker_runs_jobs_inside_an_app_context(app, run_jobs):
    from jobs.maintenance import HEARTBEAT_KEY

    get_queue("default").enqueue("jobs.maintenance.heartbeat")
    assert run_jobs() == 0
    assert redis_connection(app).get(HEARTBEAT_KEY) is not None


def test_mail_server_refusing_fails_the_job_and_admins_see_it(app, client, admin, staff, run_jobs):
    from tests.conftest import _free_port

    app.config["MAIL_PORT"] = _free_port()  # nothing listens there
    get_queue("mail").enqueue("jobs.mail.send_password_reset", staff.id)
    assert run_jobs() == 1
    login(client, admin)
    body = client.get("/admin/operations").get_data(as_text=True)
    assert "jobs.mail.send_password_reset" in body
    assert "ConnectionRefusedError" in body


def test_without_mail_server_mail_is_written_as_eml_files(app, staff, tmp_path):
    app.config["MAIL_SERVER"] = ""
    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    message_id = send_mail(
        staff.email, "Hello", "password_reset", user=staff, url="http://x/y", minutes=60
    )
    [path] = list(Path(tmp_path).glob("*.eml"))
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert msg["Message-ID"] == message_id
    assert msg["To"] == staff.email
    assert msg.get_content_type() == "multipart/alternative"
    assert "http://x/y" in msg.get_body(preferencelist=("plain",)).get_content()
    assert '<a href="http://x/y"' in msg.get_body(preferencelist=("html",)).get_content()


def test_user_text_in_mail_html_is_escaped(app, mailbox):
    from teams_app.models import User

    evil = User(name="<script>alert(1)</script>", email="e@library.example")
    send_mail("e@library.example", "Hi", "password_reset", user=evil, url="http://x", minutes=5)
    html = mailbox.messages[0].get_body(preferencelist=("html",)).get_content()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("path", ["/", "/people/", "/account/"])
def test_user_text_on_pages_is_escaped(client, app, path):
    from tests.factories import UserFactory

    user = UserFactory(name="<img src=x onerror=alert(1)>")
    login(client, user)
    body = client.get(path).get_data(as_text=True)
    assert "<img src=x" not in body


def test_savepoint_rollback_keeps_the_outer_work_and_its_jobs(app):
    queue = get_queue("default")
    enqueue_after_commit("jobs.maintenance.heartbeat")
    try:
        with db.session.begin_nested():
            enqueue_after_commit("jobs.maintenance.heartbeat", kwargs={"note": "inside"})
            raise ValueError("undo the savepoint only")
    except ValueError:
        pass
    db.session.commit()
    from sqlalchemy import select

    from teams_app.models import OutboxJob

    rows = db.session.scalars(select(OutboxJob)).all()
    assert [(row.func, row.kwargs) for row in rows] == [("jobs.maintenance.heartbeat", {})]
    assert [(job.func_name, job.args) for job in queue.get_jobs()] == [
        ("jobs.outbox.run", (rows[0].id,))
    ]
