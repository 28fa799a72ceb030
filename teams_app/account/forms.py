"""Profile, password and API-token forms."""

from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from teams_app.auth.forms import LEVEL_CHOICES
from teams_app.forms import Form, options
from teams_app.models import DigestFrequency
from teams_app.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from teams_app.templating import WEEKDAYS


def timezone_choices() -> list[SelectChoice]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return options([("UTC", "UTC")] + [(z, z.replace("_", " ")) for z in zones])


class ProfileForm(Form):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    level = SelectField("Level", choices=LEVEL_CHOICES, validators=[DataRequired()])
    department_id = SelectField("Department", coerce=int, validators=[Optional()])
    timezone = SelectField("Time zone", validators=[DataRequired()])
    digest_frequency = SelectField(
        "How often",
        choices=options((f.value, f.label) for f in DigestFrequency),
        description="A mail of what changed in your teams. Weekly is the default.",
    )
    digest_weekday = SelectField(
        "Weekly digest day", coerce=int, choices=options(enumerate(WEEKDAYS))
    )
    digest_hour = IntegerField(
        "Hour to send (0–23, your time)",
        validators=[DataRequired(message="Enter an hour from 0 to 23."), NumberRange(0, 23)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Your other sessions will end.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired(),
            EqualTo("new_password", message="The two passwords do not match."),
        ],
    )


class EmailChangeForm(Form):
    new_email = EmailField(
        "New email address",
        validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)],
        description="We mail a link to it; the change happens when you use the link.",
    )
    current_password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        description="Asked again so an open session alone cannot move your account.",
        id="email_current_password",  # the password form on the same page has current_password
    )


class TokenForm(Form):
    name = StringField(
        "Token name",
        id="token_name",
        validators=[DataRequired(), Length(max=80)],
        description="What will use it, e.g. “monthly report script”.",
    )


class ConfirmForm(Form):
    """An empty form: carries the CSRF token for buttons that change state."""
