"""A world to search: the holds shelf barrier, the initiative working on it, a story and a
comment that mention it, a person, and things only some may find."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from teams_app.barriers import services as barriers
from teams_app.conversations import services as conversations
from teams_app.conversations.targets import load
from teams_app.initiatives import services as initiatives
from teams_app.teams import services as teams
from tests.factories import UserFactory, make_story, make_team


@pytest.fixture
def s(app):
    lead = UserFactory(name="Lena Lead")
    member = UserFactory(name="Milo Member")
    staff = UserFactory(name="Sam Staff")
    boss = UserFactory(name="Bea Boss", role="leadership")
    team = make_team(lead, name="Pickup Team", members=(member,))
    barrier = barriers.report_barrier(
        staff,
        barriers.BarrierDetails(
            title="Holds shelf is hard to find",
            description="Customers ask where their holds are; it sits behind the returns bin.",
            category="facilities",
            affects="customers",
            severity="medium",
            source="staff",
            team_id=team.id,
        ),
    )
    initiative = initiatives.create_initiative(
        lead,
        teams.get_team(team.id),
        initiatives.Details(title="Holds shelf by the entrance", summary="Move it and sign it."),
    )
    story = make_story(
        staff,
        title="Signs cut questions at the desk",
        body="After the new signs, questions about the holds shelf dropped by half.",
    )
    comment = conversations.add_comment(
        member,
        load("initiatives", initiative.id, member),
        "We talked about the holds shelf at the huddle: Saturday works for the move.",
    )
    return SimpleNamespace(
        lead=lead, member=member, staff=staff, boss=boss, team=team, barrier=barrier,
        initiative=initiative, story=story, comment=comment,
    )  # fmt: skip
