"""A small world for conversations: an active team (lead, member), an outsider, an initiative
with an update, a barrier the team works on (reported by the outsider), an action, a story."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from teams_app.barriers import services as barriers
from teams_app.conversations import services
from teams_app.conversations.targets import load
from teams_app.initiatives import services as initiatives
from teams_app.teams import services as teams
from tests.factories import UserFactory, make_story, make_team


@pytest.fixture
def w(app):
    lead = UserFactory(name="Lena Lead")
    member = UserFactory(name="Milo Member")
    outsider = UserFactory(name="Olga Outsider")
    boss = UserFactory(name="Bea Boss", role="leadership")
    team = make_team(lead, name="Desk Team", members=(member,))
    initiative = initiatives.create_initiative(
        lead, teams.get_team(team.id), initiatives.Details(title="Shorter queues")
    )
    update = initiatives.post_update(
        lead, initiatives.get_initiative(initiative.id), "on_track", "Going well."
    )
    barrier = barriers.report_barrier(
        outsider,
        barriers.BarrierDetails(
            title="Printer jams",
            category="technology",
            affects="customers",
            severity="high",
            source="staff",
            team_id=team.id,
        ),
    )
    action = barriers.log_action(
        lead, barriers.ActionDetails("Call the vendor"), barrier=barriers.get_barrier(barrier.id)
    )
    story = make_story(outsider, title="A found passport")
    return SimpleNamespace(
        lead=lead,
        member=member,
        outsider=outsider,
        boss=boss,
        team=team,
        initiative=initiative,
        update=update,
        barrier=barrier,
        action=action,
        story=story,
    )


def say(person, kind, ident, body, **kw):
    return services.add_comment(person, load(kind, ident, person), body, **kw)
