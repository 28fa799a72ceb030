"""Demo data: a library system with a dozen departments and ~40 staff at every level.

``seed()`` is idempotent: it looks people and departments up by their unique keys and only adds
what is missing, so ``make run`` can call it every time.
"""

from __future__ import annotations

from teams_app.extensions import db
from teams_app.models import Department, Level, Role, User
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


def seed() -> str:
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
            )
        )
        added_people += 1
    db.session.commit()

    lines = [
        f"Demo data: {added_depts} departments and {added_people} people added "
        f"({len(DEPARTMENTS)} departments, {len(PEOPLE)} people in the demo).",
        "Demo accounts (sign in with these):",
    ]
    for name, role, _level, _dept in PEOPLE[:4]:
        lines.append(f"  {role:<10} {demo_email(name):<34} password: {DEMO_PASSWORDS[role]}")
    lines.append(f"  ...every other demo person is staff, password: {DEMO_PASSWORDS['staff']}")
    return "\n".join(lines)
