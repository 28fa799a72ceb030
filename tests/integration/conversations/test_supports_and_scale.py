""" "Me too" on barriers (once, take back, closed refused, the register's sort and filter, the
attention list, the similar-barrier suggestion), activity, and fixed query counts for a thread
of 500 comments and an inbox of 10,000 notifications."""

from __future__ import annotations

import pytest

from teams_app.barriers import queries as barrier_queries
from teams_app.barriers import services as barriers
from teams_app.conversations import services
from teams_app.errors import Conflict
from teams_app.extensions import db
from teams_app.models import Activity, Comment, Notification
from teams_app.portfolio import queries as portfolio
from tests.conftest import login
from tests.factories import UserFactory


def test_me_too_once_with_a_comment_and_take_it_back(w):
    b = barriers.get_barrier(w.barrier.id)
    version = b.version
    assert services.support(w.member, b, "Also at Moore, every Saturday") == 1
    with pytest.raises(Conflict):
        services.support(w.member, barriers.get_barrier(w.barrier.id))
    assert services.support(w.lead, barriers.get_barrier(w.barrier.id)) == 2
    posted = db.session.scalar(db.select(Comment).where(Comment.author_id == w.member.id))
    assert posted.body == "Also at Moore, every Saturday"
    assert barriers.get_barrier(w.barrier.id).version == version  # no edit made stale
    assert services.unsupport(w.member, barriers.get_barrier(w.barrier.id)) == 1
    with pytest.raises(Conflict):
        services.unsupport(w.member, barriers.get_barrier(w.barrier.id))
    verbs = set(db.session.scalars(db.select(Activity.verb).where(Activity.team_id == w.team.id)))
    assert {"supported_barrier", "unsupported_barrier", "commented"} <= verbs


def test_a_closed_barrier_takes_no_me_too(w):
    b = barriers.get_barrier(w.barrier.id)
    barriers.resolve_barrier(w.lead, b, "accepted", "We live with it.", b.version, {"all": "done"})
    with pytest.raises(Conflict):
        services.support(w.member, barriers.get_barrier(w.barrier.id))


def test_the_register_sorts_and_filters_by_support_and_the_portfolio_counts_it(w, client):
    quiet = barriers.report_barrier(
        w.lead,
        barriers.BarrierDetails(
            title="Quiet one", category="process", affects="staff", severity="low", source="staff"
        ),
    )
    for person in (w.member, w.lead, w.boss):
        services.support(person, barriers.get_barrier(w.barrier.id))
    f = barrier_queries.BarrierFilter(sort="support")
    order = [b.id for b in db.session.scalars(barrier_queries.register_query(f))]
    assert order.index(w.barrier.id) < order.index(quiet.id)
    f = barrier_queries.BarrierFilter(min_support=1)
    assert [b.id for b in db.session.scalars(barrier_queries.register_query(f))] == [w.barrier.id]
    items = portfolio.attention(portfolio.PortfolioFilter())
    felt = next(i for i in items if i.kind == "barrier" and i.id == w.barrier.id)
    assert "widely_felt" in felt.reasons and "3 “me too”" in felt.context
    login(client, w.outsider)
    html = client.get("/barriers/?sort=support&min_support=1").get_data(as_text=True)
    assert "Printer jams" in html and "Quiet one" not in html and "3 “me too”" in html
    similar = client.get("/barriers/similar?title=Printer jams").get_json()
    assert similar[0]["support_count"] == 3 and similar[0]["me_too_url"].endswith("#me-too")


def test_supporting_through_the_page(w, client):
    from tests.conftest import csrf_from

    login(client, w.member)
    path = f"/barriers/{w.barrier.id}"
    token = csrf_from(client, path)
    r = client.post(f"{path}/support", data={"csrf_token": token, "comment": "Me as well"})
    assert r.status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "1 “me too”" in html and "Take back my “me too”" in html and "Me as well" in html


def test_a_thread_of_500_comments_renders_in_a_fixed_number_of_queries(w, client, count_queries):
    login(client, w.member)
    path = f"/barriers/{w.barrier.id}"
    people = [UserFactory(name=f"Talker {i}") for i in range(5)]

    def add(n: int) -> None:
        existing = db.session.scalar(db.select(db.func.count(Comment.id))) or 0
        rows = []
        for i in range(n):
            rows.append(
                Comment(
                    target_kind="barriers",
                    target_id=w.barrier.id,
                    author_id=people[i % 5].id,
                    body=f"Comment {existing + i} with **bold**",
                )
            )
        db.session.add_all(rows)
        db.session.commit()

    add(3)
    client.get(path)  # warm-up
    small = count_queries(lambda: client.get(path))
    add(497)
    large = count_queries(lambda: client.get(path))
    assert small == large, f"{small} queries with 3 comments, {large} with 500"
    assert "Comment 499" in client.get(path).get_data(as_text=True)


def test_an_inbox_of_10000_runs_a_fixed_number_of_queries(w, client, count_queries):
    login(client, w.member)

    from teams_app.models import utcnow

    def fill_rows(n: int, start: int) -> None:
        now = utcnow()
        db.session.execute(
            Notification.__table__.insert(),
            [
                {
                    "user_id": w.member.id,
                    "kind": "comment",
                    "text": f"Note {start + i}",
                    "url": "/",
                    "event_key": f"bulk:{start + i}",
                    "delivery": "inbox",
                    "created_at": now,
                }
                for i in range(n)
            ],
        )
        db.session.commit()

    fill_rows(5, 0)
    client.get("/inbox")
    small = count_queries(lambda: client.get("/inbox"))
    fill_rows(9995, 5)
    large = count_queries(lambda: client.get("/inbox"))
    assert small == large
    assert "99+" in client.get("/inbox").get_data(as_text=True)


def test_the_header_unread_count_is_one_query(w, client, count_queries):
    """The pages differ only by the header's count: one query more than a page without it."""
    from teams_app.notifications import services as notes

    calls = []
    real = notes.unread_count

    def spy(user):
        calls.append(user.id)
        return real(user)

    notes.unread_count = spy  # type: ignore[assignment]
    try:
        login(client, w.member)
        client.get(f"/barriers/{w.barrier.id}")
    finally:
        notes.unread_count = real  # type: ignore[assignment]
    assert calls == [w.member.id]
    plan = (
        db.session.execute(
            db.text(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM (SELECT id FROM notifications "
                "WHERE user_id = 1 AND read_at IS NULL LIMIT 100)"
            )
        ).all()
        if db.engine.dialect.name == "sqlite"
        else []
    )
    if plan:
        assert any("ix_notifications_user_id_read_at" in str(row) for row in plan)
