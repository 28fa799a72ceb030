"""Helpers for the barrier service tests: report, edit, resolve, log and look."""

from __future__ import annotations

from sqlalchemy import select

from teams_app.barriers import services
from teams_app.extensions import db
from teams_app.initiatives.services import Details, create_initiative
from teams_app.models import Activity, Barrier
from tests.factories import make_action


def details(**changes):
    base = {
        "title": "Printers jam at the desk",
        "category": "technology",
        "affects": "customers",
        "severity": "medium",
        "source": "staff",
    }
    return services.BarrierDetails(**{**base, **changes})


def report(actor, **changes):
    return services.report_barrier(actor, details(**changes))


def fresh(barrier):
    return services.get_barrier(barrier.id)


def same_as(barrier, **changes):
    """The barrier's current details with ``changes``: what an edit form would send."""
    base = {
        "title": barrier.title,
        "category": barrier.category,
        "affects": barrier.affects,
        "severity": barrier.severity,
        "source": barrier.source,
        "description": barrier.description,
        "team_id": barrier.team_id,
        "initiative_id": barrier.initiative_id,
        "department_id": barrier.department_id,
    }
    return services.BarrierDetails(**{**base, **changes})


def edit(actor, barrier, **changes):
    current = fresh(barrier)
    return services.edit_barrier(actor, current, same_as(current, **changes), current.version)


def resolve(actor, barrier, outcome="removed", note="The vendor replaced the printers.", **fates):
    return services.resolve_barrier(actor, fresh(barrier), outcome, note, fates=fates or None)


def reopen(actor, barrier, reason="They jam again.", restore=None):
    return services.reopen_barrier(actor, fresh(barrier), reason, restore=restore)


def log(actor, barrier=None, initiative=None, description="Call the vendor", **kw):
    """Log an action (``make_action``: a due date already past is given as logged earlier,
    when it was still ahead, since a new action cannot be due in the past)."""
    due = kw.pop("due_on", None)
    return make_action(actor, description, due, barrier=barrier, initiative=initiative, **kw)


def update(actor, action, **changes):
    current = services.get_action(action.id)
    return services.update_action(
        actor, current, services.change_for(current, **changes), current.version
    )


def events_of(barrier) -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.subject_type == "barrier", Activity.subject_id == barrier.id)
            .order_by(Activity.id)
        )
    )


def verbs_of(barrier) -> list[str]:
    return [e.verb for e in events_of(barrier)]


def barrier_count() -> int:
    return db.session.query(Barrier).count()


def initiative_of(team, actor, title="Yes list"):
    return create_initiative(actor, team, Details(title=title))


def mail_text(msg) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())
