"""Command-line tools: ``flask users|departments|tokens ...`` and ``flask seed-demo``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from teams_app.account.services import create_token as create_api_token
from teams_app.account.services import revoke_token_by_name
from teams_app.backup import BackupError, backup
from teams_app.demo import seed
from teams_app.digests import ledger
from teams_app.digests import services as digests
from teams_app.errors import ServiceError
from teams_app.extensions import db
from teams_app.models import DepartmentKind, Level, Role, User
from teams_app.people import services as people
from teams_app.search.cli import search_cli
from teams_app.security import hash_password, password_problems
from teams_app.sso.cli import sso_cli

users_cli = AppGroup("users", help="Manage staff accounts.")
departments_cli = AppGroup("departments", help="Manage departments and branches.")
tokens_cli = AppGroup("tokens", help="Create and revoke API tokens.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _user_or_fail(email: str) -> User:
    user = people.find_user_by_email(email)
    if user is None:
        _fail(f"No account with the email {email}.")
    assert user is not None
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default="staff", show_default=True
)
@click.option(
    "--level", type=click.Choice([lv.value for lv in Level]), default="frontline", show_default=True
)
@click.option("--department", "department_name", help="Created as a branch if it does not exist.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(
    email: str, name: str, role: str, level: str, department_name: str | None, password: str
) -> None:
    """Create an active account that can sign in at once."""
    try:
        email = people.checked_email(email)
        name = people.checked_name(name)
    except ServiceError as exc:
        _fail(exc.message)
    if people.find_user_by_email(email) is not None:
        _fail(f"An account with the email {email} already exists.")
    problems = password_problems(password, email=email, name=name)
    if problems:
        _fail(" ".join(problems))
    dept_id = None
    if department_name:
        dept = people.find_department(department_name) or people.create_department(
            None, department_name, DepartmentKind.BRANCH.value
        )
        dept_id = dept.id
    user = User(
        email=email,
        name=name,
        role=role,
        level=level,
        department_id=dept_id,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {email} (id {user.id}).")


@departments_cli.command("create")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in DepartmentKind]),
    default="branch",
    show_default=True,
)
def create_department(name: str, kind: str) -> None:
    """Add a department (system department) or branch (serves the public)."""
    try:
        dept = people.create_department(None, name, kind)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Created {kind} {dept.name} (id {dept.id}).")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
def create_token(email: str, name: str) -> None:
    """Create a token and print the secret alone (it is shown only this once)."""
    user = _user_or_fail(email)
    if not user.active:
        _fail(f"{email} is deactivated.")
    try:
        _, secret = create_api_token(user, name)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(secret)


@tokens_cli.command("revoke")
@click.argument("email")
@click.option("--name", required=True)
def revoke_token(email: str, name: str) -> None:
    """Revoke a person's token by its name."""
    user = _user_or_fail(email)
    try:
        revoke_token_by_name(user, name)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Revoked token {name!r} of {email}.")


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--force",
    is_flag=True,
    help="Load the demo even when APP_ENV=production (it creates accounts with known passwords).",
)
def seed_demo(force: bool) -> None:
    """Load the demo library system (safe to run again: nothing is duplicated)."""
    if current_app.config["APP_ENV"] == "production" and not force:
        _fail(
            "Refusing to load the demo in production: it creates an admin and ~40 staff whose "
            "passwords are printed in the README, so anyone could sign in as them. Use a "
            "staging database, or pass --force if you really mean it."
        )
    report = seed()
    click.echo(report)


digests_cli = AppGroup("digests", help="Progress digests.")


@digests_cli.command("run-due")
def run_due() -> None:
    """Send every digest that is due now, in this process (no worker needed)."""
    outcomes: dict[str, int] = {}
    work = [(u.id, p.key) for u, p in digests.due()]
    work += [(row.user_id, row.period_key) for row in digests.abandoned()]
    for user_id, key in work:
        try:
            result = ledger.send(user_id, key)
        except Exception as exc:  # noqa: BLE001 - reported, and the row records it
            result = "failed"
            click.echo(f"user {user_id} {key}: {type(exc).__name__}: {exc}", err=True)
        outcomes[result] = outcomes.get(result, 0) + 1
    summary = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "nobody is due"
    click.echo(f"Digests: {summary}.")


@digests_cli.command("preview")
@click.argument("email")
def preview_digest(email: str) -> None:
    """Print what EMAIL's digest would hold if it were sent now."""
    digest = digests.preview(_user_or_fail(email))
    if digest.empty:
        click.echo("Nothing new: no digest would be sent.")
        return
    for section in digest.sections:
        click.echo(f"\n{section.title}")
        for item in section.items:
            click.echo(f"  * {item.text}\n    {item.url}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--pg-dump", "pg_dump", help="pg_dump to use (its version must match the server's).")
def backup_database(path: str, pg_dump: str | None) -> None:
    """Write a consistent copy of the database to PATH while the app runs (SQLite: the online
    backup API; PostgreSQL: pg_dump -Fc). See docs/operations.md to restore it."""
    try:
        click.echo(backup(Path(path), pg_dump=pg_dump))
    except BackupError as exc:
        _fail(str(exc))


def register_cli(app: Flask) -> None:
    app.cli.add_command(digests_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(departments_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(backup_database)
    app.cli.add_command(sso_cli)
    app.cli.add_command(search_cli)
