"""The transactional outbox: jobs are rows written with the change that causes them, pushed after
the commit, swept back into Redis when it lost them, run once however often they are pushed,
resent by admins when they failed for good, and pruned when old."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from rq.executions import Execution
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from jobs import outbox as outbox_jobs
from teams_app import outbox
from teams_app.extensions import db
from teams_app.models import (
    Activity,
    AuditEvent,
    NoticeDelivery,
    OutboxJob,
    OutboxStatus,
    User,
    utcnow,
)
from teams_app.people import services as people
from teams_app.queue import get_queue, redis_connection
from teams_app.teams import services as teams
from tests.conftest import _free_port, csrf_from, login
from tests.factories import UserFactory, make_failed_job, make_team


def rows(**where) -> list[OutboxJob]:
    db.session.expire_all()
    stmt = select(OutboxJob).filter_by(**where).order_by(OutboxJob.id)
    return list(db.session.scalars(stmt))


def invite(admin, email="new.person@library.example") -> User:
    return people.invite_user(admin, email=email, name="New Person")


@pytest.fixture
def redis_switch(app):
    """Point the app at a port nobody listens on; put the real Redis back afterwards."""
    good = app.config["REDIS_URL"]

    def down() -> None:
        app.extensions.pop("redis", None)
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{_free_port()}/0"

    def up() -> None:
        app.extensions.pop("redis", None)
        app.config["REDIS_URL"] = good

    yield down, up
    up()


def test_a_job_is_a_row_written_in_the_same_transaction(app, admin):
    person = invite(admin)
    [row] = rows()
    assert (row.func, row.args, row.queue, row.status) == (
        "jobs.mail.send_invitation",
        [person.id, admin.id],
        "mail",
        "pending",
    )
    assert row.retry_intervals == app.config["MAIL_RETRY_INTERVALS"]
    assert get_queue("mail").get_job_ids() == [row.rq_job_id]


def test_a_refused_change_leaves_no_row_and_queues_nothing(app, admin):
    from teams_app.errors import ServiceError

    invite(admin)
    with pytest.raises(ServiceError):
        invite(admin)  # the same address again: refused, rolled back
    assert len(rows()) == 1
    assert get_queue("mail").count == 1


def test_mail_triggered_while_redis_is_down_arrives_once_after_it_returns(
    app, admin, mailbox, run_jobs, redis_switch, caplog
):
    down, up = redis_switch
    down()
    with caplog.at_level(logging.WARNING):
        invite(admin)  # the page still answers: the push failure is logged, not raised
    assert "stays pending" in caplog.text
    [row] = rows()
    assert row.status == "pending"
    up()
    assert get_queue("mail").count == 0
    app.config["OUTBOX_SWEEP_GRACE_SECONDS"] = 0
    assert outbox.sweep()["pushed"] == 1
    assert outbox.sweep()["pushed"] == 0  # queued now: not pushed again
    assert run_jobs() == 0
    assert len(mailbox.to("new.person@library.example")) == 1
    assert rows()[0].status == "done" and rows()[0].pushes == 1


def test_a_job_redis_lost_is_pushed_again_and_sent_once(app, admin, mailbox, run_jobs):
    invite(admin)
    redis_connection(app).flushdb()  # a Redis without persistence restarted
    app.config["OUTBOX_SWEEP_GRACE_SECONDS"] = 0
    assert outbox.sweep()["pushed"] == 1
    assert run_jobs() == 0
    assert len(mailbox.to("new.person@library.example")) == 1


def test_the_sweep_finds_lost_rows_behind_a_long_backlog_redis_holds(app, admin, monkeypatch):
    for i in range(5):
        invite(admin, email=f"p{i}@library.example")
    queue = get_queue("mail")
    lost = [r.rq_job_id for r in rows()[3:]]
    for job_id in lost:
        queue.remove(job_id)
    monkeypatch.setattr(outbox, "SWEEP_BATCH", 2)
    app.config["OUTBOX_SWEEP_GRACE_SECONDS"] = 0
    assert outbox.sweep() == {"pushed": 2, "checked": 5}
    assert sorted(queue.get_job_ids()) == sorted(r.rq_job_id for r in rows())


def test_a_row_pushed_twice_runs_its_effect_once(app, admin, mailbox, run_jobs):
    invite(admin)
    [row] = rows()
    queue = get_queue("mail")
    queue.enqueue("jobs.outbox.run", row.id)  # a second push, under another job id
    assert run_jobs() == 0
    assert len(mailbox.to("new.person@library.example")) == 1
    assert outbox_jobs.run(row.id) == "duplicate"
    assert rows()[0].attempts == 1


def test_a_worker_that_died_mid_job_leaves_a_claim_the_sweep_takes_over(
    app, admin, mailbox, run_jobs
):
    invite(admin)
    [row] = rows()
    assert outbox.claim(row.id) is not None  # a worker claimed it, then was killed
    redis_connection(app).flushdb()
    app.config["OUTBOX_SWEEP_GRACE_SECONDS"] = 0
    assert outbox.sweep()["pushed"] == 0  # its lease is still running
    app.config["OUTBOX_LEASE_SECONDS"] = 0
    assert outbox.sweep()["pushed"] == 1
    assert run_jobs() == 0
    assert len(mailbox.to("new.person@library.example")) == 1
    assert rows()[0].status == "done" and rows()[0].attempts == 2


def test_a_job_taken_by_a_worker_that_died_before_claiming_it_is_pushed_again(
    app, admin, mailbox, run_jobs, monkeypatch
):
    """SIGKILL between taking the job and claiming its row: RQ lists it as started until its
    timeout, minutes later; once a lease has passed the sweep pushes it again."""
    invite(admin)
    [row] = rows()
    queue = get_queue("mail")
    job = queue.fetch_job(row.rq_job_id)
    queue.remove(job.id)  # taken by a worker, as RQ's worker records it...
    with queue.connection.pipeline() as pipeline:
        execution = Execution.create(job, 600, pipeline=pipeline, worker_name="gone")
        pipeline.execute()
    assert job.id in StartedJobRegistry(queue=queue).get_job_ids(cleanup=False)
    taken = utcnow() + timedelta(seconds=5)  # ...that died 5 s ago, before claiming the row
    monkeypatch.setattr(outbox, "utcnow", lambda: taken)
    assert execution.created_at < taken
    app.config["OUTBOX_SWEEP_GRACE_SECONDS"] = 0
    app.config["OUTBOX_LEASE_SECONDS"] = 30
    assert outbox.sweep()["pushed"] == 0  # it may still be about to claim it
    app.config["OUTBOX_LEASE_SECONDS"] = 3
    assert outbox.sweep()["pushed"] == 1
    assert run_jobs() == 0
    assert len(mailbox.to("new.person@library.example")) == 1
    assert rows()[0].status == "done" and rows()[0].attempts == 1


def test_each_worker_sweeps_when_it_starts(app, admin, mailbox, run_jobs, redis_switch):
    down, up = redis_switch
    down()
    invite(admin)
    up()
    app.config["OUTBOX_SWEEP_GRACE_SECONDS"] = 0
    assert run_jobs() == 0  # nothing was queued: the worker's start-up sweep pushed it
    assert len(mailbox.to("new.person@library.example")) == 1


def test_mail_from_a_job_has_a_message_id_fixed_by_its_row(app, admin, mailbox, run_jobs):
    invite(admin)
    [row] = rows()
    assert run_jobs() == 0
    first = str(mailbox.messages[0]["Message-ID"])
    db.session.execute(OutboxJob.__table__.update().values(status="pending"))
    db.session.commit()
    outbox_jobs.run(row.id)  # the same job again, as after a crash
    assert [str(m["Message-ID"]) for m in mailbox.messages] == [first, first]


def test_smtp_down_through_every_retry_fails_the_row_for_admins_to_resend(
    app, client, admin, mailbox, run_jobs, caplog
):
    person = invite(admin)
    good_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _free_port()  # nothing listens: every try is refused
    [row] = rows()
    for _ in range(len(app.config["MAIL_RETRY_INTERVALS"]) + 1):
        run_jobs()
        _move_retries_due(app)
    failed = rows()[0]
    assert failed.status == "failed" and failed.attempts == 4
    assert "ConnectionRefusedError" in (failed.last_error or "")

    login(client, admin)
    page = client.get("/admin/operations").get_data(as_text=True)
    assert "Invitation mail" in page and person.email in page and "Resend…" in page
    confirm = client.get(f"/admin/operations/outbox/{row.id}/resend")
    assert confirm.status_code == 200
    assert "Resend this invitation mail?" in confirm.get_data(as_text=True)
    app.config["MAIL_PORT"] = good_port
    token = csrf_from(client, f"/admin/operations/outbox/{row.id}/resend")
    with caplog.at_level(logging.INFO):
        response = client.post(
            f"/admin/operations/outbox/{row.id}/resend", data={"csrf_token": token}
        )
    assert response.status_code == 302
    assert (
        '"event": "outbox.resent"' in caplog.text
        and f'"object": "outboxjob:{row.id}"' in caplog.text
    )
    [event] = db.session.scalars(select(AuditEvent).filter_by(event="outbox.resent")).all()
    assert event.actor_id == admin.id and event.object_id == row.id
    assert rows()[0].status == "pending" and rows()[0].resent_by_id == admin.id
    [audit] = db.session.scalars(select(Activity).filter_by(verb="resent_job")).all()
    assert audit.actor_id == admin.id and audit.subject_id == row.id
    assert run_jobs() == 0
    assert len(mailbox.to(person.email)) == 1
    assert rows()[0].status == "done"
    # Resending again is refused: it is not failed any more.
    client.post(f"/admin/operations/outbox/{row.id}/resend", data={"csrf_token": token})
    assert rows()[0].pushes == 0 and len(mailbox.to(person.email)) == 1


def _move_retries_due(app) -> None:
    """Make RQ's scheduled retries due now (a worker with a scheduler would wait their pause)."""
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    conn = redis_connection(app)
    for name in app.config["RQ_QUEUES"]:
        queue = Queue(name, connection=conn)
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_job_ids():
            registry.remove(job_id)
            queue.enqueue_job(queue.fetch_job(job_id))


def test_staff_cannot_resend(app, client, staff):
    row = make_failed_job(staff)
    login(client, staff)
    assert client.get(f"/admin/operations/outbox/{row.id}/resend").status_code == 403


def test_team_notice_retried_after_a_partial_smtp_failure_reaches_each_person_once(
    app, mailbox, run_jobs
):
    lead = UserFactory(name="Lena Lead")
    members = [UserFactory(email=f"m{i}@library.example") for i in range(3)]
    team = make_team(lead, name="Notice Team", members=members)
    run_jobs()
    mailbox.messages.clear()
    teams.close_team(lead, teams.get_team(team.id), "We learned to ask early.")
    row = rows(func="jobs.notify.team_event")[-1]  # the closing; earlier ones were additions
    mailbox.accept_only = 2  # two mails go through, then the server refuses: the job fails
    assert run_jobs() == 0  # not failed for good: a retry is scheduled
    assert len(mailbox.messages) == 2 and rows(id=row.id)[0].status == "pending"
    mailbox.accept_only = None
    _move_retries_due(app)
    assert run_jobs() == 0
    assert sorted(str(m["To"]) for m in mailbox.messages) == sorted(m.email for m in members)
    assert rows(id=row.id)[0].status == "done"
    ledger = select(NoticeDelivery.status).filter_by(notice_key=f"team_event:{row.args[0]}")
    assert db.session.scalars(ledger).all() == ["sent"] * 3
    # The same notice run again (pushed twice, or resent) mails nobody.
    db.session.execute(OutboxJob.__table__.update().values(status="pending"))
    db.session.commit()
    outbox_jobs.run(row.id)
    assert len(mailbox.messages) == 3


def test_prune_forgets_old_done_rows_and_keeps_the_rest(app, admin, run_jobs):
    for i in range(3):
        invite(admin, email=f"p{i}@library.example")
    run_jobs()
    done = rows()
    make_failed_job(admin)
    old = utcnow() - timedelta(days=app.config["OUTBOX_KEEP_DAYS"] + 1)
    db.session.execute(
        OutboxJob.__table__.update()
        .where(OutboxJob.id.in_([done[0].id, done[1].id]))
        .values(finished_at=old)
    )
    db.session.commit()
    assert outbox.prune()["jobs"] == 2
    assert [(r.id, r.status) for r in rows()] == [
        (done[2].id, "done"),
        (rows()[1].id, "failed"),
    ]


def test_operations_page_lists_outbox_rows_by_status(app, client, admin, count_queries):
    make_failed_job(admin, error="SMTPRecipientsRefused: nobody home")
    login(client, admin)
    page = client.get("/admin/operations").get_data(as_text=True)
    assert "nobody home" in page and "Failed <span" in page
    assert "No pending" not in page
    pending = client.get("/admin/operations?outbox=pending").get_data(as_text=True)
    assert "Nothing is waiting" in pending
    odd = client.get("/admin/operations?outbox=nonsense")
    assert odd.status_code == 200 and "nobody home" in odd.get_data(as_text=True)


def test_operations_page_runs_the_same_queries_for_5_or_60_failed_rows(
    app, client, admin, count_queries
):
    people_ = [UserFactory(email=f"f{i}@library.example") for i in range(60)]
    for person in people_[:5]:
        make_failed_job(person)
    login(client, admin)
    few = count_queries(lambda: client.get("/admin/operations"))
    for person in people_[5:]:
        make_failed_job(person)
    many = count_queries(lambda: client.get("/admin/operations"))
    assert few == many


@pytest.mark.parametrize("status", [OutboxStatus.PENDING, OutboxStatus.DONE])
def test_only_failed_rows_can_be_resent(app, admin, status):
    from teams_app.errors import Conflict

    row = make_failed_job(admin)
    row.status = status.value
    db.session.commit()
    with pytest.raises(Conflict):
        outbox.resend(admin, row.id)
