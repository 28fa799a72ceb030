"""Demo data: a library system with a dozen departments and ~40 staff at every level.

``seed()`` is idempotent: it looks people and departments up by their unique keys and only adds
what is missing, so ``make run`` can call it every time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import Department, Level, Role, Team, User, utcnow
from teams_app.people.services import find_department, find_user_by_email
from teams_app.security import hash_password

DEMO_DOMAIN = "pioneer.example"
DEMO_PASSWORDS = {
    Role.ADMIN.value: "admin demo passphrase",
    Role.LEADERSHIP.value: "leadership demo passphrase",
    Role.STAFF.value: "staff demo passphrase",
}

DEPARTMENTS = [
    ("Norman", "branch"),
    ("Moore", "branch"),
    ("Noble", "branch"),
    ("Purcell", "branch"),
    ("Shawnee", "branch"),
    ("Tecumseh", "branch"),
    ("Blanchard", "branch"),
    ("IT", "department"),
    ("HR", "department"),
    ("Marketing", "department"),
    ("Facilities", "department"),
    ("Collection Services", "department"),
    ("Administration", "department"),
]

# (name, role, level, department)
PEOPLE = [
    ("Avery Admin", "admin", "manager", "IT"),
    ("Louise Director", "leadership", "executive", "Administration"),
    ("Marcus Deputy", "leadership", "executive", "Administration"),
    ("Priya Shah", "staff", "manager", "Norman"),
    ("Daniel Okafor", "staff", "supervisor", "Norman"),
    ("Hannah Lee", "staff", "frontline", "Norman"),
    ("Jorge Ramirez", "staff", "frontline", "Norman"),
    ("Emily Clark", "staff", "specialist", "Norman"),
    ("Sam Whitehorse", "staff", "manager", "Moore"),
    ("Grace Kim", "staff", "supervisor", "Moore"),
    ("Tyler Brooks", "staff", "frontline", "Moore"),
    ("Aisha Bello", "staff", "frontline", "Moore"),
    ("Ruth Miller", "staff", "manager", "Noble"),
    ("Kevin Nguyen", "staff", "frontline", "Noble"),
    ("Olivia Harjo", "staff", "specialist", "Noble"),
    ("Carlos Mendez", "staff", "supervisor", "Purcell"),
    ("Megan Foster", "staff", "frontline", "Purcell"),
    ("Isaac Thompson", "staff", "frontline", "Purcell"),
    ("Nora Patel", "staff", "manager", "Shawnee"),
    ("Ben Carter", "staff", "frontline", "Shawnee"),
    ("Lily Chen", "staff", "specialist", "Shawnee"),
    ("Wes Redcorn", "staff", "supervisor", "Tecumseh"),
    ("Fatima Ali", "staff", "frontline", "Tecumseh"),
    ("Jake Wilson", "staff", "frontline", "Blanchard"),
    ("Chloe Martin", "staff", "supervisor", "Blanchard"),
    ("Raj Gupta", "staff", "specialist", "IT"),
    ("Tom Becker", "staff", "frontline", "IT"),
    ("Alicia Gomez", "staff", "manager", "IT"),
    ("Diane Howard", "staff", "manager", "HR"),
    ("Peter Walsh", "staff", "specialist", "HR"),
    ("Zoe Adams", "staff", "specialist", "Marketing"),
    ("Luis Herrera", "staff", "manager", "Marketing"),
    ("Frank Dunn", "staff", "supervisor", "Facilities"),
    ("Maria Rossi", "staff", "frontline", "Facilities"),
    ("Helen Park", "staff", "manager", "Collection Services"),
    ("Owen Price", "staff", "specialist", "Collection Services"),
    ("Sofia Novak", "staff", "frontline", "Collection Services"),
    ("Andre Jackson", "staff", "supervisor", "Administration"),
    ("Kate Morgan", "staff", "specialist", "Administration"),
    ("Noah Begay", "staff", "frontline", "Norman"),
    ("Ella Rogers", "staff", "frontline", "Moore"),
    ("Victor Silva", "staff", "executive", "Administration"),
]

TIMEZONE = "America/Chicago"


def demo_email(name: str) -> str:
    first, *rest = name.lower().split()
    return f"{first}.{rest[-1] if rest else 'staff'}@{DEMO_DOMAIN}"


TEAMS: list[dict[str, Any]] = [
    # name, proposer, status, open, max, problem, goal, members, requests, days ago proposed
    {
        "name": "Creating Positive Experiences",
        "proposer": "Priya Shah",
        "status": "active",
        "open": True,
        "max": None,
        "problem": "Staff are unsure how far they may go to say yes to a customer, so answers "
        "differ from branch to branch and customers leave confused.",
        "goal": "A shared customer-service philosophy every level can use to decide, and "
        "customer satisfaction up 10% in six months.",
        "scope": "All branches and the system departments that serve them.",
        "members": [
            "Hannah Lee",
            "Jorge Ramirez",
            "Emily Clark",
            "Daniel Okafor",
            "Victor Silva",
            "Diane Howard",
        ],
        "co_lead": "Daniel Okafor",
        "requests": [("Ella Rogers", "I work the Moore desk on weekends and hear a lot of these.")],
        "days": 120,
    },
    {
        "name": "Say Yes at the Desk",
        "proposer": "Sam Whitehorse",
        "status": "active",
        "open": False,
        "max": 6,
        "problem": "Desk staff refuse small requests (printing credit, renewals past the limit) "
        "because the policy is unclear.",
        "goal": "A one-page 'yes list' for the desk and fewer escalations to managers.",
        "scope": None,
        "members": ["Tyler Brooks", "Grace Kim", "Aisha Bello"],
        "requests": [("Kevin Nguyen", "Noble has the same problem; happy to pilot it there.")],
        "days": 75,
    },
    {
        "name": "Internal Customers: IT and the Branches",
        "proposer": "Alicia Gomez",
        "status": "active",
        "open": True,
        "max": 8,
        "problem": "Branch staff wait days for IT fixes and do not know where a ticket stands.",
        "goal": "Branches treated as IT's customers: a promise for response times and a status "
        "page they can read.",
        "scope": "Public computers, printers and staff laptops.",
        "members": ["Raj Gupta", "Tom Becker", "Megan Foster", "Nora Patel"],
        "requests": [],
        "days": 60,
    },
    {
        "name": "Holds Pickup Lockers",
        "proposer": "Carlos Mendez",
        "status": "proposed",
        "open": True,
        "max": 8,
        "problem": "Customers who work days cannot reach the holds shelf before closing.",
        "goal": "24-hour pickup lockers at two pilot branches.",
        "scope": None,
        "members": [],
        "requests": [],
        "days": 21,
    },
    {
        "name": "Fine-Free Fridays",
        "proposer": "Ben Carter",
        "status": "proposed",
        "open": True,
        "max": None,
        "problem": "Fines keep families with small budgets away from the library.",
        "goal": "Measure what happens to returns and visits when one day a week is fine-free.",
        "scope": None,
        "members": [],
        "requests": [],
        "days": 3,
    },
    {
        "name": "Teen Space Quiet Hours",
        "proposer": "Fatima Ali",
        "status": "declined",
        "open": True,
        "max": None,
        "problem": "Noise complaints about the teen space in the afternoons.",
        "goal": "Quiet hours in the teen space.",
        "scope": None,
        "members": [],
        "requests": [],
        "days": 50,
        "reason": "The facilities team is already redesigning the teen space; join their "
        "consultation instead so teens are heard too.",
    },
    {
        "name": "Self-Checkout Signage",
        "proposer": "Olivia Harjo",
        "status": "closed",
        "open": True,
        "max": 5,
        "problem": "Customers queue at the desk because they do not see the self-checkout.",
        "goal": "Clear signage so half of checkouts are self-service.",
        "scope": None,
        "members": ["Kevin Nguyen", "Zoe Adams", "Frank Dunn"],
        "requests": [],
        "days": 200,
        "summary": "Signs alone moved self-checkout from 31% to 44%; a staff member pointing "
        "customers to it in the first week did more than any sign. Marketing now owns the "
        "design files.",
    },
]


DAILY_READERS = {"Priya Shah", "Louise Director", "Hannah Lee"}


def _person(name: str) -> User:
    user = find_user_by_email(demo_email(name))
    assert user is not None, name
    return user


def _backdate(team: Team, days: int) -> None:
    """Spread the team's history over the past ``days`` days so the demo has a past."""
    from teams_app.models import Activity

    start = utcnow() - timedelta(days=days)
    events = db.session.scalars(
        select(Activity).where(Activity.team_id == team.id).order_by(Activity.id)
    ).all()
    step = timedelta(days=days) / (len(events) + 1)
    for i, event in enumerate(events):
        event.at = start + step * i
    team.proposed_at = start
    if team.chartered_at:
        team.chartered_at = start + step
    if team.declined_at:
        team.declined_at = start + step
    if team.closed_at:  # when its "closed the team" event says
        closing = [e.at for e in events if e.verb == "closed"]
        team.closed_at = closing[-1] if closing else start + step * len(events)
    for m in team.memberships:
        if m.joined_at:
            m.joined_at = start + step
        if m.requested_at:
            m.requested_at = start + step * len(events)


def seed_teams() -> int:
    """Teams in every state, made through the same services the app uses."""
    from teams_app.teams import services

    leaders = [_person("Louise Director"), _person("Marcus Deputy")]
    added = 0
    for i, spec in enumerate(TEAMS):
        if db.session.scalar(select(Team).where(Team.name_key == spec["name"].lower())):
            continue
        proposer = _person(spec["proposer"])
        charter = services.Charter(
            name=spec["name"],
            problem=spec["problem"],
            goal=spec["goal"],
            scope=spec["scope"],
            open_to_join=spec["open"],
            max_members=spec["max"],
        )
        team = services.propose_team(proposer, charter)
        leader = leaders[i % 2]
        if spec["status"] in ("active", "closed"):
            services.charter_team(leader, team, leader.id, "Go for it; report back monthly.")
            for name in spec["members"]:
                services.add_member(proposer, team, _person(name).id)
            if spec.get("co_lead"):
                services.set_member_role(proposer, team, _person(spec["co_lead"]).id, "lead")
            for name, message in spec["requests"]:  # a request on an ask-to-join team
                services.join_team(_person(name), team, message)
        if spec["status"] == "declined":
            services.decline_team(leader, team, spec["reason"])
        if spec["status"] == "closed":
            services.close_team(proposer, team, spec["summary"])
        team = services.get_team(team.id)
        _backdate(team, spec["days"])
        db.session.commit()
        if spec["status"] == "active":
            seed_initiatives(services.get_team(team.id))
        added += 1
    return added


# team name -> [(title, owner, [stages moved through], [(health, update)], days ago started)]
INITIATIVES: dict[str, list[tuple[str, str, list[str], list[tuple[str, str]], int]]] = {
    "Creating Positive Experiences": [
        (
            "Customer-service philosophy",
            "Priya Shah",
            ["Discover", "Plan", "Pilot", "Roll out", "Sustain", "Done"],
            [
                ("on_track", "Drafted with **all staff** at Development Day."),
                ("on_track", "Adopted by the board; posters in every branch."),
            ],
            115,
        ),
        (
            "Impact Story of the Month",
            "Emily Clark",
            ["Discover", "Plan", "Pilot", "Roll out"],
            [
                ("on_track", "First stories collected at Norman."),
                ("at_risk", "Only two branches sent stories this month; need reminders."),
            ],
            90,
        ),
        (
            "Staff survey on barriers",
            "Daniel Okafor",
            ["Discover", "Plan"],
            [("off_track", "Survey tool licence lapsed; waiting on IT.")],
            70,
        ),
        ("Yes-focused desk scripts", "Hannah Lee", ["Discover"], [], 40),
    ],
    "Say Yes at the Desk": [
        (
            "One-page yes list",
            "Sam Whitehorse",
            ["Discover", "Plan", "Pilot"],
            [
                ("on_track", "Pilot at Moore from Monday."),
                ("at_risk", "Managers unsure about renewals."),
            ],
            60,
        ),
        ("Escalation log", "Grace Kim", ["Discover", "Plan", "Discover"], [], 45),
        (
            "Fine waiver rule",
            "Grace Kim",
            ["Discover", "Plan", "Pilot", "Roll out", "Done"],
            [("on_track", "Desk staff may now waive up to **$10** once per customer a year.")],
            70,
        ),
    ],
    "Internal Customers: IT and the Branches": [
        (
            "IT ticket status page",
            "Alicia Gomez",
            ["Discover", "Plan", "Pilot"],
            [("on_track", "Status page live for two branches.")],
            50,
        ),
        ("Printer response promise", "Raj Gupta", ["Discover", "Stopped"], [], 40),
        ("Laptop swap kiosk", "Tom Becker", [], [], 20),
        (
            "Spare toner kits",
            "Raj Gupta",
            ["Discover", "Plan", "Pilot", "Done"],
            [("on_track", "Every branch has a kit; Monday jams are down by half.")],
            58,
        ),
    ],
}


# Target dates, in days from today (negative: already missed).
TARGETS = {"One-page yes list": -5, "IT ticket status page": 45, "Impact Story of the Month": 20}


def seed_initiatives(team: Team) -> None:
    """Initiatives in every stage and health, with history spread over the past weeks."""
    from teams_app.initiatives import services as initiatives
    from teams_app.initiatives.pipeline import stages
    from teams_app.models import Initiative, StageChange, StatusUpdate

    by_name = {st.name: st for st in stages()}
    for title, owner_name, path, updates, days in INITIATIVES.get(team.name, []):
        owner = _person(owner_name)
        lead = next(iter(services_leads(team)))
        item = initiatives.create_initiative(
            lead, team, initiatives.Details(title=title, owner_id=owner.id)
        )
        previous = "Idea"
        for stage_name in path:
            back = by_name[stage_name].position < by_name[previous].position
            stopping = by_name[stage_name].kind == "stopped"
            note = (
                "Not ready: back to research."
                if back
                else ("Vendor cannot commit." if stopping else None)
            )
            item = initiatives.move_initiative(lead, item, by_name[stage_name].id, note=note)
            previous = stage_name
        for health, body in updates:
            initiatives.post_update(owner, initiatives.get_initiative(item.id), health, body)
        # Spread the history over ``days`` so time in stage and staleness look real.
        start = utcnow() - timedelta(days=days)
        changes = db.session.scalars(
            select(StageChange).where(StageChange.initiative_id == item.id).order_by(StageChange.id)
        ).all()
        posts = db.session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.initiative_id == item.id)
            .order_by(StatusUpdate.id)
        ).all()
        step = timedelta(days=days) / (len(changes) + len(posts) + 1)
        for i, change in enumerate(changes):
            change.at = start + step * i
        for j, post in enumerate(posts):
            post.created_at = start + step * (len(changes) + j)
        # The feed's events for it follow the same timeline.
        from teams_app.models import Activity

        events = db.session.scalars(
            select(Activity)
            .where(Activity.subject_type == "initiative", Activity.subject_id == item.id)
            .order_by(Activity.id)
        ).all()
        event_step = timedelta(days=days) / (len(events) + 1)
        for k, event in enumerate(events):
            event.at = start + event_step * k
        fresh = db.session.get(Initiative, item.id)
        assert fresh is not None
        fresh.created_at = start
        fresh.stage_entered_at = changes[-1].at
        last = posts[-1].created_at if posts else start
        fresh.last_update_at = posts[-1].created_at if posts else None
        fresh.update_due_at = last + timedelta(days=team.update_interval_days)
        if fresh.completed_at:
            fresh.completed_at = changes[-1].at
        if title in TARGETS:  # some have a target date, one of them already missed
            fresh.target_date = (utcnow() + timedelta(days=TARGETS[title])).date()
        db.session.commit()


# Barriers: (title, description, category, affects, severity, source, reporter, department,
# team, initiative, days ago, [(action, owner, due in days, status, outcome)],
# (closed as, note, days ago, by) or None)
BARRIERS: list[tuple[Any, ...]] = [
    (
        "Holds shelf is hard to find",
        "Customers ask at the desk where their holds are; the shelf is behind the returns bin.",
        "facilities",
        "customers",
        "medium",
        "survey",
        "Hannah Lee",
        "Norman",
        "Creating Positive Experiences",
        None,
        95,
        [
            (
                "Move the holds shelf beside the entrance",
                "Jorge Ramirez",
                -60,
                "done",
                "Shelf moved; desk questions about holds fell from ~40 to ~6 a week.",
            )
        ],
        (
            "removed",
            "The shelf now sits by the entrance with a sign; questions about holds dropped by 85%.",
            12,
            "Priya Shah",
        ),
    ),
    (
        "Staff can't waive a fine under $5 without a manager",
        "Customers wait while we find a manager for small amounts; some leave.",
        "policy",
        "customers",
        "high",
        "staff",
        "Tyler Brooks",
        "Moore",
        "Say Yes at the Desk",
        "One-page yes list",
        70,
        [
            (
                "Draft the waiver rule for the yes list",
                "Sam Whitehorse",
                -20,
                "done",
                "Desk staff may waive up to $10 once per customer per year.",
            ),
            ("Brief every desk at Moore", "Grace Kim", 5, "doing", None),
        ],
        None,
    ),
    (
        "Printer jams at every branch on Mondays",
        "Public printers fill up over the weekend queue and jam; IT arrives mid-week.",
        "technology",
        "internal",
        "high",
        "staff",
        "Megan Foster",
        "Purcell",
        "Internal Customers: IT and the Branches",
        "IT ticket status page",
        55,
        [
            ("Monday morning printer check by IT", "Tom Becker", -3, "planned", None),
            ("Spare toner kit at each branch", "Raj Gupta", 10, "doing", None),
        ],
        None,
    ),
    (
        "Branches can't see where an IT ticket stands",
        "We log a ticket and hear nothing until someone turns up.",
        "communication",
        "internal",
        "medium",
        "survey",
        "Nora Patel",
        "Shawnee",
        "Internal Customers: IT and the Branches",
        "IT ticket status page",
        58,
        [
            (
                "Publish ticket status page for two pilot branches",
                "Alicia Gomez",
                -15,
                "done",
                "Live for Norman and Shawnee; 70% of branch staff used it in week one.",
            )
        ],
        ("removed", "Branches see every ticket's status on the IT status page.", 5, "Alicia Gomez"),
    ),
    (
        "Survey tool licence lapsed",
        "We cannot send the staff barrier survey until the licence is renewed.",
        "technology",
        "staff",
        "critical",
        "staff",
        "Daniel Okafor",
        "Norman",
        "Creating Positive Experiences",
        "Staff survey on barriers",
        30,
        [("Renew the survey tool licence", "Priya Shah", -7, "planned", None)],
        None,
    ),
    (
        "Weekend staff miss team updates",
        "Part-time weekend staff never see the Monday huddle notes.",
        "communication",
        "staff",
        "medium",
        "survey",
        "Ella Rogers",
        "Moore",
        "Creating Positive Experiences",
        None,
        44,
        [
            (
                "Post huddle notes on the staff room board and by mail",
                "Priya Shah",
                3,
                "planned",
                None,
            )
        ],
        None,
    ),
    (
        "No change-table in the Noble restrooms",
        "Parents with babies have asked twice this month.",
        "facilities",
        "customers",
        "low",
        "customer",
        "Kevin Nguyen",
        "Noble",
        None,
        None,
        25,
        [],
        None,
    ),
    (
        "Renewal limit of two blocks students mid-semester",
        "Students renew textbooks twice and then must return them before exams.",
        "policy",
        "customers",
        "medium",
        "customer",
        "Aisha Bello",
        "Moore",
        "Say Yes at the Desk",
        "One-page yes list",
        65,
        [
            (
                "Ask the board about a semester loan",
                "Sam Whitehorse",
                -30,
                "done",
                "The board keeps the limit for now: holds queues would grow.",
            )
        ],
        (
            "accepted",
            "The board decided to keep the two-renewal limit this year; desk staff "
            "will point students to the reserve collection instead.",
            20,
            "Sam Whitehorse",
        ),
    ),
    (
        "HR onboarding doesn't mention the service philosophy",
        "New hires learn it months later, by accident.",
        "process",
        "staff",
        "medium",
        "story",
        "Diane Howard",
        "HR",
        "Creating Positive Experiences",
        "Customer-service philosophy",
        80,
        [
            (
                "Add the philosophy to onboarding day one",
                "Diane Howard",
                -40,
                "done",
                "Added to the onboarding slides and the welcome pack.",
            )
        ],
        ("removed", "Every new hire now meets the philosophy on day one.", 45, "Priya Shah"),
    ),
    (
        "Self-checkout screens time out too fast",
        "Older customers get logged out mid-checkout.",
        "technology",
        "customers",
        "medium",
        "customer",
        "Olivia Harjo",
        "Noble",
        None,
        None,
        12,
        [],
        None,
    ),
    (
        "Facilities requests go to a shared inbox nobody owns",
        "Branch requests for repairs get lost between Facilities staff.",
        "process",
        "internal",
        "high",
        "staff",
        "Chloe Martin",
        "Blanchard",
        None,
        None,
        38,
        [],
        None,
    ),
    (
        "Norman desk is short-staffed at 5pm",
        "The after-work rush meets a shift change; queues reach the door most weekdays.",
        "staffing",
        "customers",
        "high",
        "staff",
        "Priya Shah",
        "Norman",
        None,
        None,
        40,
        [],
        (
            "removed",
            "Shifts at Norman now overlap from 4:30 to 5:30pm, and a second desk opens at 4:45.",
            4,
            "Louise Director",
        ),
    ),
    (
        "Marketing posters arrive after events start",
        "Branches get event posters a few days before the event.",
        "process",
        "internal",
        "low",
        "staff",
        "Jake Wilson",
        "Blanchard",
        None,
        None,
        150,
        [],
        None,
    ),
]


def seed_barriers() -> int:
    """Barriers in every status, with actions, made through the services and then backdated."""
    from teams_app.barriers import services as barriers
    from teams_app.models import Action, Activity, Barrier, Initiative

    added = 0
    for spec in BARRIERS:
        (
            title,
            description,
            category,
            affects,
            severity,
            source,
            reporter,
            dept,
            team_name,
            initiative_title,
            days,
            actions,
            closed,
        ) = spec
        if db.session.scalar(select(Barrier.id).where(Barrier.title == title)):
            continue
        team = db.session.scalar(select(Team).where(Team.name == team_name)) if team_name else None
        initiative = (
            db.session.scalar(select(Initiative).where(Initiative.title == initiative_title))
            if initiative_title
            else None
        )
        department = find_department(dept)
        barrier = barriers.report_barrier(
            _person(reporter),
            barriers.BarrierDetails(
                title=title,
                description=description,
                category=category,
                affects=affects,
                severity=severity,
                source=source,
                team_id=team.id if team else None,
                initiative_id=initiative.id if initiative else None,
                department_id=department.id if department else None,
            ),
        )
        start = utcnow() - timedelta(days=days)
        lead = services_leads(team)[0] if team is not None else _person("Louise Director")
        made = []
        for text, owner, due_in, status, outcome in actions:
            due = (utcnow() + timedelta(days=due_in)).date()
            action = barriers.log_action(
                lead,
                # Logged when it was still ahead; the demo's past makes some overdue now.
                barriers.ActionDetails(text, _person(owner).id, max(due, utcnow().date())),
                barrier=barriers.get_barrier(barrier.id),
            )
            action.due_on = due
            db.session.commit()
            action = barriers.get_action(action.id)
            if status != "planned":
                action = barriers.update_action(
                    _person(owner),
                    action,
                    barriers.change_for(action, status=status, outcome=outcome),
                    action.version,
                )
            made.append(action.id)
        if closed is not None:
            outcome, note, closed_days, closer = closed
            barriers.resolve_barrier(
                _person(closer), barriers.get_barrier(barrier.id), outcome, note
            )
        # Spread the history between the report and now (or the resolution).
        end = utcnow() - timedelta(days=closed[2] if closed else 0)
        fresh = db.session.get(Barrier, barrier.id)
        assert fresh is not None
        fresh.reported_at = start
        if fresh.resolved_at is not None:
            fresh.resolved_at = end
        events = db.session.scalars(
            select(Activity)
            .where(
                ((Activity.subject_type == "barrier") & (Activity.subject_id == barrier.id))
                | ((Activity.subject_type == "action") & Activity.subject_id.in_(made or [0]))
            )
            .order_by(Activity.id)
        ).all()
        step = (end - start) / max(1, len(events))
        for i, event in enumerate(events):
            event.at = start + step * i
        if closed is not None and events:
            events[-1].at = end  # the closing event
        for action_id in made:
            row = db.session.get(Action, action_id)
            if row is not None:
                row.created_at = start + step
                if row.done_at is not None:
                    row.done_at = end - step
        db.session.commit()
        added += 1
    return added


# Twelve months up to last month: flat before the first teams' work, then rising about 10%.
CUSTOMER_SATISFACTION = [3.6, 3.58, 3.62, 3.6, 3.59, 3.61, 3.66, 3.72, 3.79, 3.86, 3.93, 4.0]
STAFF_ENGAGEMENT = [6.8, 6.7, 6.9, 6.8, 6.9, 7.0, 7.1, 7.0, 7.2, 7.3, 7.3, 7.5]
# (department, months before the latest, score of 5)
DEPARTMENT_SATISFACTION = [("Norman", 1, 3.9), ("Norman", 0, 4.2), ("Moore", 0, 3.8)]


def _month_back(months: int) -> str:
    today = utcnow().date()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def seed_satisfaction() -> int:
    """A year of survey results, imported as one CSV through the service (rows already there are
    left out, so running it again adds nothing)."""
    from teams_app.models import SatisfactionResult
    from teams_app.satisfaction import services as satisfaction

    rows = []
    for i, score in enumerate(CUSTOMER_SATISFACTION):
        rows.append((_month_back(12 - i), "Customer satisfaction", score, 5, 380 + 7 * i, ""))
    for i, score in enumerate(STAFF_ENGAGEMENT):
        rows.append((_month_back(12 - i), "Staff engagement", score, 10, 140 + i, ""))
    for dept, back, score in DEPARTMENT_SATISFACTION:
        rows.append((_month_back(1 + back), "Customer satisfaction", score, 5, 60, dept))
    have = {
        (p, m, d.name if d else "")
        for p, m, d in (
            (r.period, r.metric, r.department)
            for r in db.session.scalars(select(SatisfactionResult))
        )
    }
    wanted = [r for r in rows if (r[0], r[1], r[5]) not in have]
    if not wanted:
        return 0
    lines = ["period,metric,score,scale_max,respondents,department"]
    lines += [",".join(str(v) for v in r) for r in wanted]
    return len(satisfaction.import_csv(_person("Louise Director"), "\n".join(lines)))


# (title, kind, author, department, days ago, cheered by, body). The first one is this month's
# Story of the Month; the next two were featured in the two months before; the last is hidden.
STORIES: list[tuple[str, str, str, str, int, tuple[str, ...], str]] = [
    (
        "A lost passport found before the flight",
        "recovery",
        "Hannah Lee",
        "Norman",
        3,
        ("Priya Shah", "Daniel Okafor", "Grace Kim", "Ruth Miller", "Lily Chen", "Louise Director"),
        "A traveller left a passport in a returned book. We called the airport desk and it was "
        "back with them **an hour before boarding**.\n\n- The returns check caught it\n"
        "- The airport phone number was on the staff wiki",
    ),
    (
        "Homework help night filled every table",
        "win",
        "Grace Kim",
        "Moore",
        35,
        ("Tyler Brooks", "Aisha Bello", "Hannah Lee", "Marcus Deputy"),
        "The first homework help night had *thirty* students. Teachers at the school now send "
        "families our way.",
    ),
    (
        "Holds shelf signs cut questions at the desk",
        "win",
        "Daniel Okafor",
        "Norman",
        70,
        ("Hannah Lee", "Jorge Ramirez", "Emily Clark"),
        "After the new signs went up, questions about where holds are dropped by half in a week.",
    ),
    (
        "A printer queue we could not clear",
        "failure",
        "Kevin Nguyen",
        "Noble",
        12,
        ("Ruth Miller", "Olivia Harjo"),
        "A customer waited forty minutes for a print job. We did not know how to clear the queue; "
        "now the steps are taped to the printer.",
    ),
    (
        "Card renewal over the phone",
        "recovery",
        "Megan Foster",
        "Purcell",
        100,
        ("Carlos Mendez", "Isaac Thompson", "Nora Patel"),
        "A customer whose card had expired could not come in. We renewed it by phone and mailed "
        "the receipt.",
    ),
    (
        "Storytime moved outdoors in the heat",
        "win",
        "Lily Chen",
        "Shawnee",
        150,
        ("Ben Carter", "Nora Patel"),
        "The air conditioning failed, so storytime moved under the trees. Families asked to do "
        "it again.",
    ),
    (
        "We sent a family to the wrong branch",
        "failure",
        "Fatima Ali",
        "Tecumseh",
        48,
        ("Wes Redcorn",),
        "The website listed old opening hours. We now check the hours page every Monday.",
    ),
    (
        "A complaint about a named customer",
        "failure",
        "Jake Wilson",
        "Blanchard",
        20,
        (),
        "This story named the customer involved.",
    ),
]


def seed_stories() -> int:
    """Impact stories of every kind, cheered by colleagues: this month's featured story, two
    past months' ones (set directly) and one hidden with a reason. Idempotent by title."""
    from teams_app.models import ImpactStory
    from teams_app.stories import services as stories

    added = 0
    now = utcnow()
    today = now.date()
    for index, (title, kind, author, dept, days, cheers, body) in enumerate(STORIES):
        if db.session.scalar(select(ImpactStory.id).where(ImpactStory.title == title)):
            continue
        department = find_department(dept)
        occurred = today - timedelta(days=days)
        if index == 0:  # this month's Story of the Month happened this month
            occurred = max(occurred, today.replace(day=1))
        story = stories.share_story(
            _person(author),
            stories.StoryDetails(
                title=title,
                body=body,
                kind=kind,
                no_personal_details=True,
                department_id=department.id if department else None,
                occurred_on=occurred,
            ),
        )
        # Shared the day it happened (in the afternoon, or now for today's).
        posted = datetime.combine(occurred, time(15), tzinfo=UTC)
        row = db.session.get(ImpactStory, story.id)
        assert row is not None
        row.created_at = min(posted, now)
        db.session.commit()
        for name in cheers:
            stories.cheer(_person(name), stories.get_story(story.id))
        if index == 0:
            stories.feature_story(_person("Louise Director"), stories.get_story(story.id))
        elif index in (1, 2):
            row = db.session.get(ImpactStory, story.id)
            assert row is not None
            row.featured_month = occurred.strftime("%Y-%m")
            db.session.commit()
        elif index == len(STORIES) - 1:
            stories.hide_story(
                _person("Louise Director"),
                stories.get_story(story.id),
                "It names the customer involved. Please rewrite it without their name.",
            )
        added += 1
    return added


def services_leads(team: Team) -> list[User]:
    from teams_app.teams.services import leads_of

    return leads_of(team)


def seed() -> str:
    from teams_app.conversations.demo import seed_conversations

    departments: dict[str, Department] = {}
    added_depts = 0
    for name, kind in DEPARTMENTS:
        dept = find_department(name)
        if dept is None:
            dept = Department(name=name, name_key=name.lower(), kind=kind)
            db.session.add(dept)
            added_depts += 1
        departments[name] = dept
    db.session.flush()

    hashes = {role: hash_password(pw) for role, pw in DEMO_PASSWORDS.items()}
    added_people = 0
    for name, role, level, dept_name in PEOPLE:
        email = demo_email(name)
        if find_user_by_email(email) is not None:
            continue
        assert level in {lv.value for lv in Level}
        db.session.add(
            User(
                email=email,
                name=name,
                role=role,
                level=level,
                department_id=departments[dept_name].id,
                password_hash=hashes[role],
                timezone=TIMEZONE,
                # Long-serving staff: their digests cover the weeks the demo history spans.
                created_at=utcnow() - timedelta(days=365),
                # A few read a daily digest; the rest keep the weekly default (Monday 08:00).
                digest_frequency="daily" if name in DAILY_READERS else "weekly",
            )
        )
        added_people += 1
    db.session.commit()
    added_teams = seed_teams()
    added_barriers = seed_barriers()
    seed_stories()
    seed_satisfaction()
    seed_outbox()
    seed_identities()
    seed_conversations([demo_email(name) for name, *_ in PEOPLE[:4]])

    lines = [
        f"Demo data: {added_depts} departments, {added_people} people, {added_teams} teams and "
        f"{added_barriers} barriers added ({len(DEPARTMENTS)} departments, {len(PEOPLE)} "
        f"people, {len(TEAMS)} teams, {len(BARRIERS)} barriers in the demo).",
        "Demo accounts (sign in with these):",
    ]
    for name, role, _level, _dept in PEOPLE[:4]:
        lines.append(f"  {role:<10} {demo_email(name):<34} password: {DEMO_PASSWORDS[role]}")
    lines.append(f"  ...every other demo person is staff, password: {DEMO_PASSWORDS['staff']}")
    lines.append(
        f"  Demo IdP (single sign-on): username = the address before @ (or jamie.newhire, "
        f"new here), password: {DEMO_IDP_PASSWORD}"
    )
    lines.append("Who leads what (sign in as a lead to move cards on a team's board):")
    for spec in TEAMS:
        lead = spec["proposer"] + (f" and {spec['co_lead']}" if spec.get("co_lead") else "")
        lines.append(f"  {spec['name']} ({spec['status']}): {lead}")
    return "\n".join(lines)


def seed_outbox() -> None:
    """One mail that failed every try (as during an SMTP outage), so the operations page shows
    a failed job and its Resend button. Keyed, so a second seed adds nothing."""
    from teams_app.models import OutboxJob, OutboxStatus

    key = "demo:password-reset-during-smtp-outage"
    if db.session.scalar(select(OutboxJob.id).where(OutboxJob.key == key)) is not None:
        return
    person = find_user_by_email(demo_email(PEOPLE[5][0]))
    if person is None:
        return
    db.session.add(
        OutboxJob(
            key=key,
            func="jobs.mail.send_password_reset",
            args=[person.id],
            queue="mail",
            retry_intervals=[10, 60, 300],
            status=OutboxStatus.FAILED.value,
            attempts=4,
            created_at=utcnow() - timedelta(hours=3),
            finished_at=utcnow() - timedelta(hours=2, minutes=54),
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        )
    )
    db.session.commit()


# --- Single sign-on: the demo's own OpenID provider ------------------------------------------
# `make run` starts the test provider (tests/oidc, npm's oidc-provider) as "Demo IdP" when
# Node.js is installed, and signs people in with it like Microsoft 365 or Google Workspace would.

DEMO_IDP_KEY = "demo"
DEMO_IDP_PASSWORD = "idp demo passphrase"
DEMO_IDP_GROUPS = {Role.ADMIN.value: ["mt-admins"], Role.LEADERSHIP.value: ["mt-leadership"]}
# Demo people whose work account is already linked, so the admin list shows identities at once.
LINKED_AT_START = ("Hannah Lee", "Jorge Ramirez", "Louise Director")


def _idp_login(email: str) -> str:
    return email.split("@")[0]


def demo_idp_accounts() -> dict[str, dict[str, Any]]:
    """Who the demo provider knows: every demo person (same address, groups for their role), a
    new hire with no account yet (their first sign-in makes one) and a contractor whose address
    is outside the allowed domain (refused)."""
    accounts: dict[str, dict[str, Any]] = {}
    for name, role, _level, _dept in PEOPLE:
        email = demo_email(name)
        accounts[_idp_login(email)] = {
            "sub": f"demo-{_idp_login(email)}",
            "password": DEMO_IDP_PASSWORD,
            "email": email,
            "email_verified": True,
            "name": name,
            "groups": DEMO_IDP_GROUPS.get(role, []),
        }
    for login, name, email in (
        ("jamie.newhire", "Jamie Newhire", f"jamie.newhire@{DEMO_DOMAIN}"),
        ("casey.contractor", "Casey Contractor", "casey@contractor.example"),
    ):
        accounts[login] = {
            "sub": f"demo-{login}",
            "password": DEMO_IDP_PASSWORD,
            "email": email,
            "email_verified": True,
            "name": name,
            "groups": [],
        }
    return accounts


def seed_identities() -> int:
    """Link a few demo people to their Demo IdP account (idempotent)."""
    from teams_app.models import UserIdentity

    added = 0
    for name in LINKED_AT_START:
        user = _person(name)
        subject = f"demo-{_idp_login(user.email)}"
        if any(i.provider == DEMO_IDP_KEY for i in user.identities):
            continue
        db.session.add(
            UserIdentity(user=user, provider=DEMO_IDP_KEY, subject=subject, email=user.email)
        )
        added += 1
    db.session.commit()
    return added
