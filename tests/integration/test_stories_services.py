"""Impact stories: share and edit, cheers, hiding, and the Impact Story of the Month."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import Activity, Cheer, ImpactStory, utcnow
from teams_app.stories import queries, services
from teams_app.versioning import StaleEdit
from tests.factories import DepartmentFactory, UserFactory, make_story, make_team


def details(**changes: object) -> services.StoryDetails:
    d = services.StoryDetails(
        title="A lost passport found", body="We *found* it.", kind="win", no_personal_details=True
    )
    for name, value in changes.items():
        setattr(d, name, value)
    return d


def verbs(story: ImpactStory) -> list[str]:
    return list(
        db.session.scalars(
            select(Activity.verb)
            .where(Activity.subject_type == "impactstory", Activity.subject_id == story.id)
            .order_by(Activity.id)
        )
    )


# --- Share --------------------------------------------------------------------------------------


def test_any_staff_member_shares_a_story_dated_today_by_default(staff):
    story = services.share_story(staff, details(title="  A lost   passport found "))
    assert story.title == "A lost passport found"
    assert story.author_id == staff.id
    assert story.occurred_on == utcnow().date()
    assert story.no_personal_details is True
    assert story.cheer_count == 0 and not story.hidden
    assert verbs(story) == ["shared_story"]


def test_sharing_without_the_privacy_confirmation_is_refused(staff):
    with pytest.raises(InvalidInput) as exc:
        services.share_story(staff, details(no_personal_details=False))
    assert "no_personal_details" in exc.value.fields
    assert db.session.scalar(select(func.count()).select_from(ImpactStory)) == 0


def test_every_problem_is_named_at_once(staff):
    with pytest.raises(InvalidInput) as exc:
        services.share_story(
            staff,
            details(title="", body=" ", kind="meh", no_personal_details=False),
        )
    assert set(exc.value.fields) == {"title", "body", "kind", "no_personal_details"}


@pytest.mark.parametrize("title", ["x" * 161, "   "])
def test_title_is_required_and_at_most_160(staff, title):
    with pytest.raises(InvalidInput) as exc:
        services.share_story(staff, details(title=title))
    assert "title" in exc.value.fields


def test_body_is_at_most_10000_characters(staff):
    with pytest.raises(InvalidInput) as exc:
        services.share_story(staff, details(body="x" * 10_001))
    assert "body" in exc.value.fields
    assert services.share_story(staff, details(body="x" * 10_000)).id


def test_a_date_in_the_future_is_refused(staff):
    with pytest.raises(InvalidInput) as exc:
        services.share_story(staff, details(occurred_on=utcnow().date() + timedelta(days=1)))
    assert "occurred_on" in exc.value.fields


@pytest.mark.parametrize("field", ["department_id", "initiative_id", "barrier_id"])
def test_links_that_do_not_exist_are_refused(staff, field):
    with pytest.raises(InvalidInput) as exc:
        services.share_story(staff, details(**{field: 999_999}))
    assert field in exc.value.fields


def test_a_story_about_an_initiative_is_filed_in_its_teams_feed(staff):
    from teams_app.initiatives import services as initiatives

    team = make_team(staff, name="Desk Team")
    initiative = initiatives.create_initiative(staff, team, initiatives.Details(title="Queue"))
    dept = DepartmentFactory(name="Central")
    story = services.share_story(staff, details(initiative_id=initiative.id, department_id=dept.id))
    assert story.initiative.title == "Queue" and story.department.name == "Central"
    event = db.session.scalar(select(Activity).where(Activity.verb == "shared_story"))
    assert event.team_id == team.id


# --- Edit ---------------------------------------------------------------------------------------


def test_the_author_edits_their_story(staff):
    story = make_story(staff)
    edited = services.edit_story(staff, story, details(title="Better title"), story.version)
    assert edited.title == "Better title"
    assert edited.version == story.version
    assert verbs(edited)[-1] == "edited_story"


def test_someone_else_cannot_edit(staff, colleague, leader):
    story = make_story(staff)
    for other in (colleague, leader):
        with pytest.raises(NotAllowed):
            services.edit_story(other, story, details(), story.version)


def test_an_edit_without_a_version_is_refused(staff):
    story = make_story(staff)
    with pytest.raises(InvalidInput) as exc:
        services.edit_story(staff, story, details(), None)
    assert "version" in exc.value.fields


def test_a_stale_edit_is_refused_and_changes_nothing(staff):
    story = make_story(staff, title="First")
    old = story.version
    services.edit_story(staff, story, details(title="Second"), old)
    with pytest.raises(StaleEdit) as exc:
        services.edit_story(staff, services.get_story(story.id), details(title="Third"), old)
    assert exc.value.current.title == "Second"
    assert services.get_story(story.id).title == "Second"


def test_cheers_do_not_make_an_edit_stale(staff, colleague):
    story = make_story(staff)
    version = story.version
    services.cheer(colleague, story)
    edited = services.edit_story(staff, services.get_story(story.id), details(), version)
    assert edited.cheer_count == 1


# --- Cheers -------------------------------------------------------------------------------------


def test_a_colleague_cheers_once_and_can_take_it_back(staff, colleague):
    story = make_story(staff)
    assert services.cheer(colleague, story) == 1
    with pytest.raises(Conflict):
        services.cheer(colleague, story)
    assert services.get_story(story.id).cheer_count == 1
    assert services.uncheer(colleague, story) == 0
    assert db.session.scalar(select(func.count()).select_from(Cheer)) == 0
    with pytest.raises(Conflict):
        services.uncheer(colleague, story)
    assert verbs(story)[-2:] == ["cheered_story", "uncheered_story"]


def test_cheers_from_many_people_add_up(staff):
    story = make_story(staff)
    people = [UserFactory() for _ in range(4)]
    counts = [services.cheer(p, story) for p in people]
    assert counts == [1, 2, 3, 4]
    assert queries.cheered_by(people[0], [story.id]) == {story.id}
    assert queries.cheered_by(staff, [story.id]) == set()


def test_you_cannot_cheer_your_own_story(staff):
    story = make_story(staff)
    with pytest.raises(NotAllowed, match="own story"):
        services.cheer(staff, story)


def test_a_hidden_story_cannot_be_cheered(staff, colleague, leader):
    story = make_story(staff)
    services.hide_story(leader, story, "Names a customer.")
    with pytest.raises(Conflict):
        services.cheer(colleague, services.get_story(story.id))


# --- Hide and unhide ----------------------------------------------------------------------------


def test_leadership_hides_a_story_with_a_reason_and_the_author_is_told(
    staff, leader, mailbox, run_jobs
):
    story = make_story(staff, title="Too personal")
    hidden = services.hide_story(leader, story, "It names the customer.")
    assert hidden.hidden and hidden.hidden_reason == "It names the customer."
    assert hidden.hidden_by_id == leader.id and hidden.hidden_at is not None
    assert verbs(story)[-1] == "hid_story"
    assert run_jobs() == 0
    [mail] = mailbox.to(staff.email)
    assert "Too personal" in mail["Subject"]
    assert "It names the customer." in mail.get_body(preferencelist=("plain",)).get_content()


def test_hiding_needs_a_reason_and_leadership(staff, colleague, leader):
    story = make_story(staff)
    with pytest.raises(NotAllowed):
        services.hide_story(colleague, story, "Nope")
    with pytest.raises(InvalidInput) as exc:
        services.hide_story(leader, story, "  ")
    assert "reason" in exc.value.fields
    assert not services.get_story(story.id).hidden


def test_a_hidden_story_is_seen_only_by_its_author_and_leadership(staff, colleague, leader):
    story = make_story(staff)
    services.hide_story(leader, story, "Check the names.")
    assert services.get_story(story.id, staff).hidden
    assert services.get_story(story.id, leader).hidden
    with pytest.raises(NotFound):
        services.get_story(story.id, colleague)
    assert story.id not in [
        s.id for s in db.session.scalars(queries.feed_query(queries.StoryFilter()))
    ]
    flagged = db.session.scalars(queries.feed_query(queries.StoryFilter(), include_hidden=True))
    assert story.id in [s.id for s in flagged]


def test_leadership_unhides_a_story(staff, leader):
    story = make_story(staff)
    services.hide_story(leader, story, "Check the names.")
    with pytest.raises(Conflict):
        services.hide_story(leader, services.get_story(story.id), "Again")
    back = services.unhide_story(leader, services.get_story(story.id))
    assert not back.hidden and back.hidden_reason is None
    assert verbs(story)[-1] == "unhid_story"
    with pytest.raises(Conflict):
        services.unhide_story(leader, back)


# --- Story of the Month -------------------------------------------------------------------------


def test_leadership_features_a_story_of_this_month(staff, leader):
    story = make_story(staff)
    featured = services.feature_story(leader, story)
    assert featured.featured_month == services.this_month()
    assert featured.featured_by_id == leader.id
    assert queries.featured().id == story.id
    assert queries.featured_for_home().id == story.id
    event = db.session.scalar(select(Activity).where(Activity.verb == "featured_story"))
    assert event.data["month"] == services.this_month()


def test_a_later_pick_in_the_same_month_replaces_the_earlier_one(staff, leader):
    first, second = make_story(staff), make_story(staff)
    services.feature_story(leader, first)
    services.feature_story(leader, services.get_story(second.id))
    assert services.get_story(first.id).featured_month is None
    assert queries.featured().id == second.id
    event = db.session.scalars(
        select(Activity).where(Activity.verb == "featured_story").order_by(Activity.id.desc())
    ).first()
    assert event.data["replaced"] == first.title


def test_featuring_twice_or_by_staff_is_refused(staff, colleague, leader):
    story = make_story(staff)
    with pytest.raises(NotAllowed):
        services.feature_story(colleague, story)
    services.feature_story(leader, story)
    with pytest.raises(Conflict):
        services.feature_story(leader, services.get_story(story.id))


def test_a_hidden_story_cannot_be_featured(staff, leader):
    story = make_story(staff)
    services.hide_story(leader, story, "Names.")
    with pytest.raises(Conflict, match="hidden"):
        services.feature_story(leader, services.get_story(story.id))
    assert queries.featured() is None


def test_featuring_in_a_month_that_is_over_is_refused(staff, leader):
    story = make_story(staff)
    with pytest.raises(Conflict, match="over"):
        services.feature_story(leader, story, "2001-01")
    with pytest.raises(InvalidInput):
        services.feature_story(leader, story, "2999-01")
    with pytest.raises(InvalidInput):
        services.feature_story(leader, story, "2026-13")
    assert services.get_story(story.id).featured_month is None


def test_a_story_from_a_month_that_is_over_cannot_be_featured(staff, leader):
    old = utcnow().date().replace(day=1) - timedelta(days=1)
    story = make_story(staff, occurred_on=old)
    with pytest.raises(Conflict):
        services.feature_story(leader, story)


def test_the_ranking_and_the_archive(staff, leader):
    low, high = make_story(staff, title="Low"), make_story(staff, title="High")
    for person in [UserFactory() for _ in range(3)]:
        services.cheer(person, high)
    services.cheer(UserFactory(), low)
    assert [s.title for s in queries.month_ranking()] == ["High", "Low"]
    past = make_story(staff, title="Past", occurred_on=utcnow().date() - timedelta(days=70))
    row = db.session.get(ImpactStory, past.id)
    row.featured_month = "2001-02"
    db.session.commit()
    services.feature_story(leader, services.get_story(high.id))
    assert [s.title for s in queries.archive()] == ["High", "Past"]
    assert queries.featured("2001-02").title == "Past"


def test_a_barrier_reported_from_a_story_is_linked_once(staff, colleague):
    from teams_app.barriers import services as barriers

    story = make_story(staff)
    barrier = barriers.report_barrier(
        colleague,
        barriers.BarrierDetails(
            title="Forms are confusing",
            category="process",
            affects="customers",
            severity="medium",
            source="story",
        ),
    )
    assert services.link_reported_barrier(colleague, story.id, barrier) is not None
    assert services.get_story(story.id).barrier_id == barrier.id
    assert [s.id for s in queries.stories_of_barrier(barrier.id)] == [story.id]
    assert services.link_reported_barrier(colleague, story.id, barrier) is None  # already linked


def test_the_next_digest_names_the_story_of_the_month(staff, colleague, leader):
    from teams_app.digests import content

    since = utcnow() - timedelta(hours=1)
    story = make_story(staff, title="Passport found")
    assert not any(
        s.title == "Impact Story of the Month"
        for s in content.build(colleague, since, utcnow()).sections
    )
    services.feature_story(leader, story)
    until = utcnow() + timedelta(seconds=1)
    [section] = [
        s
        for s in content.build(colleague, since, until).sections
        if s.title == "Impact Story of the Month"
    ]
    assert "Passport found" in section.items[0].text
    assert section.items[0].url.endswith(f"/stories/{story.id}")
    later = content.build(colleague, until, until + timedelta(days=1))
    assert not any(s.title == "Impact Story of the Month" for s in later.sections)
