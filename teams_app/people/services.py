"""Rules for people and departments: invitations, roles, activation, profiles, the directory."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from teams_app import audit
from teams_app.activity import Verb, record
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import (
    Department,
    DepartmentKind,
    DigestFrequency,
    Level,
    Role,
    User,
    utcnow,
)
from teams_app.permissions import can, change_role_problem, deactivate_problem
from teams_app.queue import enqueue_mail_after_commit
from teams_app.security import (
    LinkError,
    hash_password,
    link_matches,
    make_link_token,
    password_problems,
    read_link_token,
    verify_password,
)
from teams_app.urls import external_url
from teams_app.validation import choice, required_text

NAME_MAX = 120
WRONG_PASSWORD = "Your current password is not correct."
DEPARTMENT_NAME_MAX = 80


def normalise_email(email: str) -> str:
    return email.strip().lower()


def checked_email(email: str) -> str:
    """A syntactically valid, normalised address (no DNS look-up: tests and intranets)."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput.on("email", f"Enter a valid email address ({exc}).") from exc
    return normalise_email(result.normalized)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such person.")
    return user


def visible_user(viewer: User, user_id: int) -> User:
    """The person ``viewer`` may see; anyone they may not see answers 404, as a missing one."""
    user = db.session.get(User, user_id)
    if user is None or not can(viewer, "view_person", user):
        raise NotFound("No such person.")
    return user


def checked_department(department_id: int | None) -> int | None:
    """``department_id`` if that department exists (None stays None); else InvalidInput."""
    if department_id is None:
        return None
    if db.session.get(Department, department_id) is None:
        raise InvalidInput.on("department_id", "Choose a department from the list.")
    return department_id


def checked_name(name: str) -> str:
    """A person's name: stripped, not blank, at most NAME_MAX characters; else InvalidInput."""
    return required_text("name", name, NAME_MAX, "Enter a name.")


# --- Invitations and administration ----------------------------------------------------------


def invite_user(
    actor: User,
    *,
    email: str,
    name: str,
    role: str = Role.STAFF.value,
    level: str = Level.FRONTLINE.value,
    department_id: int | None = None,
) -> User:
    """Create a pending account and queue its invitation mail (sent after commit)."""
    if not can(actor, "manage_users"):
        raise NotAllowed("Only admins can invite staff.")
    email = checked_email(email)
    user = User(
        email=email,
        name=checked_name(name),
        role=choice("role", role, Role, "role"),
        level=choice("level", level, Level, "level"),
        department_id=checked_department(department_id),
        invited_at=utcnow(),
        invited_by_id=actor.id,
    )
    if find_user_by_email(email) is not None:
        raise _email_taken()
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        # Another request added this address between the look-up above and this insert.
        db.session.rollback()
        raise _email_taken() from exc
    record(actor, Verb.INVITED, user, email=email, role=user.role)
    enqueue_mail_after_commit("jobs.mail.send_invitation", user.id, actor.id)
    db.session.commit()
    audit.record("user.invited", actor=actor, object=user, role=user.role)
    return user


def _email_taken(field: str = "email") -> Conflict:
    return Conflict(
        "Someone with this email already has an account.",
        fields={field: ["Someone with this email already has an account."]},
    )


def resend_invitation(actor: User, user: User) -> None:
    if not can(actor, "manage_users"):
        raise NotAllowed("Only admins can invite staff.")
    if not user.is_pending:
        raise Conflict(f"{user.name} has already accepted the invitation.")
    if not user.active:
        raise Conflict(f"{user.name}'s account is deactivated; reactivate it first.")
    user.invited_at = utcnow()
    record(actor, Verb.REINVITED, user)
    enqueue_mail_after_commit("jobs.mail.send_invitation", user.id, actor.id)
    db.session.commit()


@dataclass(frozen=True)
class AuditNote:
    """An audit event to write once the change is committed."""

    event: str
    detail: dict[str, str]


def _refusal(actor: User, problem: str) -> NotAllowed | InvalidInput:
    """A rule's refusal: 403 for someone who may not manage people, 422 for an admin's mistake."""
    return (NotAllowed if not actor.is_admin else InvalidInput)(problem)


def _active_problem(actor: User, user: User, active: bool) -> str | None:
    """Why ``actor`` may not deactivate (or reactivate) ``user``; None when allowed."""
    if not active:
        return deactivate_problem(actor, user)
    if not can(actor, "manage_users"):
        return "Only admins can reactivate accounts."
    return None


def _check_change(actor: User, user: User, role: str | None, active: bool | None) -> None:
    """Refuse the whole change when either part of it is not allowed."""
    if role is not None and (problem := change_role_problem(actor, user, role)):
        raise _refusal(actor, problem)
    if active is not None and (problem := _active_problem(actor, user, active)):
        raise _refusal(actor, problem)


def _apply_role(actor: User, user: User, role: str) -> AuditNote | None:
    """Give ``user`` the role (recorded); the audit note to write after the commit."""
    if user.role == role:
        return None
    before = user.role
    record(actor, Verb.CHANGED_ROLE, user, before=before, after=role)
    user.role = role
    return AuditNote("user.role_changed", {"before": before, "after": role})


def _apply_active(actor: User, user: User, active: bool) -> AuditNote | None:
    """(De)activate ``user`` (recorded); deactivation ends their sessions and tokens."""
    if user.active == active:
        return None
    user.active = active
    if not active:
        user.session_version += 1
    record(actor, Verb.REACTIVATED if active else Verb.DEACTIVATED, user)
    return AuditNote("user.reactivated" if active else "user.deactivated", {})


def change_user(
    actor: User, user: User, *, role: str | None = None, active: bool | None = None
) -> User:
    """An admin changes a person's role and/or deactivates or reactivates them: both parts
    are checked before either is written, then land in one commit. Deactivation ends every
    session and stops every API token of that person at once."""
    _check_change(actor, user, role, active)
    notes = [
        note
        for note in (
            _apply_role(actor, user, role) if role is not None else None,
            _apply_active(actor, user, active) if active is not None else None,
        )
        if note is not None
    ]
    if notes:
        db.session.commit()
    for note in notes:
        audit.record(note.event, actor=actor, object=user, **note.detail)
    return user


def set_role(actor: User, user: User, role: str) -> User:
    return change_user(actor, user, role=role)


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivation ends every session and stops every API token of that person at once."""
    return change_user(actor, user, active=active)


def end_sessions(actor: User, user: User) -> User:
    """An admin signs a person out everywhere (a lost laptop, a shared account): every
    session and remember cookie ends; API tokens are revoked separately."""
    if not can(actor, "manage_users"):
        raise NotAllowed("Only admins can end other people's sessions.")
    user.session_version += 1
    record(actor, Verb.ENDED_SESSIONS, user)
    db.session.commit()
    audit.record("user.sessions_ended", actor=actor, object=user)
    return user


# --- Profiles ------------------------------------------------------------------------------


@dataclass
class ProfileChanges:
    name: str | None = None
    level: str | None = None
    department_id: int | None = None
    clear_department: bool = False
    timezone: str | None = None
    digest_frequency: str | None = None
    digest_weekday: int | None = None
    digest_hour: int | None = None


def _check_choices(changes: ProfileChanges) -> None:
    """Refuse a level, department, time zone or digest frequency that is not on offer."""
    if changes.level is not None:
        choice("level", changes.level, Level, "level")
    if changes.department_id is not None:
        checked_department(changes.department_id)
    if changes.timezone is not None and changes.timezone not in available_timezones():
        raise InvalidInput.on(
            "timezone", "Choose a time zone from the list, such as America/Chicago."
        )
    if changes.digest_frequency is not None:
        choice("digest_frequency", changes.digest_frequency, DigestFrequency, "frequency")


def _check_digest_time(changes: ProfileChanges) -> None:
    """Refuse a digest weekday or hour out of range."""
    if changes.digest_weekday is not None and not 0 <= changes.digest_weekday <= 6:
        raise InvalidInput.on("digest_weekday", "Choose a weekday from 0 (Monday) to 6 (Sunday).")
    if changes.digest_hour is not None and not 0 <= changes.digest_hour <= 23:
        raise InvalidInput.on("digest_hour", "Choose an hour from 0 to 23.")


def _apply_profile(user: User, changes: ProfileChanges, name: str) -> None:
    """Write the checked changes onto ``user``; fields left as None stay as they are."""
    user.name = name
    for attr in ("level", "timezone", "digest_frequency", "digest_weekday", "digest_hour"):
        value = getattr(changes, attr)
        if value is not None:
            setattr(user, attr, value)
    if changes.department_id is not None:
        user.department_id = changes.department_id
    elif changes.clear_department:
        user.department_id = None


def update_profile(user: User, changes: ProfileChanges) -> User:
    """A person edits their own profile; every field is checked before anything changes."""
    user_name = checked_name(changes.name) if changes.name is not None else user.name
    _check_choices(changes)
    _check_digest_time(changes)
    _apply_profile(user, changes, user_name)
    record(user, Verb.UPDATED_PROFILE, user)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> User:
    """Change a password; every other session of this person ends."""
    ok, _ = verify_password(user.password_hash, current)
    if not ok:
        audit.record("password.change_failed", actor=user, object=user)
        raise InvalidInput.on("current_password", WRONG_PASSWORD)
    problems = password_problems(new, email=user.email, name=user.name)
    if problems:
        raise InvalidInput("Choose a stronger password.", fields={"new_password": problems})
    user.password_hash = hash_password(new)
    user.session_version += 1
    record(user, Verb.CHANGED_PASSWORD, user)
    db.session.commit()
    audit.record("password.changed", actor=user, object=user)
    return user


def request_email_change(user: User, new_email: str, current_password: str) -> str:
    """Start changing one's sign-in address: the password is asked again (a session left open
    on a shared computer must not be enough), and the change happens only when the link mailed
    to the new address is used, which proves it is theirs. The old address is told."""
    ok, _ = verify_password(user.password_hash, current_password)
    if not ok:
        audit.record("password.change_failed", actor=user, object=user, during="email_change")
        raise InvalidInput.on("current_password", WRONG_PASSWORD)
    email = checked_email(new_email)
    if email == user.email:
        raise InvalidInput.on("new_email", "That is already your address.")
    if find_user_by_email(email) is not None:
        raise _email_taken(field="new_email")
    enqueue_mail_after_commit("jobs.mail.send_email_change_link", user.id, email)
    enqueue_mail_after_commit("jobs.mail.send_email_change_notice", user.id, email)
    db.session.commit()
    audit.record("email.change_requested", actor=user, object=user, to=email)
    return email


def email_change_url(user: User, new_email: str) -> str:
    token = make_link_token("email", user.id, user.password_hash, to=new_email, was=user.email)
    return external_url("account.confirm_email", token=token)


def email_change_for_link(token: str) -> tuple[User, str]:
    """The person and new address an email-change link was made for, while it is valid: it
    expires like a reset link, and dies if the address or the password changed since."""
    data = read_link_token("email", token, current_app.config["RESET_MAX_AGE"])
    user = db.session.get(User, int(data["uid"]))
    if (
        user is None
        or not user.active
        or not link_matches(data, user.password_hash)
        or data.get("was") != user.email
        or not isinstance(data.get("to"), str)
    ):
        raise LinkError("This link has already been used or is no longer valid.")
    return user, str(data["to"])


def confirm_email_change(token: str) -> User:
    user, email = email_change_for_link(token)
    if find_user_by_email(email) is not None:
        raise LinkError("Someone else has taken that address since. Ask for the change again.")
    before = user.email
    user.email = email
    record(user, Verb.CHANGED_EMAIL, user)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise LinkError("Someone else has taken that address since.") from exc
    audit.record("email.changed", actor=user, object=user, before=before, after=email)
    return user


# --- Departments ---------------------------------------------------------------------------


def list_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name_key)))


def department_choices() -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in list_departments()]


def find_department(name: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.name_key == name.strip().lower()))


def _department_name(name: str) -> str:
    return required_text("name", name, DEPARTMENT_NAME_MAX, "Enter a department name.")


def create_department(actor: User | None, name: str, kind: str = "branch") -> Department:
    """Create a department; names are unique regardless of case. ``actor`` None means the CLI."""
    if actor is not None and not can(actor, "manage_departments"):
        raise NotAllowed("Only admins can manage departments.")
    name = _department_name(name)
    choice("kind", kind, DepartmentKind, "kind")
    if find_department(name) is not None:
        raise Conflict(
            f"A department named {name!r} already exists.",
            fields={"name": ["A department with this name already exists."]},
        )
    dept = Department(name=name, name_key=name.lower(), kind=kind)
    db.session.add(dept)
    db.session.flush()
    if actor is not None:
        record(actor, Verb.CREATED_DEPARTMENT, dept, name=name)
    db.session.commit()
    return dept


def update_department(actor: User, dept: Department, name: str, kind: str) -> Department:
    if not can(actor, "manage_departments"):
        raise NotAllowed("Only admins can manage departments.")
    name = _department_name(name)
    choice("kind", kind, DepartmentKind, "kind")
    other = find_department(name)
    if other is not None and other.id != dept.id:
        raise Conflict(
            f"A department named {name!r} already exists.",
            fields={"name": ["A department with this name already exists."]},
        )
    record(actor, Verb.UPDATED_DEPARTMENT, dept, before=dept.name, after=name)
    dept.name, dept.name_key, dept.kind = name, name.lower(), kind
    db.session.commit()
    return dept


def delete_department(actor: User, dept: Department) -> None:
    """Only an empty department can be deleted: people must be moved first."""
    if not can(actor, "manage_departments"):
        raise NotAllowed("Only admins can manage departments.")
    count = db.session.scalar(select(func.count()).where(User.department_id == dept.id)) or 0
    if count:
        raise Conflict(
            f"{dept.name} still has {count} staff; move them to another department first."
        )
    record(actor, Verb.DELETED_DEPARTMENT, dept, name=dept.name)
    db.session.delete(dept)
    db.session.commit()


def department_staff_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(User.department_id, func.count()).group_by(User.department_id)
    ).all()
    return {dept_id: n for dept_id, n in rows if dept_id is not None}


# --- Directory -----------------------------------------------------------------------------


@dataclass
class DirectoryFilter:
    q: str = ""
    department_id: int | None = None
    level: str | None = None
    role: str | None = None
    include_inactive: bool = False
    include_pending: bool = False  # invited or signed up, address not yet confirmed: admins only
    search_email: bool = False  # admins only: others never see addresses
    with_identities: bool = False  # load linked sign-in identities too (the admin list shows them)


def directory_query(f: DirectoryFilter) -> Select[tuple[User]]:
    """Staff matching the filter, by name. Searches name (and email) case-insensitively."""
    stmt = (
        select(User).options(joinedload(User.department)).order_by(func.lower(User.name), User.id)
    )
    if f.with_identities:
        stmt = stmt.options(selectinload(User.identities))
    if not f.include_inactive:
        stmt = stmt.where(User.active.is_(True))
    if not f.include_pending:
        stmt = stmt.where(User.password_hash.is_not(None))
    if f.q:
        q = f.q.strip().lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        like = f"%{q}%"  # what was typed, literally: "%" and "_" are not wildcards here
        name_match = func.lower(User.name).like(like, escape="\\")
        email_match = User.email.like(like, escape="\\")
        stmt = stmt.where(or_(name_match, email_match) if f.search_email else name_match)
    if f.department_id:
        stmt = stmt.where(User.department_id == f.department_id)
    if f.level:
        stmt = stmt.where(User.level == f.level)
    if f.role:
        stmt = stmt.where(User.role == f.role)
    return stmt
