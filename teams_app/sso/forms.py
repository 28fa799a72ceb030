"""The welcome page a new account sees after its first single sign-on."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.validators import DataRequired, Optional

from teams_app.auth.forms import LEVEL_CHOICES
from teams_app.forms import Form


class WelcomeForm(Form):
    level = SelectField(
        "Your level",
        choices=LEVEL_CHOICES,
        validators=[DataRequired()],
        description="Teams show which levels they draw on.",
    )
    department_id = SelectField("Your department or branch", coerce=int, validators=[Optional()])
