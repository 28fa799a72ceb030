"""Progress digests: what goes in, the preview and API, and sending exactly once through the
ledger with real Redis, real RQ workers and a real SMTP listener."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs import digests as digest_jobs
from teams_app.barriers import services as barriers
from teams_app.dates import date_text
from teams_app.digests import content, ledger, services
from teams_app.digests.unsubscribe import stop_digests
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.models import Activity, DigestDelivery, User, utcnow
from teams_app.teams import services as teams
from tests.conftest import login
from tests.factories import UserFactory, logged_action, make_team


def due_now(user: User) -> User:
    """Daily at 00:00 UTC, joined two days ago: today's period is due."""
    user.digest_frequency, user.digest_hour, user.timezone = "daily", 0, "UTC"
    user.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    return user


@pytest.fixture
def notified_team(app, run_jobs, mailbox):
    """A lead and a member of an active team; the team's own notices already sent."""
    lead = UserFactory(name="Lena Lead", email="lena@library.example")
    member = UserFactory(name="Mo Member", email="mo@library.example")
    team = make_team(lead, name="Desk Team", members=(member,))
    run_jobs()
    mailbox.messages.clear()
    return lead, member, team


def backdate(hours: int) -> None:
    """Move every activity so far into the past, before a digest window."""
    for event in db.session.scalars(select(Activity)):
        event.at = utcnow() - timedelta(hours=hours)
    db.session.commit()


def texts(digest: content.Digest) -> list[str]:
    return [item.text for section in digest.sections for item in section.items]


def test_content_is_others_news_from_my_teams_since_the_window(app, notified_team):
    lead, member, team = notified_team
    backdate(48)
    item = initiatives.create_initiative(lead, team, initiatives.Details(title="Yes list"))
    initiatives.post_update(lead, initiatives.get_initiative(item.id), "at_risk", "Budget.")
    own = initiatives.create_initiative(member, team, initiatives.Details(title="Mine"))
    other_team = make_team(UserFactory(), name="Other Team")
    initiatives.create_initiative(
        other_team.memberships[0].user, other_team, initiatives.Details(title="Not mine")
    )
    digest = content.build(member, utcnow() - timedelta(hours=24), utcnow())
    lines = texts(digest)
    assert [s.title for s in digest.sections] == ["Desk Team"]
    assert lines[0].startswith("Lena Lead posted an update on “Yes list”: health changed from")
    assert lines[0].endswith(" to at risk")  # Health.label, as the pages word it
    assert "Lena Lead added the initiative “Yes list”" in lines
    assert not any("Mine" in t or "Not mine" in t for t in lines)  # own news, other teams
    assert not any("joined" in t or "added Mo" in t for t in lines)  # before the window
    assert own.id  # created by the member: not news to them


def test_content_calls_out_my_actions_stale_initiatives_and_requests(app, notified_team):
    lead, member, team = notified_team
    barrier = barriers.report_barrier(
        member,
        barriers.BarrierDetails(
            title="Printer jams",
            category="technology",
            affects="staff",
            severity="high",
            source="staff",
            team_id=team.id,
        ),
    )
    today = barriers.today_for(lead)  # the digest counts days in the lead's own calendar
    logged_action(lead, "Call IT", today - timedelta(days=2), barrier=barrier, owner_id=lead.id)
    barriers.log_action(
        lead,
        barriers.ActionDetails("Far away", owner_id=lead.id, due_on=today + timedelta(days=30)),
        barrier=barriers.get_barrier(barrier.id),
    )
    stale = initiatives.create_initiative(lead, team, initiatives.Details(title="Old idea"))
    initiatives.get_initiative(stale.id).update_due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    closed_team = make_team(lead, name="Ask Team", open_to_join=False)
    teams.join_team(UserFactory(name="Asha Asker"), closed_team, "Please")
    digest = content.build(lead, utcnow() - timedelta(days=1), utcnow())
    by_title = {s.title: [i.text for i in s.items] for s in digest.sections}
    # the pages' due wording (templating.due_phrase), as text
    overdue_since = date_text(today - timedelta(days=2))
    assert by_title["Your actions"] == [f"Overdue 2 days ({overdue_since}): your action “Call IT”"]
    assert by_title["Your initiatives"][0].startswith("“Old idea” needs a status update")
    assert by_title["Waiting for you"] == ["Asha Asker asks to join Ask Team"]
    assert "Mo Member reported the barrier “Printer jams”" in by_title["Desk Team"]


def test_leadership_sees_proposals_and_initiatives_that_went_off_track(app, notified_team):
    lead, member, team = notified_team
    boss = UserFactory(role="leadership", name="Lou Leader")
    make_team(member, name="Fresh Idea", status="proposed")
    item = initiatives.create_initiative(lead, team, initiatives.Details(title="Shaky"))
    initiatives.post_update(lead, initiatives.get_initiative(item.id), "off_track", "Stuck.")
    digest = content.build(boss, utcnow() - timedelta(hours=1), utcnow())
    portfolio = next(s for s in digest.sections if s.title == "Across the portfolio")
    lines = [i.text for i in portfolio.items]
    assert "Team proposal waiting: Fresh Idea" in lines
    assert "“Shaky” went off track" in lines


def test_content_runs_a_fixed_number_of_queries(app, notified_team, count_queries):
    lead, member, team = notified_team
    boss = UserFactory(role="leadership")
    since, until = utcnow() - timedelta(days=1), utcnow() + timedelta(seconds=1)
    for i in range(3):
        initiatives.create_initiative(lead, team, initiatives.Details(title=f"I{i}"))
    small = count_queries(lambda: content.build(boss, since, until))
    for i in range(40):
        initiatives.create_initiative(lead, team, initiatives.Details(title=f"More {i}"))
    until = utcnow() + timedelta(seconds=1)
    assert count_queries(lambda: content.build(boss, since, until)) == small <= 10


def test_preview_page_and_api_show_what_would_be_sent(client, api_as, notified_team):
    lead, member, team = notified_team
    backdate(24 * 10)
    initiatives.create_initiative(lead, team, initiatives.Details(title="Fresh news"))
    login(client, member)
    page = client.get("/digest/preview").get_data(as_text=True)
    assert "Lena Lead added the initiative “Fresh news”" in page
    body = api_as(member).get("/me/digest").get_json()
    assert body["empty"] is False
    assert body["sections"][0]["title"] == "Desk Team"
    assert body["sections"][0]["items"][0]["text"] == "Lena Lead added the initiative “Fresh news”"
    assert body["sections"][0]["items"][0]["url"].startswith("http://localhost/initiatives/")


def test_two_ticks_and_a_repeated_job_send_one_mail_each(app, notified_team, mailbox, run_jobs):
    lead, member, team = notified_team
    due_now(lead), due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="News for Mo"))
    assert digest_jobs.tick()["due"] == 2
    assert digest_jobs.tick()["due"] == 0  # their jobs are already waiting: not enqueued twice
    assert run_jobs() == 0
    assert len(mailbox.to("mo@library.example")) == 1
    # Lena's only news is her own: nothing to send, and the period is marked skipped.
    assert mailbox.to("lena@library.example") == []
    rows = {r.user_id: r.status for r in db.session.scalars(select(DigestDelivery))}
    assert rows == {member.id: "sent", lead.id: "skipped"}
    key = db.session.scalar(select(DigestDelivery.period_key))
    assert ledger.send(member.id, key) == "duplicate"
    assert digest_jobs.tick()["due"] == 0
    assert len(mailbox.to("mo@library.example")) == 1


def test_digest_mail_is_multipart_with_unsubscribe_headers(
    app, client, notified_team, mailbox, run_jobs
):
    lead, member, team = notified_team
    due_now(member)
    backdate(48)  # the team's setup is old news
    initiatives.create_initiative(lead, team, initiatives.Details(title="<b>Bold</b> news"))
    digest_jobs.tick()
    assert run_jobs() == 0
    (mail,) = mailbox.to("mo@library.example")
    assert mail["Subject"] == "Your Mission Teams digest: 1 update"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"\nList-Unsubscribe: <http://localhost/digest/unsubscribe/" in mailbox.raw[-1]
    row = db.session.scalars(select(DigestDelivery)).one()
    assert mail["Message-ID"] == row.message_id
    html = mail.get_body(("html",)).get_content()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html and "<script" not in html
    text = mail.get_body(("plain",)).get_content()
    assert "http://localhost/initiatives/" in text

    # One-click unsubscribe: no sign-in, signed link; a forged one is refused.
    link = mail["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    assert client.post(path[:-3] + "xyz").status_code == 404
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, member.id).digest_frequency == "off"


def test_smtp_refusing_twice_then_accepting_sends_one_mail(app, notified_team, mailbox, run_jobs):
    lead, member, team = notified_team
    app.config["DIGEST_RETRY_INTERVALS"] = [0, 0, 0]
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="Retry me"))
    mailbox.refuse = 2
    digest_jobs.tick()
    assert run_jobs() == 0
    assert len(mailbox.to("mo@library.example")) == 1
    row = db.session.scalars(select(DigestDelivery)).one()
    assert (row.status, row.attempts, row.error) == ("sent", 3, None)


def test_smtp_refusing_every_try_marks_the_row_failed_for_admins(
    app, client, notified_team, mailbox, run_jobs
):
    lead, member, team = notified_team
    app.config["DIGEST_RETRY_INTERVALS"] = [0, 0]
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="Never"))
    mailbox.refuse = 10
    digest_jobs.tick()
    assert run_jobs() == 1  # the job itself failed after its retries
    row = db.session.scalars(select(DigestDelivery)).one()
    assert row.status == "failed" and "451" in row.error and row.attempts == 3
    admin = UserFactory(role="admin")
    login(client, admin)
    page = client.get("/admin/operations").get_data(as_text=True)
    assert "451" in page and "Failed" in page
    assert digest_jobs.tick() == {"due": 0, "retried": 0}  # failed stays failed


def test_a_lapsed_claim_is_picked_up_by_the_next_tick(app, notified_team, mailbox, run_jobs):
    lead, member, team = notified_team
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="After a crash"))
    ((user, period),) = [(u, p) for u, p in services.due() if u.id == member.id]
    # A worker claimed it and died before sending.
    row = ledger.claim(user, period, "dead-worker", utcnow())
    assert row is not None
    assert ledger.send(member.id, period.key, "someone-else") == "duplicate"  # lease is live
    row.claimed_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert digest_jobs.tick() == {"due": 0, "retried": 1}
    assert run_jobs() == 0
    assert len(mailbox.to("mo@library.example")) == 1


def test_the_next_digest_starts_where_the_last_ended(app, notified_team, mailbox, run_jobs):
    lead, member, team = notified_team
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="First news"))
    digest_jobs.tick()
    run_jobs()
    first = db.session.scalars(select(DigestDelivery)).one()
    later = services.preview(db.session.get(User, member.id), utcnow() + timedelta(days=1))
    assert first.until <= utcnow()
    assert not any("First news" in t for t in texts(later))


def test_cli_runs_due_digests_and_previews(app, notified_team, mailbox):
    lead, member, team = notified_team
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="CLI news"))
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["digests", "preview", member.email])
    assert "Lena Lead added the initiative “CLI news”" in shown.output
    result = runner.invoke(args=["digests", "run-due"])
    assert result.exit_code == 0 and "1 sent" in result.output
    assert len(mailbox.to("mo@library.example")) == 1
    again = runner.invoke(args=["digests", "run-due"])
    assert "nobody is due" in again.output


def test_turning_digests_off_after_the_tick_sends_nothing(app, notified_team, mailbox, run_jobs):
    lead, member, team = notified_team
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="Too late"))
    assert digest_jobs.tick()["due"] == 1
    stop_digests(db.session.get(User, member.id))
    assert run_jobs() == 0
    assert mailbox.to("mo@library.example") == []


def test_a_schedule_change_after_the_tick_sends_one_digest_not_two(
    app, notified_team, mailbox, run_jobs
):
    lead, member, team = notified_team
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="Moved on"))
    digest_jobs.tick()  # enqueues daily:<today>
    person = db.session.get(User, member.id)
    person.digest_frequency, person.digest_weekday = "weekly", utcnow().weekday()
    db.session.commit()
    assert run_jobs() == 0
    assert mailbox.to("mo@library.example") == []  # the daily one is retired, unsent
    assert digest_jobs.tick()["due"] == 1  # the weekly period of today
    assert run_jobs() == 0
    (mail,) = mailbox.to("mo@library.example")
    assert "Moved on" in mail.get_body(("plain",)).get_content()  # nothing was lost


def test_a_lapsed_claim_of_someone_who_left_is_retired_not_retried_forever(app, notified_team):
    lead, member, team = notified_team
    due_now(member)
    ((user, period),) = [(u, p) for u, p in services.due() if u.id == member.id]
    row = ledger.claim(user, period, "dead-worker", utcnow())
    row.claimed_at = utcnow() - timedelta(hours=1)
    user.active = False
    db.session.commit()
    assert ledger.send(member.id, period.key) == "inactive"
    db.session.expire_all()
    assert db.session.get(DigestDelivery, row.id).status == "skipped"
    assert digest_jobs.tick() == {"due": 0, "retried": 0}


def test_a_digest_that_cannot_be_built_fails_visibly(app, notified_team, monkeypatch):
    lead, member, team = notified_team
    due_now(member)
    ((user, period),) = [(u, p) for u, p in services.due() if u.id == member.id]

    def broken(*args, **kwargs):
        raise RuntimeError("content exploded")

    monkeypatch.setattr(content, "build", broken)
    with pytest.raises(RuntimeError):
        ledger.send(member.id, period.key, last_try=True)
    row = db.session.scalars(select(DigestDelivery)).one()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "content exploded" in row.error


def test_overdue_is_judged_in_the_persons_own_calendar(app, notified_team):
    from datetime import UTC, datetime

    lead, member, team = notified_team
    barrier = barriers.report_barrier(
        lead,
        barriers.BarrierDetails(
            title="Late",
            category="process",
            affects="staff",
            severity="low",
            source="staff",
            team_id=team.id,
        ),
    )
    until = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # already 29 Nov in Kiritimati (+14)
    logged_action(lead, "Due on the 29th", until.date() + timedelta(days=1), barrier=barrier)
    person = db.session.get(User, lead.id)
    person.timezone = "Pacific/Kiritimati"
    db.session.commit()
    lines = texts(content.build(person, until - timedelta(days=1), until))
    assert "Due today: your action “Due on the 29th”" in lines


def test_a_second_execution_with_the_same_claim_backs_off_while_one_is_sending(
    app, notified_team, mailbox
):
    """One job id enqueued twice shares its claim token: only one execution may send."""
    lead, member, team = notified_team
    due_now(member)
    initiatives.create_initiative(lead, team, initiatives.Details(title="Once"))
    ((user, period),) = [(u, p) for u, p in services.due() if u.id == member.id]
    row = ledger.claim(user, period, "shared-token", utcnow())
    assert ledger.start_attempt(row, utcnow())  # the first execution is sending now
    assert ledger.send(member.id, period.key, "shared-token") == "busy"
    assert mailbox.to("mo@library.example") == []
