"""The sign-in buttons' form and the welcome page a new account sees after its first sign-in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired, Optional

from teams_app.auth.forms import LEVEL_CHOICES


class SsoStartForm(FlaskForm):
    """One form for every "Sign in with ..." button (each posts to its provider's URL). Used
    with ``prefix="sso"``: it shares the sign-in page with the password form."""

    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class WelcomeForm(FlaskForm):
    level = SelectField(
        "Your level",
        choices=LEVEL_CHOICES,
        validators=[DataRequired()],
        description="Teams show which levels they draw on.",
    )
    department_id = SelectField("Your department or branch", coerce=int, validators=[Optional()])
