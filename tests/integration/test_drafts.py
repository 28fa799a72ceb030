"""A form sent after the session expired loses nothing: what was typed is kept server-side and
put back into the form once the person is signed in again, with a plain message."""

from __future__ import annotations

import json
import re
from html import unescape

from sqlalchemy import func, select

from teams_app.auth.services import end_all_sessions
from teams_app.extensions import db
from teams_app.models import FormDraft
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD

STORY = {
    "title": "The airport desk",
    "kind": "recovery",
    "body": "A long story, typed for twenty minutes.\n\n- It has a list\n- and **Markdown**",
    "no_personal_details": "y",
}
HERE = {"Origin": "http://localhost", "Referer": "http://localhost/stories/new"}


def restored(html: str) -> dict[str, str] | None:
    """The fields the page hands to drafts.js, or None when it hands none."""
    found = re.search(r"data-fields='([^']*)'", html)
    return dict(json.loads(unescape(found.group(1)))) if found else None


def test_a_story_sent_after_the_session_expired_is_back_after_signing_in(app, staff):
    browser = app.test_client()  # its session expired: no cookie left
    refused = browser.post("/stories/new", data=STORY, headers=HERE)
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith("/auth/login?next=/stories/new")
    login_page = browser.get("/auth/login?next=/stories/new").get_data(as_text=True)
    assert "Sign in again and you will be back on the form with what you typed" in login_page
    assert "CSRF" not in login_page

    token = csrf_from(browser, "/auth/login")
    signed_in = browser.post(
        "/auth/login?next=/stories/new",
        data={"email": staff.email, "password": PASSWORD, "csrf_token": token},
    )
    assert signed_in.headers["Location"] == "/stories/new"
    form = browser.get("/stories/new").get_data(as_text=True)
    assert restored(form) == {k: v for k, v in STORY.items()}
    assert "js/drafts.js" in form
    # Handed over once: the next visit is a blank form, and the table holds nothing.
    assert restored(browser.get("/stories/new").get_data(as_text=True)) is None
    assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 0


def test_signed_out_elsewhere_the_status_update_survives_too(app, client, staff):
    from teams_app.initiatives.services import Details, create_initiative
    from tests.factories import make_team

    team = make_team(staff)
    item = create_initiative(staff, team, Details(title="Desk rota"))
    login(client, staff)
    token = csrf_from(client, f"/initiatives/{item.id}")
    end_all_sessions(staff)  # "sign out everywhere" from another device
    page = f"http://localhost/initiatives/{item.id}"
    refused = client.post(
        f"/initiatives/{item.id}/updates",
        data={"csrf_token": token, "health": "at_risk", "body": "Rota slipped a week."},
        headers={"Origin": "http://localhost", "Referer": page},
    )
    assert refused.headers["Location"].endswith(f"/auth/login?next=/initiatives/{item.id}")
    login(client, staff)
    html = client.get(f"/initiatives/{item.id}").get_data(as_text=True)
    assert restored(html) == {"health": "at_risk", "body": "Rota slipped a week."}


def test_a_remembered_person_goes_straight_back_to_the_form(app, staff):
    browser = app.test_client()
    token = csrf_from(browser, "/auth/login")
    browser.post(
        "/auth/login",
        data={"email": staff.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    browser.delete_cookie("session")  # the session ended; "keep me signed in" did not
    refused = browser.post("/stories/new", data=STORY, headers=HERE)
    assert refused.headers["Location"] == "/stories/new"
    html = browser.get("/stories/new").get_data(as_text=True)
    assert "What you typed is back in the form" in html
    assert restored(html)["title"] == "The airport desk"


def test_passwords_are_never_kept(app, staff):
    browser = app.test_client()
    browser.post(
        "/account/password",
        data={
            "current_password": "old secret words",
            "new_password": "new secret words",
            "confirm": "new secret words",
        },
        headers={"Origin": "http://localhost", "Referer": "http://localhost/account/"},
    )
    assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 0


def test_a_post_from_another_site_keeps_nothing(app, staff):
    browser = app.test_client()
    answer = browser.post("/stories/new", data=STORY, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403  # refused before the form is read (teams_app/same_site.py)
    assert STORY["title"] not in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 0
