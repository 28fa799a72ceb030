"""The demo's content: a library system with a dozen departments and ~40 staff at every level.

Only rows here, named and typed; ``builders.py`` turns them into data through the services, and
``seed()`` in ``__init__.py`` runs them. People, teams and initiatives are named by their names
(or titles); "days" is how long ago something started, so the demo always has a recent past.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from teams_app.models import Role

DEMO_DOMAIN = "pioneer.example"
DEMO_PASSWORDS = {
    Role.ADMIN.value: "admin demo passphrase",
    Role.LEADERSHIP.value: "leadership demo passphrase",
    Role.STAFF.value: "staff demo passphrase",
}
TIMEZONE = "America/Chicago"
# A few read a daily digest; the rest keep the weekly default (Monday 08:00).
DAILY_READERS = {"Priya Shah", "Louise Director", "Hannah Lee"}
# Long-serving staff: their digests cover the weeks the demo history spans.
PEOPLE_JOINED_DAYS_AGO = 365
# What leadership says when chartering a demo team.
CHARTER_NOTE = "Go for it; report back monthly."
# The note on an initiative's move back a stage, and on its stop.
BACK_NOTE = "Not ready: back to research."
STOP_NOTE = "Vendor cannot commit."
# Logs the actions on barriers no team has taken on.
LEAD_WITHOUT_TEAM = "Louise Director"
# Features this month's Story of the Month and hides the story that names a customer.
STORY_CURATOR = "Louise Director"


def demo_email(name: str) -> str:
    first, *rest = name.lower().split()
    return f"{first}.{rest[-1] if rest else 'staff'}@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class DepartmentRow:
    name: str
    kind: str  # "branch" or "department"


@dataclass(frozen=True)
class PersonRow:
    name: str
    role: str
    level: str
    department: str

    @property
    def email(self) -> str:
        return demo_email(self.name)


@dataclass(frozen=True)
class JoinRequestRow:
    """Someone asking to join an ask-to-join team."""

    person: str
    message: str


@dataclass(frozen=True)
class UpdateRow:
    """A status update on an initiative."""

    health: str
    body: str


@dataclass(frozen=True)
class InitiativeRow:
    title: str
    owner: str
    path: tuple[str, ...]  # the stages it moved through, in order (back moves and stops too)
    updates: tuple[UpdateRow, ...]
    days: int  # started this many days ago
    target_in_days: int | None = None  # a target date this many days from today (< 0: missed)


@dataclass(frozen=True)
class TeamRow:
    name: str
    proposer: str  # proposes it and leads it
    sponsor: str  # the leadership member who charters (or declines) it
    status: str  # proposed, active, declined or closed
    open_to_join: bool
    max_members: int | None
    problem: str
    goal: str
    scope: str | None
    days: int  # proposed this many days ago
    members: tuple[str, ...] = ()
    co_lead: str | None = None
    requests: tuple[JoinRequestRow, ...] = ()
    decline_reason: str | None = None
    closing_summary: str | None = None
    initiatives: tuple[InitiativeRow, ...] = ()


@dataclass(frozen=True)
class ActionRow:
    description: str
    owner: str
    due_in_days: int  # from today; < 0: already due (overdue unless done)
    status: str
    outcome: str | None


@dataclass(frozen=True)
class ResolutionRow:
    outcome: str  # removed or accepted
    note: str
    days_ago: int
    by: str


@dataclass(frozen=True)
class BarrierRow:
    title: str
    description: str
    category: str
    affects: str
    severity: str
    source: str
    reporter: str
    department: str
    team: str | None
    initiative: str | None
    days: int  # reported this many days ago
    actions: tuple[ActionRow, ...] = ()
    resolution: ResolutionRow | None = None


@dataclass(frozen=True)
class StoryRow:
    title: str
    kind: str
    author: str
    department: str
    days: int  # happened this many days ago (and was shared that afternoon)
    cheered_by: tuple[str, ...]
    body: str
    # "now": this month's Story of the Month, featured through the service (it happened this
    # month); "in its month": a past month's, set directly.
    featured: Literal["now", "in its month"] | None = None
    hidden_reason: str | None = None


@dataclass(frozen=True)
class DepartmentResultRow:
    department: str
    months_back: int  # before the latest month
    score: float  # of 5


DEPARTMENTS = [
    DepartmentRow("Norman", "branch"),
    DepartmentRow("Moore", "branch"),
    DepartmentRow("Noble", "branch"),
    DepartmentRow("Purcell", "branch"),
    DepartmentRow("Shawnee", "branch"),
    DepartmentRow("Tecumseh", "branch"),
    DepartmentRow("Blanchard", "branch"),
    DepartmentRow("IT", "department"),
    DepartmentRow("HR", "department"),
    DepartmentRow("Marketing", "department"),
    DepartmentRow("Facilities", "department"),
    DepartmentRow("Collection Services", "department"),
    DepartmentRow("Administration", "department"),
]


PEOPLE = [
    PersonRow("Avery Admin", "admin", "manager", "IT"),
    PersonRow("Louise Director", "leadership", "executive", "Administration"),
    PersonRow("Marcus Deputy", "leadership", "executive", "Administration"),
    PersonRow("Priya Shah", "staff", "manager", "Norman"),
    PersonRow("Daniel Okafor", "staff", "supervisor", "Norman"),
    PersonRow("Hannah Lee", "staff", "frontline", "Norman"),
    PersonRow("Jorge Ramirez", "staff", "frontline", "Norman"),
    PersonRow("Emily Clark", "staff", "specialist", "Norman"),
    PersonRow("Sam Whitehorse", "staff", "manager", "Moore"),
    PersonRow("Grace Kim", "staff", "supervisor", "Moore"),
    PersonRow("Tyler Brooks", "staff", "frontline", "Moore"),
    PersonRow("Aisha Bello", "staff", "frontline", "Moore"),
    PersonRow("Ruth Miller", "staff", "manager", "Noble"),
    PersonRow("Kevin Nguyen", "staff", "frontline", "Noble"),
    PersonRow("Olivia Harjo", "staff", "specialist", "Noble"),
    PersonRow("Carlos Mendez", "staff", "supervisor", "Purcell"),
    PersonRow("Megan Foster", "staff", "frontline", "Purcell"),
    PersonRow("Isaac Thompson", "staff", "frontline", "Purcell"),
    PersonRow("Nora Patel", "staff", "manager", "Shawnee"),
    PersonRow("Ben Carter", "staff", "frontline", "Shawnee"),
    PersonRow("Lily Chen", "staff", "specialist", "Shawnee"),
    PersonRow("Wes Redcorn", "staff", "supervisor", "Tecumseh"),
    PersonRow("Fatima Ali", "staff", "frontline", "Tecumseh"),
    PersonRow("Jake Wilson", "staff", "frontline", "Blanchard"),
    PersonRow("Chloe Martin", "staff", "supervisor", "Blanchard"),
    PersonRow("Raj Gupta", "staff", "specialist", "IT"),
    PersonRow("Tom Becker", "staff", "frontline", "IT"),
    PersonRow("Alicia Gomez", "staff", "manager", "IT"),
    PersonRow("Diane Howard", "staff", "manager", "HR"),
    PersonRow("Peter Walsh", "staff", "specialist", "HR"),
    PersonRow("Zoe Adams", "staff", "specialist", "Marketing"),
    PersonRow("Luis Herrera", "staff", "manager", "Marketing"),
    PersonRow("Frank Dunn", "staff", "supervisor", "Facilities"),
    PersonRow("Maria Rossi", "staff", "frontline", "Facilities"),
    PersonRow("Helen Park", "staff", "manager", "Collection Services"),
    PersonRow("Owen Price", "staff", "specialist", "Collection Services"),
    PersonRow("Sofia Novak", "staff", "frontline", "Collection Services"),
    PersonRow("Andre Jackson", "staff", "supervisor", "Administration"),
    PersonRow("Kate Morgan", "staff", "specialist", "Administration"),
    PersonRow("Noah Begay", "staff", "frontline", "Norman"),
    PersonRow("Ella Rogers", "staff", "frontline", "Moore"),
    PersonRow("Victor Silva", "staff", "executive", "Administration"),
]


TEAMS = [
    TeamRow(
        name="Creating Positive Experiences",
        proposer="Priya Shah",
        sponsor="Louise Director",
        status="active",
        open_to_join=True,
        max_members=None,
        problem="Staff are unsure how far they may go to say yes to a customer, so answers "
        "differ from branch to branch and customers leave confused.",
        goal="A shared customer-service philosophy every level can use to decide, and customer "
        "satisfaction up 10% in six months.",
        scope="All branches and the system departments that serve them.",
        days=120,
        members=(
            "Hannah Lee",
            "Jorge Ramirez",
            "Emily Clark",
            "Daniel Okafor",
            "Victor Silva",
            "Diane Howard",
        ),
        co_lead="Daniel Okafor",
        requests=(
            JoinRequestRow(
                "Ella Rogers", "I work the Moore desk on weekends and hear a lot of these."
            ),
        ),
        initiatives=(
            InitiativeRow(
                title="Customer-service philosophy",
                owner="Priya Shah",
                path=("Discover", "Plan", "Pilot", "Roll out", "Sustain", "Done"),
                updates=(
                    UpdateRow("on_track", "Drafted with **all staff** at Development Day."),
                    UpdateRow("on_track", "Adopted by the board; posters in every branch."),
                ),
                days=115,
            ),
            InitiativeRow(
                title="Impact Story of the Month",
                owner="Emily Clark",
                path=("Discover", "Plan", "Pilot", "Roll out"),
                updates=(
                    UpdateRow("on_track", "First stories collected at Norman."),
                    UpdateRow(
                        "at_risk", "Only two branches sent stories this month; need reminders."
                    ),
                ),
                days=90,
                target_in_days=20,
            ),
            InitiativeRow(
                title="Staff survey on barriers",
                owner="Daniel Okafor",
                path=("Discover", "Plan"),
                updates=(UpdateRow("off_track", "Survey tool licence lapsed; waiting on IT."),),
                days=70,
            ),
            InitiativeRow(
                title="Holds shelf by the entrance",
                owner="Hannah Lee",
                path=("Discover", "Plan", "Pilot"),
                updates=(
                    UpdateRow("on_track", "Norman pilot: the shelf moved beside the entrance."),
                    UpdateRow("on_track", "Signs up; Moore and Noble want to follow."),
                ),
                days=80,
                target_in_days=30,
            ),
            InitiativeRow(
                title="Yes-focused desk scripts",
                owner="Hannah Lee",
                path=("Discover",),
                updates=(),
                days=40,
            ),
        ),
    ),
    TeamRow(
        name="Say Yes at the Desk",
        proposer="Sam Whitehorse",
        sponsor="Marcus Deputy",
        status="active",
        open_to_join=False,
        max_members=6,
        problem="Desk staff refuse small requests (printing credit, renewals past the limit) "
        "because the policy is unclear.",
        goal="A one-page 'yes list' for the desk and fewer escalations to managers.",
        scope=None,
        days=75,
        members=("Tyler Brooks", "Grace Kim", "Aisha Bello"),
        requests=(
            JoinRequestRow("Kevin Nguyen", "Noble has the same problem; happy to pilot it there."),
        ),
        initiatives=(
            InitiativeRow(
                title="One-page yes list",
                owner="Sam Whitehorse",
                path=("Discover", "Plan", "Pilot"),
                updates=(
                    UpdateRow("on_track", "Pilot at Moore from Monday."),
                    UpdateRow("at_risk", "Managers unsure about renewals."),
                ),
                days=60,
                target_in_days=-5,
            ),
            InitiativeRow(
                title="Escalation log",
                owner="Grace Kim",
                path=("Discover", "Plan", "Discover"),
                updates=(),
                days=45,
            ),
            InitiativeRow(
                title="Fine waiver rule",
                owner="Grace Kim",
                path=("Discover", "Plan", "Pilot", "Roll out", "Done"),
                updates=(
                    UpdateRow(
                        "on_track",
                        "Desk staff may now waive up to **$10** once per customer a year.",
                    ),
                ),
                days=70,
            ),
        ),
    ),
    TeamRow(
        name="Internal Customers: IT and the Branches",
        proposer="Alicia Gomez",
        sponsor="Louise Director",
        status="active",
        open_to_join=True,
        max_members=8,
        problem="Branch staff wait days for IT fixes and do not know where a ticket stands.",
        goal="Branches treated as IT's customers: a promise for response times and a status page "
        "they can read.",
        scope="Public computers, printers and staff laptops.",
        days=60,
        members=("Raj Gupta", "Tom Becker", "Megan Foster", "Nora Patel"),
        initiatives=(
            InitiativeRow(
                title="IT ticket status page",
                owner="Alicia Gomez",
                path=("Discover", "Plan", "Pilot"),
                updates=(UpdateRow("on_track", "Status page live for two branches."),),
                days=50,
                target_in_days=45,
            ),
            InitiativeRow(
                title="Printer response promise",
                owner="Raj Gupta",
                path=("Discover", "Stopped"),
                updates=(),
                days=40,
            ),
            InitiativeRow(
                title="Laptop swap kiosk", owner="Tom Becker", path=(), updates=(), days=20
            ),
            InitiativeRow(
                title="Spare toner kits",
                owner="Raj Gupta",
                path=("Discover", "Plan", "Pilot", "Done"),
                updates=(
                    UpdateRow("on_track", "Every branch has a kit; Monday jams are down by half."),
                ),
                days=58,
            ),
        ),
    ),
    TeamRow(
        name="Holds Pickup Lockers",
        proposer="Carlos Mendez",
        sponsor="Marcus Deputy",
        status="proposed",
        open_to_join=True,
        max_members=8,
        problem="Customers who work days cannot reach the holds shelf before closing.",
        goal="24-hour pickup lockers at two pilot branches.",
        scope=None,
        days=21,
        members=(),
    ),
    TeamRow(
        name="Fine-Free Fridays",
        proposer="Ben Carter",
        sponsor="Louise Director",
        status="proposed",
        open_to_join=True,
        max_members=None,
        problem="Fines keep families with small budgets away from the library.",
        goal="Measure what happens to returns and visits when one day a week is fine-free.",
        scope=None,
        days=3,
        members=(),
    ),
    TeamRow(
        name="Teen Space Quiet Hours",
        proposer="Fatima Ali",
        sponsor="Marcus Deputy",
        status="declined",
        open_to_join=True,
        max_members=None,
        problem="Noise complaints about the teen space in the afternoons.",
        goal="Quiet hours in the teen space.",
        scope=None,
        days=50,
        members=(),
        decline_reason="The facilities team is already redesigning the teen space; join their "
        "consultation instead so teens are heard too.",
    ),
    TeamRow(
        name="Self-Checkout Signage",
        proposer="Olivia Harjo",
        sponsor="Louise Director",
        status="closed",
        open_to_join=True,
        max_members=5,
        problem="Customers queue at the desk because they do not see the self-checkout.",
        goal="Clear signage so half of checkouts are self-service.",
        scope=None,
        days=200,
        members=("Kevin Nguyen", "Zoe Adams", "Frank Dunn"),
        closing_summary="Signs alone moved self-checkout from 31% to 44%; a staff member "
        "pointing customers to it in the first week did more than any sign. Marketing now owns "
        "the design files.",
    ),
]


BARRIERS = [
    BarrierRow(
        title="Holds shelf is hard to find",
        description="Customers ask at the desk where their holds are; the shelf is behind the "
        "returns bin.",
        category="facilities",
        affects="customers",
        severity="medium",
        source="survey",
        reporter="Hannah Lee",
        department="Norman",
        team="Creating Positive Experiences",
        initiative="Holds shelf by the entrance",
        days=95,
        actions=(
            ActionRow(
                "Move the holds shelf beside the entrance",
                "Jorge Ramirez",
                due_in_days=-60,
                status="done",
                outcome="Shelf moved; desk questions about holds fell from ~40 to ~6 a week.",
            ),
        ),
        resolution=ResolutionRow(
            "removed",
            "The shelf now sits by the entrance with a sign; questions about holds dropped by 85%.",
            days_ago=12,
            by="Priya Shah",
        ),
    ),
    BarrierRow(
        title="Staff can't waive a fine under $5 without a manager",
        description="Customers wait while we find a manager for small amounts; some leave.",
        category="policy",
        affects="customers",
        severity="high",
        source="staff",
        reporter="Tyler Brooks",
        department="Moore",
        team="Say Yes at the Desk",
        initiative="One-page yes list",
        days=70,
        actions=(
            ActionRow(
                "Draft the waiver rule for the yes list",
                "Sam Whitehorse",
                due_in_days=-20,
                status="done",
                outcome="Desk staff may waive up to $10 once per customer per year.",
            ),
            ActionRow(
                "Brief every desk at Moore",
                "Grace Kim",
                due_in_days=5,
                status="doing",
                outcome=None,
            ),
        ),
    ),
    BarrierRow(
        title="Printer jams at every branch on Mondays",
        description="Public printers fill up over the weekend queue and jam; IT arrives mid-week.",
        category="technology",
        affects="internal",
        severity="high",
        source="staff",
        reporter="Megan Foster",
        department="Purcell",
        team="Internal Customers: IT and the Branches",
        initiative="IT ticket status page",
        days=55,
        actions=(
            ActionRow(
                "Monday morning printer check by IT",
                "Tom Becker",
                due_in_days=-3,
                status="planned",
                outcome=None,
            ),
            ActionRow(
                "Spare toner kit at each branch",
                "Raj Gupta",
                due_in_days=10,
                status="doing",
                outcome=None,
            ),
        ),
    ),
    BarrierRow(
        title="Branches can't see where an IT ticket stands",
        description="We log a ticket and hear nothing until someone turns up.",
        category="communication",
        affects="internal",
        severity="medium",
        source="survey",
        reporter="Nora Patel",
        department="Shawnee",
        team="Internal Customers: IT and the Branches",
        initiative="IT ticket status page",
        days=58,
        actions=(
            ActionRow(
                "Publish ticket status page for two pilot branches",
                "Alicia Gomez",
                due_in_days=-15,
                status="done",
                outcome="Live for Norman and Shawnee; 70% of branch staff used it in week one.",
            ),
        ),
        resolution=ResolutionRow(
            "removed",
            "Branches see every ticket's status on the IT status page.",
            days_ago=5,
            by="Alicia Gomez",
        ),
    ),
    BarrierRow(
        title="Survey tool licence lapsed",
        description="We cannot send the staff barrier survey until the licence is renewed.",
        category="technology",
        affects="staff",
        severity="critical",
        source="staff",
        reporter="Daniel Okafor",
        department="Norman",
        team="Creating Positive Experiences",
        initiative="Staff survey on barriers",
        days=30,
        actions=(
            ActionRow(
                "Renew the survey tool licence",
                "Priya Shah",
                due_in_days=-7,
                status="planned",
                outcome=None,
            ),
        ),
    ),
    BarrierRow(
        title="Weekend staff miss team updates",
        description="Part-time weekend staff never see the Monday huddle notes.",
        category="communication",
        affects="staff",
        severity="medium",
        source="survey",
        reporter="Ella Rogers",
        department="Moore",
        team="Creating Positive Experiences",
        initiative=None,
        days=44,
        actions=(
            ActionRow(
                "Post huddle notes on the staff room board and by mail",
                "Priya Shah",
                due_in_days=3,
                status="planned",
                outcome=None,
            ),
        ),
    ),
    BarrierRow(
        title="No change-table in the Noble restrooms",
        description="Parents with babies have asked twice this month.",
        category="facilities",
        affects="customers",
        severity="low",
        source="customer",
        reporter="Kevin Nguyen",
        department="Noble",
        team=None,
        initiative=None,
        days=25,
    ),
    BarrierRow(
        title="Renewal limit of two blocks students mid-semester",
        description="Students renew textbooks twice and then must return them before exams.",
        category="policy",
        affects="customers",
        severity="medium",
        source="customer",
        reporter="Aisha Bello",
        department="Moore",
        team="Say Yes at the Desk",
        initiative="One-page yes list",
        days=65,
        actions=(
            ActionRow(
                "Ask the board about a semester loan",
                "Sam Whitehorse",
                due_in_days=-30,
                status="done",
                outcome="The board keeps the limit for now: holds queues would grow.",
            ),
        ),
        resolution=ResolutionRow(
            "accepted",
            "The board decided to keep the two-renewal limit this year; desk staff will point "
            "students to the reserve collection instead.",
            days_ago=20,
            by="Sam Whitehorse",
        ),
    ),
    BarrierRow(
        title="HR onboarding doesn't mention the service philosophy",
        description="New hires learn it months later, by accident.",
        category="process",
        affects="staff",
        severity="medium",
        source="story",
        reporter="Diane Howard",
        department="HR",
        team="Creating Positive Experiences",
        initiative="Customer-service philosophy",
        days=80,
        actions=(
            ActionRow(
                "Add the philosophy to onboarding day one",
                "Diane Howard",
                due_in_days=-40,
                status="done",
                outcome="Added to the onboarding slides and the welcome pack.",
            ),
        ),
        resolution=ResolutionRow(
            "removed",
            "Every new hire now meets the philosophy on day one.",
            days_ago=45,
            by="Priya Shah",
        ),
    ),
    BarrierRow(
        title="Self-checkout screens time out too fast",
        description="Older customers get logged out mid-checkout.",
        category="technology",
        affects="customers",
        severity="medium",
        source="customer",
        reporter="Olivia Harjo",
        department="Noble",
        team=None,
        initiative=None,
        days=12,
    ),
    BarrierRow(
        title="Facilities requests go to a shared inbox nobody owns",
        description="Branch requests for repairs get lost between Facilities staff.",
        category="process",
        affects="internal",
        severity="high",
        source="staff",
        reporter="Chloe Martin",
        department="Blanchard",
        team=None,
        initiative=None,
        days=38,
    ),
    BarrierRow(
        title="Norman desk is short-staffed at 5pm",
        description="The after-work rush meets a shift change; queues reach the door most "
        "weekdays.",
        category="staffing",
        affects="customers",
        severity="high",
        source="staff",
        reporter="Priya Shah",
        department="Norman",
        team=None,
        initiative=None,
        days=40,
        resolution=ResolutionRow(
            "removed",
            "Shifts at Norman now overlap from 4:30 to 5:30pm, and a second desk opens at 4:45.",
            days_ago=4,
            by="Louise Director",
        ),
    ),
    BarrierRow(
        title="Marketing posters arrive after events start",
        description="Branches get event posters a few days before the event.",
        category="process",
        affects="internal",
        severity="low",
        source="staff",
        reporter="Jake Wilson",
        department="Blanchard",
        team=None,
        initiative=None,
        days=150,
    ),
]


STORIES = [
    StoryRow(
        title="A lost passport found before the flight",
        kind="recovery",
        author="Hannah Lee",
        department="Norman",
        days=3,
        cheered_by=(
            "Priya Shah",
            "Daniel Okafor",
            "Grace Kim",
            "Ruth Miller",
            "Lily Chen",
            "Louise Director",
        ),
        body="A traveller left a passport in a returned book. We called the airport desk and it "
        "was back with them **an hour before boarding**.\n\n- The returns check caught it\n- The "
        "airport phone number was on the staff wiki",
        featured="now",
    ),
    StoryRow(
        title="Homework help night filled every table",
        kind="win",
        author="Grace Kim",
        department="Moore",
        days=35,
        cheered_by=("Tyler Brooks", "Aisha Bello", "Hannah Lee", "Marcus Deputy"),
        body="The first homework help night had *thirty* students. Teachers at the school now "
        "send families our way.",
        featured="in its month",
    ),
    StoryRow(
        title="Holds shelf signs cut questions at the desk",
        kind="win",
        author="Daniel Okafor",
        department="Norman",
        days=70,
        cheered_by=("Hannah Lee", "Jorge Ramirez", "Emily Clark"),
        body="After the new signs went up, questions about where holds are dropped by half in a "
        "week.",
        featured="in its month",
    ),
    StoryRow(
        title="A printer queue we could not clear",
        kind="failure",
        author="Kevin Nguyen",
        department="Noble",
        days=12,
        cheered_by=("Ruth Miller", "Olivia Harjo"),
        body="A customer waited forty minutes for a print job. We did not know how to clear the "
        "queue; now the steps are taped to the printer.",
    ),
    StoryRow(
        title="Card renewal over the phone",
        kind="recovery",
        author="Megan Foster",
        department="Purcell",
        days=100,
        cheered_by=("Carlos Mendez", "Isaac Thompson", "Nora Patel"),
        body="A customer whose card had expired could not come in. We renewed it by phone and "
        "mailed the receipt.",
    ),
    StoryRow(
        title="Storytime moved outdoors in the heat",
        kind="win",
        author="Lily Chen",
        department="Shawnee",
        days=150,
        cheered_by=("Ben Carter", "Nora Patel"),
        body="The air conditioning failed, so storytime moved under the trees. Families asked to "
        "do it again.",
    ),
    StoryRow(
        title="We sent a family to the wrong branch",
        kind="failure",
        author="Fatima Ali",
        department="Tecumseh",
        days=48,
        cheered_by=("Wes Redcorn",),
        body="The website listed old opening hours. We now check the hours page every Monday.",
    ),
    StoryRow(
        title="A complaint about a named customer",
        kind="failure",
        author="Jake Wilson",
        department="Blanchard",
        days=20,
        cheered_by=(),
        body="This story named the customer involved.",
        hidden_reason="It names the customer involved. Please rewrite it without their name.",
    ),
]


# Twelve months up to last month: flat before the first teams' work, then rising about 10%.
CUSTOMER_SATISFACTION = [3.6, 3.58, 3.62, 3.6, 3.59, 3.61, 3.66, 3.72, 3.79, 3.86, 3.93, 4.0]
STAFF_ENGAGEMENT = [6.8, 6.7, 6.9, 6.8, 6.9, 7.0, 7.1, 7.0, 7.2, 7.3, 7.3, 7.5]
DEPARTMENT_SATISFACTION = [
    DepartmentResultRow("Norman", 1, 3.9),
    DepartmentResultRow("Norman", 0, 4.2),
    DepartmentResultRow("Moore", 0, 3.8),
]
SATISFACTION_IMPORTED_BY = "Louise Director"

# One mail that failed every try (as during an SMTP outage), for the operations page.
FAILED_MAIL_KEY = "demo:password-reset-during-smtp-outage"
FAILED_MAIL_FOR = "Hannah Lee"

# --- Single sign-on: the demo's own OpenID provider ------------------------------------------
# `make run` starts the test provider (tests/oidc, npm's oidc-provider) as "Demo IdP" when
# Node.js is installed, and signs people in with it like Microsoft 365 or Google Workspace would.

DEMO_IDP_KEY = "demo"
DEMO_IDP_PASSWORD = "idp demo passphrase"
DEMO_IDP_GROUPS = {Role.ADMIN.value: ["mt-admins"], Role.LEADERSHIP.value: ["mt-leadership"]}
# Demo people whose work account is already linked, so the admin list shows identities at once.
LINKED_AT_START = ("Hannah Lee", "Jorge Ramirez", "Louise Director")
# Known to the provider without a demo account: a new hire (their first sign-in makes one) and a
# contractor whose address is outside the allowed domain (refused).
IDP_ONLY_ACCOUNTS = (
    ("jamie.newhire", "Jamie Newhire", f"jamie.newhire@{DEMO_DOMAIN}"),
    ("casey.contractor", "Casey Contractor", "casey@contractor.example"),
)
