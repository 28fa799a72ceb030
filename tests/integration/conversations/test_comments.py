"""Comments: who may read and post, Markdown and its refusals, replies one level deep, editing
within the window (versioned), deleting (tombstone), hiding (author told), double submits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from teams_app.conversations import services
from teams_app.conversations.targets import load
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import Activity, Comment
from teams_app.stories import services as stories
from teams_app.teams import services as teams
from tests.conftest import csrf_from, login
from tests.factories import make_team
from tests.integration.conversations.conftest import say

KINDS = ("initiatives", "updates", "barriers", "actions", "stories", "teams")


def _ident(w, kind):
    return {
        "initiatives": w.initiative.id,
        "updates": w.update.id,
        "barriers": w.barrier.id,
        "actions": w.action.id,
        "stories": w.story.id,
        "teams": w.team.id,
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_anyone_who_sees_an_object_may_comment_on_it(w, kind):
    c = say(w.outsider, kind, _ident(w, kind), "Nice **work**")
    assert (c.target_kind, c.target_id) == (kind, _ident(w, kind))
    assert db.session.scalar(
        db.select(Activity).where(Activity.verb == "commented", Activity.subject_id == c.id)
    )


def test_unknown_kind_or_id_is_not_found(w):
    with pytest.raises(NotFound):
        load("nosuch", 1, w.lead)
    with pytest.raises(NotFound):
        load("barriers", 999_999, w.lead)


def test_a_hidden_story_is_not_found_for_others_and_closed_for_comments(w):
    stories.hide_story(w.boss, stories.get_story(w.story.id), "Personal details.")
    with pytest.raises(NotFound):
        load("stories", w.story.id, w.member)
    # Its author and leadership still see it, but it takes no comments.
    with pytest.raises(Conflict):
        say(w.outsider, "stories", w.story.id, "Sorry")


def test_a_closed_team_is_read_only(w):
    teams.close_team(w.lead, teams.get_team(w.team.id), "Done.")
    for kind in ("teams", "initiatives", "updates"):
        with pytest.raises(Conflict):
            say(w.lead, kind, _ident(w, kind), "Still here?")


def test_a_closed_barrier_takes_no_comments(w):
    from teams_app.barriers import services as barriers

    b = barriers.get_barrier(w.barrier.id)
    barriers.resolve_barrier(
        w.lead, b, "removed", "Fixed it.", b.version, {str(w.action.id): "done"}
    )
    with pytest.raises(Conflict):
        say(w.outsider, "barriers", w.barrier.id, "Thanks")


@pytest.mark.parametrize(
    "body, problem",
    [
        ("", "Write something"),
        ("   ", "Write something"),
        ("x" * (services.BODY_MAX + 1), "at most"),
        ("<script>alert(1)</script>", "Markdown only"),
        ('<img src=x onerror="alert(1)">', "Markdown only"),
        ("[x](javascript:alert(1))", "Markdown only"),
    ],
)
def test_empty_over_long_or_unsafe_comments_are_refused(w, body, problem):
    with pytest.raises(InvalidInput) as exc:
        say(w.member, "initiatives", w.initiative.id, body)
    assert problem in exc.value.fields["body"][0]
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


def test_replies_are_one_level_deep(w):
    top = say(w.member, "initiatives", w.initiative.id, "Top")
    reply = say(w.lead, "initiatives", w.initiative.id, "Reply", parent_id=top.id)
    deeper = say(w.outsider, "initiatives", w.initiative.id, "Reply to reply", parent_id=reply.id)
    assert reply.parent_id == top.id
    assert deeper.parent_id == top.id  # joins the top-level comment's thread
    with pytest.raises(InvalidInput):  # a parent from another thread
        say(w.lead, "barriers", w.barrier.id, "Elsewhere", parent_id=top.id)


def test_a_double_submit_makes_one_comment(w):
    first = say(w.member, "initiatives", w.initiative.id, "Once", nonce="abc")
    again = say(w.member, "initiatives", w.initiative.id, "Once", nonce="abc")
    same_text = say(w.member, "initiatives", w.initiative.id, "Once")
    assert first.id == again.id == same_text.id
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 1


def test_edit_within_the_window_and_a_stale_edit_is_refused(w):
    c = say(w.member, "initiatives", w.initiative.id, "First")
    target = load("initiatives", w.initiative.id)
    edited = services.edit_comment(w.member, c, target, "Second", c.version)
    assert edited.body == "Second" and edited.edited_at is not None
    with pytest.raises(services.Stale) as exc:
        services.edit_comment(w.member, edited, target, "Third", 1)
    assert exc.value.current.body == "Second"
    with pytest.raises(NotAllowed):
        services.edit_comment(w.lead, edited, target, "Not mine", edited.version)


def test_the_edit_window_closes(w):
    c = say(w.member, "initiatives", w.initiative.id, "First")
    c.created_at = c.created_at - timedelta(minutes=16)
    db.session.commit()
    with pytest.raises(Conflict):
        services.edit_comment(w.member, c, load("initiatives", w.initiative.id), "Late", c.version)


def test_delete_leaves_a_tombstone_and_replies(w, client):
    top = say(w.member, "initiatives", w.initiative.id, "Regrettable words")
    say(w.lead, "initiatives", w.initiative.id, "A reply", parent_id=top.id)
    target = load("initiatives", w.initiative.id)
    with pytest.raises(NotAllowed):
        services.delete_comment(w.lead, top, target)
    services.delete_comment(w.member, top, target)
    login(client, w.outsider)
    html = client.get(f"/initiatives/{w.initiative.id}").get_data(as_text=True)
    assert "Comment deleted." in html and "Regrettable words" not in html and "A reply" in html


def test_leadership_hides_with_a_reason_and_the_author_is_told(w, mailbox, run_jobs, client):
    c = say(w.member, "barriers", w.barrier.id, "Unkind words")
    target = load("barriers", w.barrier.id)
    with pytest.raises(NotAllowed):
        services.hide_comment(w.lead, c, target, "No.")
    with pytest.raises(InvalidInput):
        services.hide_comment(w.boss, c, target, "  ")
    services.hide_comment(w.boss, c, target, "Please keep it kind.")
    with pytest.raises(Conflict):
        services.hide_comment(w.boss, c, target, "Again")
    assert run_jobs() == 0
    told = mailbox.to(w.member.email)
    assert told and "Please keep it kind." in told[-1].get_body(("plain",)).get_content()
    login(client, w.outsider)
    html = client.get(f"/barriers/{w.barrier.id}").get_data(as_text=True)
    assert "Hidden by leadership" in html and "Unkind words" not in html


def test_posting_through_the_page_keeps_refused_text(w, client):
    login(client, w.member)
    path = f"/initiatives/{w.initiative.id}"
    token = csrf_from(client, path)
    bad = "<script>alert('x')</script> keep me"
    r = client.post(
        f"/conversations/initiatives/{w.initiative.id}/comments",
        data={"csrf_token": token, "body": bad, "nonce": "n1"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Markdown only" in html and "keep me" in html and "<script>alert" not in html
    r = client.post(
        f"/conversations/initiatives/{w.initiative.id}/comments",
        data={"csrf_token": token, "body": "Good **point**", "nonce": "n2"},
    )
    assert r.status_code == 302 and "#comment-" in r.headers["Location"]
    r2 = client.post(
        f"/conversations/initiatives/{w.initiative.id}/comments",
        data={"csrf_token": token, "body": "Good **point**", "nonce": "n2"},
    )
    assert r2.headers["Location"] == r.headers["Location"]  # the double submit: one comment
    assert "<strong>point</strong>" in client.get(path).get_data(as_text=True)


def test_a_closed_teams_page_shows_no_comment_box(w, client):
    other = make_team(w.lead, name="Old Team", status="closed")
    login(client, w.lead)
    html = client.get(f"/teams/{other.slug}").get_data(as_text=True)
    assert "read-only" in html and "Post comment" not in html


def test_a_stale_edit_on_the_page_shows_the_saved_version(w, client):
    c = say(w.member, "initiatives", w.initiative.id, "Saved text")
    login(client, w.member)
    token = csrf_from(client, f"/comments/{c.id}/edit")
    services.edit_comment(
        w.member, c, load("initiatives", w.initiative.id), "Saved elsewhere", c.version
    )
    r = client.post(
        f"/comments/{c.id}/edit", data={"csrf_token": token, "body": "Mine", "version": "1"}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "Saved elsewhere" in html and "Mine" in html
