"""Issue 18's journey in a real Chromium: a frontline colleague starts reporting a barrier that
is already on the register and says "me too" with a comment instead; the barrier's lead replies
and mentions a colleague through the typeahead; the colleague finds it in the inbox (at the exact
comment) and in the mail, follows the barrier and is told when it is removed; leadership hides an
unkind comment and its author is told. The API agrees."""

from __future__ import annotations

import re

import pytest

from teams_app.barriers import services as barriers
from teams_app.conversations import services as conversations
from teams_app.conversations.targets import load
from teams_app.extensions import db
from teams_app.models import Barrier, Comment
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, UserFactory, make_team

pytestmark = pytest.mark.browser

SUPPORT_NOTE = "also at Moore, every Saturday"
REASON = "Please keep it about the work, not the people."


def switch(page, server, user):
    """Sign in as ``user`` in a fresh browser context (its own cookie jar)."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    fresh = context.new_page()
    page.context.close()
    sign_in(fresh, server, user.email, PASSWORD)
    return fresh


def comment_with(text: str) -> Comment:
    db.session.expire_all()
    return db.session.query(Comment).filter(Comment.body.contains(text)).one()


def test_me_too_reply_mention_inbox_follow_and_hide(app, server, page, api_as, mailbox, run_jobs):
    fran = UserFactory(name="Fran Frontline", email="fran@library.example", level="frontline")
    lead = UserFactory(name="Priya Shah", level="manager")
    cam = UserFactory(name="Cam Colleague", email="cam@library.example")
    sam = UserFactory(name="Sam Sharp", email="sam@library.example")
    boss = UserFactory(name="Bea Boss", role="leadership")
    team = make_team(lead, name="Creating Positive Experiences")
    barrier = barriers.report_barrier(
        lead,
        barriers.BarrierDetails(
            title="Holds pickup hours too short",
            category="policy",
            affects="customers",
            severity="medium",
            source="staff",
            team_id=team.id,
        ),
    )
    conversations.add_comment(
        sam,
        load("barriers", barrier.id, sam),
        "Whoever set these hours never stood at a desk.",
    )
    url = f"{server}/barriers/{barrier.id}"

    # 1. Fran starts a duplicate report; the suggestion offers "me too" instead.
    sign_in(page, server, fran.email, PASSWORD)
    page.get_by_role("link", name="Report a barrier").first.click()
    page.get_by_label("What stands in the way?").fill("Holds pickup hours")
    suggestion = page.locator("#similar-barriers li", has_text="Holds pickup hours too short")
    suggestion.wait_for()
    shot(page, "conversation-similar-me-too")
    suggestion.get_by_role("link", name="Me too: add my support").click()
    page.wait_for_url(re.compile(rf"/barriers/{barrier.id}\b"))
    page.get_by_label("Add what you see (optional)").fill(SUPPORT_NOTE)
    page.get_by_role("button", name="Add my “me too”").click()
    page.get_by_text("Thank you: your “me too” is counted.").wait_for()
    assert page.locator("[data-support-count]").inner_text() == "1 “me too”"
    fran_says = page.get_by_role("article", name="Comment by Fran Frontline")
    assert SUPPORT_NOTE in fran_says.inner_text()
    assert page.get_by_role("button", name="Take back my “me too”").is_visible()
    assert db.session.query(Barrier).count() == 1  # no duplicate filed
    fran_comment = comment_with(SUPPORT_NOTE)

    # 2. The lead replies and mentions Cam, picked from the typeahead.
    page = switch(page, server, lead)
    page.goto(f"{url}#{fran_comment.anchor}")
    reply = page.locator(f"#reply-{fran_comment.id}")
    reply.locator("xpath=..").locator("summary", has_text="Reply to this").click()
    box = reply.get_by_label("Reply")
    box.press_sequentially("Thanks Fran. @Cam", delay=20)
    suggestions = reply.get_by_role("listbox", name="People to mention")
    suggestions.get_by_role("option", name=re.compile(r"^Cam Colleague")).click()
    assert box.input_value() == "Thanks Fran. @Cam Colleague "
    box.press_sequentially("can you check the Saturday rota at Moore?", delay=5)
    shot(page, "conversation-mention-typeahead")
    reply.get_by_role("button", name="Reply").click()
    page.get_by_text("Your comment is posted.").wait_for()
    lead_reply = comment_with("Saturday rota")
    assert page.url.endswith(f"#{lead_reply.anchor}")
    assert [m.user_id for m in lead_reply.mentions] == [cam.id]
    assert "Cam Colleague" in page.locator(f"#{lead_reply.anchor}").inner_text()

    # 3. Cam: the header counts it, the inbox opens the exact comment, and a mail came.
    page = switch(page, server, cam)
    unread = page.locator("#nav-inbox [data-unread]")
    assert unread.inner_text().startswith("1")
    page.goto(f"{server}/inbox/preferences")
    mentions = page.get_by_role("group", name="Someone mentions you")
    mail_choice = mentions.get_by_label("Inbox and mail at once")
    if not mail_choice.is_checked():  # mail for mentions is the default; choose it if not
        mail_choice.check()
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Saved.").wait_for()
    assert (
        page.get_by_role("group", name="Someone mentions you")
        .get_by_label("Inbox and mail at once")
        .is_checked()
    )
    page.locator("#nav-inbox").click()
    notice = page.get_by_role("button", name="Priya Shah mentioned you on “Holds pickup hours")
    shot(page, "conversation-inbox")
    notice.click()
    page.wait_for_url(re.compile(rf"/barriers/{barrier.id}#{lead_reply.anchor}$"))
    assert page.locator(f"#{lead_reply.anchor}").is_visible()
    assert page.locator("#nav-inbox [data-unread]").count() == 0  # opened means read
    assert run_jobs() == 0
    mail = mailbox.to(cam.email)
    assert len(mail) == 1, [m["Subject"] for m in mail]
    text = mail[0].get_body(preferencelist=("plain",)).get_content()
    assert "Saturday rota" in text and f"#{lead_reply.anchor}" in text

    # 4. Cam follows the barrier; the lead removes it; Cam is told.
    page.get_by_role("button", name="Follow", exact=True).click()
    page.get_by_text("Following: you will hear about comments and changes.").wait_for()
    assert page.get_by_role("button", name="Following ✓ · Unfollow").is_visible()
    page = switch(page, server, lead)
    page.goto(url)
    page.get_by_label("Removed: it no longer stands in the way").check()
    page.get_by_label("Resolution note").fill("Pickup now runs until closing, Saturdays too.")
    page.get_by_role("button", name="Close barrier").click()
    page.get_by_text("Closed as removed.").wait_for()
    assert run_jobs() == 0
    page = switch(page, server, cam)
    assert page.locator("#nav-inbox [data-unread]").inner_text().startswith("1")
    page.locator("#nav-inbox").click()
    page.get_by_role(
        "button",
        name="Priya Shah closed the barrier “Holds pickup hours too short” as removed",
    ).wait_for()
    page.get_by_role("link", name="Following").click()
    followed = page.get_by_role("listitem").filter(has_text="Holds pickup hours too short")
    assert "Barrier" in followed.inner_text() and "(automatic)" not in followed.inner_text()
    shot(page, "conversation-following")

    # 5. Leadership hides Sam's unkind comment with a reason; others see it hidden; Sam is told.
    unkind = comment_with("never stood at a desk")
    page = switch(page, server, boss)
    page.goto(url)
    page.get_by_role("article", name="Comment by Sam Sharp").get_by_role(
        "link", name="Hide…"
    ).click()
    page.get_by_label("Why hide it?").fill(REASON)
    page.get_by_role("button", name="Hide comment").click()
    page.get_by_text("The comment is hidden. Its author is told why.").wait_for()
    page = switch(page, server, cam)
    page.goto(url)
    hidden = page.get_by_role("article", name="Comment by Sam Sharp")
    assert f"Hidden by leadership: “{REASON}”" in hidden.inner_text()
    assert "never stood at a desk" not in hidden.inner_text()
    shot(page, "conversation-hidden-comment")
    assert run_jobs() == 0
    told = mailbox.to(sam.email)
    assert len(told) == 1 and REASON in told[0].get_body(("plain",)).get_content()

    # The API says the same.
    body = api_as(cam).get(f"/barriers/{barrier.id}").get_json()
    assert (body["status"], body["support_count"]) == ("removed", 1)
    thread = api_as(cam).get(f"/barriers/{barrier.id}/comments").get_json()
    by_id = {c["id"]: c for c in thread["items"]}
    assert (by_id[unkind.id]["hidden"], by_id[unkind.id]["body"]) == (True, "")
    assert by_id[lead_reply.id]["parent_id"] == fran_comment.id
    assert [m["id"] for m in by_id[lead_reply.id]["mentions"]] == [cam.id]
    inbox = api_as(cam).get("/me/notifications").get_json()
    assert sorted(n["kind"] for n in inbox["items"]) == ["change", "mention"]
    follows = api_as(cam).get("/me/follows").get_json()
    assert any(f["kind"] == "barriers" and f["id"] == barrier.id for f in follows["items"])
    page.context.close()
