"""A long thread shows its latest page with a link to earlier comments (no JavaScript); pages are
numbered from the oldest, and a comment's permalink (what notifications carry) lands on the page
that shows it. Thread, inbox and their API lists run a fixed number of queries at two sizes.
Resolved @mentions render as links to the person in the staff directory."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from teams_app.conversations import queries
from teams_app.extensions import db
from teams_app.models import Comment, CommentMention, Follow, Notification, utcnow
from tests.conftest import csrf_from, login
from tests.factories import UserFactory
from tests.integration.conversations.conftest import say


def _comments(target_id: int, author_id: int, n: int, kind: str = "initiatives") -> list[Comment]:
    """``n`` top-level comments a minute apart after those already there (bulk, for speed)."""
    taken = (
        db.session.scalar(
            db.select(db.func.count(Comment.id)).where(
                Comment.target_kind == kind, Comment.target_id == target_id
            )
        )
        or 0
    )
    start = utcnow() - timedelta(days=30)
    rows = [
        Comment(
            target_kind=kind,
            target_id=target_id,
            author_id=author_id,
            body=f"Comment number {taken + i} here",
            created_at=start + timedelta(minutes=taken + i),
        )
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"Comment number (\d+) here", html)]


def _href(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_long_thread_shows_its_latest_page_and_links_to_earlier_ones(w, client):
    rows = _comments(w.initiative.id, w.lead.id, 120)
    reply = say(w.member, "initiatives", w.initiative.id, "An answer to 3", parent_id=rows[3].id)
    login(client, w.member)
    path = f"/initiatives/{w.initiative.id}"
    html = client.get(path).get_data(as_text=True)
    assert _shown(html) == list(range(100, 120))  # the latest page: 100 to 119
    assert "Show earlier comments" in html and "(100 earlier comments" in html
    earlier = _href(html, "prev")
    assert earlier == f"{path}?comments_page=2#conversation"
    assert _href(html, "next") is None
    html = client.get(earlier).get_data(as_text=True)
    assert _shown(html) == list(range(50, 100))
    assert _href(html, "prev") == f"{path}?comments_page=1#conversation"
    assert _href(html, "next") == f"{path}#conversation"  # page 3 is the latest
    html = client.get(f"{path}?comments_page=1").get_data(as_text=True)
    assert _shown(html) == list(range(50))
    assert "An answer to 3" in html and f'id="{reply.anchor}"' in html  # under its comment
    assert "Show earlier comments" not in html
    assert _href(html, "next") == f"{path}?comments_page=2#conversation"
    # Past the end, or not a number: the latest page.
    for odd in ("99", "0", "x", "-1"):
        html = client.get(f"{path}?comments_page={odd}").get_data(as_text=True)
        assert _shown(html) == list(range(100, 120)), odd


def test_the_thread_page_pages_the_same_way(w, client):
    _comments(w.update.id, w.lead.id, 60, kind="updates")
    login(client, w.member)
    path = f"/conversations/updates/{w.update.id}"
    html = client.get(path).get_data(as_text=True)
    assert _shown(html) == list(range(50, 60))
    assert _href(html, "prev") == f"{path}?comments_page=1#conversation"
    assert _shown(client.get(f"{path}?comments_page=1").get_data(as_text=True)) == list(range(50))


def test_a_short_last_page_is_shown_with_the_one_before(w, client):
    _comments(w.initiative.id, w.lead.id, 55)
    login(client, w.member)
    html = client.get(f"/initiatives/{w.initiative.id}").get_data(as_text=True)
    assert _shown(html) == list(range(55)) and "Show earlier comments" not in html
    assert queries.latest_start(55) == 0 and queries.latest_start(60) == 50
    assert queries.page_of(49, 60) == 1 and queries.page_of(50, 60) is None


def test_a_permalink_lands_on_the_page_that_shows_the_comment(w, client):
    rows = _comments(w.initiative.id, w.lead.id, 120)
    reply = say(w.member, "initiatives", w.initiative.id, "Reply to 3", parent_id=rows[3].id)
    login(client, w.member)
    path = f"/initiatives/{w.initiative.id}"
    for comment, page in ((rows[3], 1), (reply, 1), (rows[70], 2), (rows[110], None)):
        where = client.get(f"/comments/{comment.id}").headers["Location"]
        wanted = f"{path}?comments_page={page}" if page else path
        assert where == f"{wanted}#{comment.anchor}", (comment.id, where)
        assert f'id="{comment.anchor}"' in client.get(where).get_data(as_text=True)


def test_a_notification_of_an_early_reply_opens_the_page_that_shows_it(w, client):
    rows = _comments(w.initiative.id, w.lead.id, 120)
    reply = say(w.member, "initiatives", w.initiative.id, "Reply to 3", parent_id=rows[3].id)
    # The lead follows the initiative (the team's lead): told of the reply with its permalink.
    note = db.session.scalar(
        db.select(Notification).where(
            Notification.user_id == w.lead.id, Notification.comment_id == reply.id
        )
    )
    assert note is not None and note.url == f"/comments/{reply.id}#{reply.anchor}"
    # An older row that carries the object's page still lands on the comment.
    note.url = f"/initiatives/{w.initiative.id}#{reply.anchor}"
    db.session.commit()
    login(client, w.lead)
    token = csrf_from(client, "/inbox")
    opened = client.post(f"/inbox/{note.id}/open", data={"csrf_token": token})
    assert opened.headers["Location"] == f"/comments/{reply.id}#{reply.anchor}"
    landed = client.get(opened.headers["Location"]).headers["Location"]
    assert landed == f"/initiatives/{w.initiative.id}?comments_page=1#{reply.anchor}"


def test_posting_a_reply_on_an_earlier_page_returns_to_that_page(w, client):
    rows = _comments(w.initiative.id, w.lead.id, 120)
    login(client, w.member)
    path = f"/initiatives/{w.initiative.id}"
    token = csrf_from(client, path)
    r = client.post(
        f"/conversations/initiatives/{w.initiative.id}/comments",
        data={"csrf_token": token, "body": "Late reply", "parent_id": rows[5].id, "nonce": "n1"},
    )
    made = db.session.scalar(db.select(Comment).where(Comment.body == "Late reply"))
    assert r.headers["Location"] == f"{path}?comments_page=1#{made.anchor}"


# --- Fixed queries at two sizes -------------------------------------------------------------------


def _thread_of(w, n: int, people: list) -> None:
    """``n`` comments on the initiative: one in five a reply, one in ten with a mention."""
    rows = _comments(w.initiative.id, people[0].id, n)
    for i, c in enumerate(rows):
        c.author_id = people[i % len(people)].id
        if i % 5 == 4:
            c.parent_id = rows[i - 1].parent_id or rows[i - 1].id
        if i % 10 == 0:
            c.body = f"@{people[1].name} {c.body}"
            c.mentions = [CommentMention(user_id=people[1].id)]
    db.session.commit()


@pytest.mark.parametrize(
    ("path", "few"),
    [
        ("/initiatives/{i}", 5),
        ("/conversations/initiatives/{i}", 5),
        # A numbered page exists once the thread has more than one page.
        ("/initiatives/{i}?comments_page=1", 100),
        ("/conversations/initiatives/{i}?comments_page=1", 100),
    ],
)
def test_a_thread_of_500_runs_the_queries_of_a_short_one(w, client, count_queries, path, few):
    people = [UserFactory(name=f"Talker {k}") for k in range(5)]
    url = path.format(i=w.initiative.id)
    login(client, w.member)
    _thread_of(w, few, people)
    client.get(url)  # warm-up
    small = count_queries(lambda: client.get(url))
    _thread_of(w, 500 - few, people)
    large = count_queries(lambda: client.get(url))
    assert small == large, f"{url}: {small} queries with {few} comments, {large} with 500"
    # The initiative page's 13: its thread, with authors and mentions, is one query.
    assert large <= 13


def test_the_comment_and_notification_lists_of_the_api_run_fixed_queries(w, api_as, count_queries):
    people = [UserFactory(name=f"Talker {k}") for k in range(5)]
    api = api_as(w.member)
    comments = f"/initiatives/{w.initiative.id}/comments?per_page=100"
    paths = [comments, "/me/notifications?per_page=100", "/me/follows"]

    def fill(n: int, start: int) -> None:
        _thread_of(w, n, people)
        db.session.execute(
            Notification.__table__.insert(),
            [
                {
                    "user_id": w.member.id,
                    "kind": "comment",
                    "text": f"Note {start + k}",
                    "url": "/",
                    "event_key": f"bulk:{start * 20 + k}",
                    "delivery": "inbox",
                    "created_at": utcnow(),
                }
                for k in range(n * 20)
            ],
        )
        db.session.add_all(
            Follow(user_id=w.member.id, target_kind="barriers", target_id=w.barrier.id + k)
            for k in range(start, start + n)
        )
        db.session.commit()

    fill(5, 0)
    assert api.get("/stages").status_code == 200  # the token's first use is recorded once
    small = [count_queries(lambda p=p: api.get(p)) for p in paths]
    fill(495, 5)
    large = [count_queries(lambda p=p: api.get(p)) for p in paths]
    assert small == large
    assert max(large) <= 15
    assert api.get(comments).get_json()["total"] == 500


@pytest.mark.parametrize("path", ["/inbox", "/inbox?unread=1", "/inbox?page=3", "/following"])
def test_the_inbox_and_following_run_fixed_queries(w, client, count_queries, path):
    login(client, w.member)

    def fill(n: int, start: int) -> None:
        db.session.execute(
            Notification.__table__.insert(),
            [
                {
                    "user_id": w.member.id,
                    "kind": "mention",
                    "text": f"Note {start + k}",
                    "url": "/",
                    "event_key": f"bulk:{start + k}",
                    "delivery": "inbox",
                    "created_at": utcnow(),
                    "read_at": None if k % 2 else utcnow(),
                }
                for k in range(n)
            ],
        )
        db.session.commit()

    fill(80, 0)
    client.get(path)
    small = count_queries(lambda: client.get(path))
    fill(9920, 80)
    large = count_queries(lambda: client.get(path))
    assert small == large and large <= 15


# --- @mentions as links ---------------------------------------------------------------------------


def test_a_resolved_mention_is_a_link_to_the_person_in_the_directory(w, client):
    say(w.lead, "barriers", w.barrier.id, "Thanks! @Milo Member can you look? @nobody here")
    login(client, w.outsider)
    html = client.get(f"/barriers/{w.barrier.id}").get_data(as_text=True)
    assert (
        f'<a href="/people/?q=Milo+Member#person-{w.member.id}" rel="noopener noreferrer '
        'nofollow">@Milo Member</a>' in html
    )
    assert "@nobody here" in html  # no one by that name: text
    directory = client.get("/people/?q=Milo+Member").get_data(as_text=True)
    assert "Milo Member" in directory


def test_only_mentions_resolved_into_rows_become_links(w, client):
    # The same words with no CommentMention row (written before the person existed, say).
    db.session.add(
        Comment(
            target_kind="barriers",
            target_id=w.barrier.id,
            author_id=w.lead.id,
            body="Ask @Milo Member and `@Lena Lead`",
        )
    )
    db.session.commit()
    login(client, w.outsider)
    html = client.get(f"/barriers/{w.barrier.id}").get_data(as_text=True)
    assert "Ask @Milo Member and <code>@Lena Lead</code>" in html
    assert "q=Milo+Member" not in html


def test_a_mentioned_name_is_escaped_in_the_link_and_its_text(w, client):
    odd = UserFactory(name='Ana "A&B" Ito')
    c = Comment(
        target_kind="barriers",
        target_id=w.barrier.id,
        author_id=w.lead.id,
        body='Hi @Ana "A&B" Ito <script>alert(1)</script>there',
        mentions=[CommentMention(user_id=odd.id)],
    )
    db.session.add(c)
    db.session.commit()
    login(client, w.outsider)
    html = client.get(f"/barriers/{w.barrier.id}").get_data(as_text=True)
    body = html[html.index(f'id="{c.anchor}"') :]
    body = body[: body.index("</article>")]
    # The name is escaped in the query (URL-encoded) and in the text (HTML), its card anchored.
    link = f'<a href="/people/?q=Ana+%22A%26B%22+Ito#person-{odd.id}" rel="noopener noreferrer '
    assert link + 'nofollow">@Ana "A&amp;B" Ito</a> there' in body, body
    assert "<script" not in body and "alert(1)" not in body
