"""Initiative forms: details, a stage move, a status update."""

from __future__ import annotations

from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from teams_app.forms import Form, date_in_range, options
from teams_app.initiatives.services import BODY_MAX, NOTE_MAX, SUMMARY_MAX, TITLE_MAX
from teams_app.models import Health

HEALTH_CHOICES = options((h.value, h.label) for h in Health)


class InitiativeForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    summary = TextAreaField(
        "Summary",
        validators=[Optional(), Length(max=SUMMARY_MAX)],
        description="Optional. Markdown works: **bold**, lists with “- ”, links.",
    )
    owner_id = SelectField("Owner", coerce=int, validators=[Optional()])
    target_date = DateField(
        "Target date",
        validators=[Optional(), date_in_range],
        description="Optional: when it should be done by.",
    )
    version = HiddenField()


class MoveForm(Form):
    to_stage_id = SelectField("Move to", coerce=int, validators=[DataRequired()])
    from_stage_id = HiddenField()
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=NOTE_MAX)],
        description="Required when moving back or stopping.",
    )
    next = HiddenField()


class UpdateForm(Form):
    health = SelectField("Health", choices=HEALTH_CHOICES, default="on_track")
    body = TextAreaField(
        "What happened since the last update?",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="Markdown works: **bold**, lists, links.",
    )
