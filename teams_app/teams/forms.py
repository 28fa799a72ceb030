"""Team forms: the charter, leadership's decisions, joining and closing."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from teams_app.forms import Form, options
from teams_app.teams.services import MAX_TEAM_SIZE, MESSAGE_MAX, NAME_MAX, NOTE_MAX, TEXT_MAX


class TeamForm(Form):
    name = StringField("Team name", validators=[DataRequired(), Length(max=NAME_MAX)])
    problem = TextAreaField(
        "Problem or opportunity",
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        description="What gets in the way of good service, for customers or for staff?",
    )
    goal = TextAreaField(
        "Goal",
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        description="What will be different when the team is done? Markdown works.",
    )
    scope = TextAreaField(
        "Scope",
        validators=[Optional(), Length(max=TEXT_MAX)],
        description="Optional: what is in and out of bounds.",
    )
    join_policy = RadioField(
        "Who can join",
        choices=options([("open", "Anyone may join"), ("ask", "People ask and a lead accepts")]),
        default="open",
    )
    max_members = IntegerField(
        "Maximum size",
        validators=[Optional(), NumberRange(2, MAX_TEAM_SIZE)],
        description="Leave empty for no limit.",
    )
    update_interval_days = IntegerField(
        "Days between status updates",
        default=14,
        validators=[DataRequired(message="Enter a number of days."), NumberRange(1, 365)],
        description="An initiative with no update for longer than this is marked stale.",
    )
    version = HiddenField()


class CharterForm(Form):
    sponsor_id = SelectField(
        "Sponsor",
        coerce=int,
        validators=[DataRequired(message="Choose who in leadership sponsors the team.")],
        description="Someone from leadership who answers for the team's work and clears its way.",
    )
    note = TextAreaField(
        "Note to the team (optional)", validators=[Optional(), Length(max=NOTE_MAX)]
    )


class DeclineForm(Form):
    reason = TextAreaField(
        "Why is it declined?",
        validators=[DataRequired(message="Give a reason."), Length(max=NOTE_MAX)],
        description="The proposer reads this.",
    )


class CloseForm(Form):
    summary = TextAreaField(
        "What we learned",
        validators=[DataRequired(message="Say what the team learned."), Length(max=TEXT_MAX)],
        description="Shown on the team page and in the directory once the team is closed. "
        "Markdown works: **bold**, lists with “- ”.",
    )


class JoinForm(Form):
    message = TextAreaField(
        "Message to the leads (optional)", validators=[Optional(), Length(max=MESSAGE_MAX)]
    )


class MemberForm(Form):
    user_id = HiddenField(validators=[DataRequired()])


class RoleForm(Form):
    role = HiddenField(validators=[DataRequired()])
