"""XSS probes through comments and mentions: refused when posted, and harmless wherever a comment
that slipped in is shown (the thread, the inbox, the API, the mail); names that carry markup are
escaped when mentioned."""

from __future__ import annotations

import pytest

from teams_app.extensions import db
from teams_app.models import Comment
from tests.conftest import csrf_from, login
from tests.factories import UserFactory
from tests.integration.conversations.conftest import say
from tests.integration.test_form_fuzz import ATTACKS

MARKUP = [a for a in ATTACKS if "<" in a] + [
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
]
DANGER = ("<script", "onerror=", "onload=", "javascript:", "<iframe", "<svg", "<img")


@pytest.mark.parametrize("probe", MARKUP)
def test_a_probe_posted_as_a_comment_is_refused_with_the_text_escaped(w, client, probe):
    login(client, w.member)
    path = f"/initiatives/{w.initiative.id}"
    r = client.post(
        f"/conversations/initiatives/{w.initiative.id}/comments",
        data={"csrf_token": csrf_from(client, path), "body": probe, "nonce": "x"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    kept = html.split('id="comment-body"')[1].split("</textarea>")[0]
    assert "<script" not in kept and "<img" not in kept  # kept, escaped, in the field
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


@pytest.mark.parametrize("probe", MARKUP)
def test_a_stored_probe_renders_harmless_everywhere(w, client, api_as, probe):
    # As if written before the refusal existed (or by a script with database access).
    db.session.add(
        Comment(target_kind="barriers", target_id=w.barrier.id, author_id=w.member.id, body=probe)
    )
    db.session.commit()
    login(client, w.outsider)
    html = client.get(f"/barriers/{w.barrier.id}").get_data(as_text=True)
    thread = html.split('id="conversation"')[1].split('<script src="')[0]
    assert "Comment deleted" not in thread
    assert not any(d in thread.lower() for d in DANGER), probe
    body = api_as(w.outsider).get(f"/barriers/{w.barrier.id}/comments").get_json()
    assert not any(d in body["items"][0]["body_html"].lower() for d in DANGER), probe


def test_an_author_name_with_markup_is_escaped_in_the_thread(w, client):
    evil = UserFactory(name="<script>alert(1)</script>")
    say(evil, "barriers", w.barrier.id, "Hello")
    login(client, w.outsider)
    thread = (
        client.get(f"/barriers/{w.barrier.id}").get_data(as_text=True).split('id="conversation"')[1]
    )
    assert "<script>alert(1)</script>" not in thread and "&lt;script&gt;" in thread


@pytest.fixture
def evil_person(app):
    return UserFactory(name="Eve Script")


def test_mention_text_and_inbox_escape_a_title_with_markup(
    w, client, evil_person, run_jobs, mailbox
):
    from teams_app.barriers import services as barriers

    b = barriers.get_barrier(w.barrier.id)
    details = barriers.BarrierDetails(
        title="<script>alert('t')</script>",
        category=b.category,
        affects=b.affects,
        severity=b.severity,
        source=b.source,
        team_id=b.team_id,
    )
    barriers.edit_barrier(w.lead, b, details, b.version)
    say(w.lead, "barriers", w.barrier.id, "@Eve Script look")
    login(client, evil_person)
    html = client.get("/inbox").get_data(as_text=True)
    assert "<script>alert('t')</script>" not in html
    assert run_jobs() == 0
    for m in mailbox.to(evil_person.email):
        assert "<script>alert" not in m.get_body(("html",)).get_content()
