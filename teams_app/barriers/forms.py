"""Barrier and action forms. Choices for teams, initiatives and people are filled by the views."""

from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from teams_app.barriers.services import (
    ACTION_MAX,
    DESCRIPTION_MAX,
    OUTCOME_MAX,
    RESOLUTION_MAX,
    TITLE_MAX,
)
from teams_app.forms import Form, date_in_range, options
from teams_app.models import ActionStatus, Affects, BarrierCategory, BarrierSource, Severity


def _enum_options(values: Any) -> list[SelectChoice]:
    return options((v.value, v.label) for v in values)


class BarrierForm(Form):
    title = StringField(
        "What stands in the way?",
        validators=[DataRequired(message="Give the barrier a short title."), Length(max=TITLE_MAX)],
        description="A short title, such as “Holds shelf is hard to find”.",
    )
    description = TextAreaField(
        "Tell us more",
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description="Optional. What happens, who it affects, how often. Markdown works.",
    )
    affects = SelectField(
        "Who it affects",
        choices=_enum_options(Affects),
        default="customers",
        description="Internal customers: one department serving another.",
    )
    category = SelectField("Category", choices=_enum_options(BarrierCategory), default="process")
    severity = SelectField("Severity", choices=_enum_options(Severity), default="medium")
    source = SelectField(
        "Where it came from", choices=_enum_options(BarrierSource), default="staff"
    )
    department_id = SelectField("Department or branch", coerce=int, default=0)
    team_id = SelectField(
        "Team working on it", coerce=int, default=0, description="Optional. Leave as “None yet”."
    )
    initiative_id = SelectField("Initiative", coerce=int, default=0, description="Optional.")
    version = HiddenField()
    story = HiddenField()  # reported from this impact story: it gets linked to the barrier


class ResolveForm(Form):
    outcome = RadioField(
        "How is it closed?",
        choices=options(
            [
                ("removed", "Removed: it no longer stands in the way"),
                ("accepted", "Accepted: we decided to live with it"),
            ]
        ),
        validators=[InputRequired(message="Choose removed or accepted.")],
    )
    resolution = TextAreaField(
        "Resolution note",
        validators=[DataRequired(message="Add a resolution note."), Length(max=RESOLUTION_MAX)],
        description="What was done, or why we accept it. The reporter will read this.",
    )
    version = HiddenField()


class ReopenForm(Form):
    reason = TextAreaField(
        "Why reopen it?",
        validators=[
            DataRequired(message="Say why it needs reopening."),
            Length(max=RESOLUTION_MAX),
        ],
    )
    version = HiddenField()


class ActionForm(Form):
    description = TextAreaField(
        "Action",
        validators=[DataRequired(message="Say what will be done."), Length(max=ACTION_MAX)],
    )
    owner_id = SelectField("Owner", coerce=int, default=0)
    due_on = DateField(
        "Due date",
        validators=[Optional(), date_in_range],
        description="Optional.",
    )
    barrier_id = HiddenField()
    initiative_id = HiddenField()
    next = HiddenField()


class ActionUpdateForm(Form):
    status = SelectField("Status", choices=_enum_options(ActionStatus))
    description = TextAreaField(
        "Action",
        validators=[DataRequired(message="Say what will be done."), Length(max=ACTION_MAX)],
    )
    owner_id = SelectField("Owner", coerce=int)
    due_on = DateField("Due date", validators=[Optional(), date_in_range])
    outcome = TextAreaField(
        "Outcome",
        validators=[Optional(), Length(max=OUTCOME_MAX)],
        description="Needed when it is done: what came of it?",
    )
    version = HiddenField()
    next = HiddenField()
