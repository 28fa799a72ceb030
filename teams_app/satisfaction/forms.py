"""Satisfaction forms. The services check the values (one set of rules for pages, API and CSV);
these only ask for them. Department choices are filled by the views."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from teams_app.forms import Form
from teams_app.satisfaction.services import METRIC_MAX

IMPORT_TEXT_MAX = 900_000


class ResultForm(Form):
    period = StringField(
        "Month",
        validators=[DataRequired(message="Give the month as YYYY-MM, such as 2026-01.")],
        description="The month the survey covers, as YYYY-MM.",
        render_kw={"placeholder": "2026-01", "inputmode": "numeric"},
    )
    metric = StringField(
        "Metric",
        validators=[DataRequired(message="Name the metric."), Length(max=METRIC_MAX)],
        description="Such as “Customer satisfaction”. Use the same name every month.",
        render_kw={"list": "metric-names"},
    )
    score = StringField(
        "Score",
        validators=[DataRequired(message="Give the score as a number, such as 4.2.")],
        description="Decimals are fine: 4.2.",
        render_kw={"inputmode": "decimal"},
    )
    scale_max = StringField(
        "Top of the scale",
        validators=[DataRequired(message="Give the top of the scale, such as 5.")],
        default="5",
        description="5 for a 1–5 survey, 100 for a percentage.",
        render_kw={"inputmode": "decimal"},
    )
    respondents = StringField(
        "Respondents",
        validators=[DataRequired(message="Give the number of respondents.")],
        description="How many people answered.",
        render_kw={"inputmode": "numeric"},
    )
    department_id = SelectField(
        "Department",
        coerce=int,
        default=0,
        description="Leave as organisation-wide for a whole-organisation figure.",
    )


class ImportForm(Form):
    csv_file = FileField("CSV file", description="A .csv file saved from a spreadsheet.")
    csv_text = TextAreaField(
        "Or paste the CSV",
        validators=[Optional(), Length(max=IMPORT_TEXT_MAX)],
        description="The first row names the columns.",
        render_kw={"rows": 12, "spellcheck": "false"},
    )
