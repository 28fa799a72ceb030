"""A page read in parts ("recently updated": updated ones, then never updated) holds the same
rows in the same order as one query sorted in full would."""

from __future__ import annotations

from datetime import timedelta

from teams_app.extensions import db
from teams_app.initiatives import queries, services
from teams_app.models import Initiative, utcnow
from tests.factories import make_team


def test_recently_updated_pages_match_the_full_sort_across_the_boundary(staff):
    team = make_team(staff, name="Paged Team")
    for i in range(7):
        services.create_initiative(staff, team, services.Details(title=f"Item {i}"))
    now = utcnow()
    for n, item in enumerate(db.session.scalars(db.select(Initiative).order_by(Initiative.id))):
        if n % 2 == 0:  # four updated, at times out of id order; three never updated
            item.last_update_at = now - timedelta(hours=(n * 5) % 7)
    db.session.commit()
    f = queries.InitiativeFilter(team_id=team.id)
    expected = [i.id for i in db.session.scalars(queries.list_query(f)).unique()]
    pages = [queries.list_page(f, page, 3) for page in (1, 2, 3)]
    assert [i.id for p in pages for i in p.items] == expected
    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert {p.total for p in pages} == {7} and pages[0].pages == 3
    assert queries.list_page(f, 4, 3).items == []
