"""Impact story forms. Choices for departments, initiatives and barriers are filled by the views."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from teams_app.forms import Form, date_in_range, options
from teams_app.models import StoryKind
from teams_app.stories.services import BODY_MAX, REASON_MAX, TITLE_MAX


class StoryForm(Form):
    title = StringField(
        "Title",
        validators=[DataRequired(message="Give the story a short title."), Length(max=TITLE_MAX)],
        description="One line, such as “A lost passport found in an hour”.",
    )
    kind = RadioField(
        "What kind of story is it?",
        choices=options((k.value, k.label) for k in StoryKind),
        default=StoryKind.WIN.value,
        validators=[InputRequired(message="Choose the kind of story.")],
    )
    body = TextAreaField(
        "What happened?",
        validators=[DataRequired(message="Tell what happened."), Length(max=BODY_MAX)],
        description="Markdown works: **bold**, *italic*, lists with “- ”, links as [text](url).",
        render_kw={"rows": 9},
    )
    occurred_on = DateField(
        "When it happened",
        validators=[Optional(), date_in_range],
        description="Leave empty for today.",
    )
    department_id = SelectField("Department or branch", coerce=int, default=0)
    initiative_id = SelectField("Initiative it relates to", coerce=int, default=0)
    barrier_id = SelectField("Barrier it relates to", coerce=int, default=0)
    no_personal_details = BooleanField(
        "I confirm this story holds no customer names or identifying details."
    )
    version = HiddenField()
    # A story invited by a survey comment coded "story": the comment, and its version then.
    survey_comment_id = HiddenField()
    comment_version = HiddenField()


class HideForm(Form):
    reason = TextAreaField(
        "Why hide it?",
        validators=[DataRequired(message="Say why the story is hidden."), Length(max=REASON_MAX)],
        description="The author reads this by mail.",
    )


class FeatureForm(Form):
    month = HiddenField()
