"""Directory filters and admin forms for people and departments."""

from __future__ import annotations

from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from teams_app.auth.forms import LEVEL_CHOICES
from teams_app.forms import Form, options
from teams_app.models import DepartmentKind, Role

ROLE_CHOICES = options((r.value, r.label) for r in Role)
KIND_CHOICES = options((k.value, k.label) for k in DepartmentKind)


class InviteForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)],
    )
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="staff")
    level = SelectField("Level", choices=LEVEL_CHOICES, default="frontline")
    department_id = SelectField("Department", coerce=int, validators=[Optional()])


class RoleForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES)


class DepartmentForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    kind = SelectField(
        "Kind",
        choices=KIND_CHOICES,
        description="A branch serves the public; a department serves the system.",
    )


class StageForm(Form):
    name = StringField("Stage name", validators=[DataRequired(), Length(max=60)])
    kind = SelectField(
        "Kind",
        choices=options(
            [("open", "Open (work in progress)"), ("done", "Done"), ("stopped", "Stopped")]
        ),
        description="Done stages set an initiative's completion date; stopped ones need a note.",
    )
