"""Sign-in, reset, invitation and sign-up forms."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from teams_app.forms import Form, options
from teams_app.models import Level
from teams_app.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

LEVEL_CHOICES = options((lv.value, lv.label) for lv in Level)


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)],
    )


class NewPasswordForm(Form):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters; a few words work well.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
    )


class SignUpForm(Form):
    """No password here: it is set through the link mailed to the address, proving it is theirs."""

    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Work email",
        validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)],
    )
    level = SelectField("Level", choices=LEVEL_CHOICES, validators=[DataRequired()])
    department_id = SelectField("Department", coerce=int, validators=[Optional()])
