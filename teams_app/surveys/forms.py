"""Survey forms. The survey's own fields are a WTForms form; its questions are a repeated group of
inputs named ``questions-<n>-<field>`` read by ``read_questions`` (a list of any length, no
JavaScript needed); answers are ``q<question id>`` inputs read by ``read_answers``."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from teams_app.forms import Form, date_in_range, options
from teams_app.models import QuestionKind, Survey, SurveyAudience
from teams_app.surveys.services import ChoiceDetails, QuestionDetails, SurveyDetails

# Blank question slots the builder shows under the existing questions.
BLANK_SLOTS = 2


class SurveyForm(Form):
    title = StringField(
        "Title", validators=[InputRequired("Give the survey a title."), Length(max=160)]
    )
    intro = TextAreaField("Introduction", validators=[Optional(), Length(max=4000)])
    audience = SelectField(
        "Who answers", choices=options([(a.value, a.label) for a in SurveyAudience])
    )
    opens_on = DateField(
        "Opens on", validators=[InputRequired("Give the day it opens."), date_in_range]
    )
    closes_on = DateField(
        "Closes on", validators=[InputRequired("Give the day it closes."), date_in_range]
    )
    anonymous = BooleanField("Anonymous: keep no link between a response and the person")
    offer_es = BooleanField("Also offer it in Spanish")
    title_es = StringField("Title in Spanish", validators=[Optional(), Length(max=160)])
    intro_es = TextAreaField("Introduction in Spanish", validators=[Optional(), Length(max=4000)])
    version = HiddenField()


class ActionForm(Form):
    """A one-button form (publish, close, copy, move): the CSRF token only."""


class AnswerForm(Form):
    """The answer pages' form: CSRF, and for the public pages the honeypot, the time it was
    shown and the one-time submission key."""

    website = StringField("Leave this empty")  # the honeypot: people never see it
    shown_at = HiddenField()
    submission_key = HiddenField()


def kind_options() -> list[Any]:
    return options([(k.value, k.label) for k in QuestionKind])


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def read_questions(form: MultiDict[str, str]) -> list[QuestionDetails]:
    """The builder's question rows in the order of their position numbers (ties keep page
    order). A row without a kind or any text is a blank slot; "remove" drops a row."""
    rows: list[tuple[float, int, QuestionDetails]] = []
    n = 0
    while f"questions-{n}-kind" in form and n < 200:
        prefix = f"questions-{n}-"
        n += 1
        kind = form.get(prefix + "kind", "")
        text = {"en": form.get(prefix + "text_en", ""), "es": form.get(prefix + "text_es", "")}
        if form.get(prefix + "remove") or not kind or not any(v.strip() for v in text.values()):
            continue
        raw_id = form.get(prefix + "id", "")
        qid = int(raw_id) if raw_id.isdigit() else None
        choice_ids = [int(i) for i in form.get(prefix + "choice_ids", "").split(",") if i.isdigit()]
        en, es = _lines(form.get(prefix + "choices_en")), _lines(form.get(prefix + "choices_es"))
        choices = [
            ChoiceDetails(
                {"en": en[i] if i < len(en) else "", "es": es[i] if i < len(es) else ""},
                id=choice_ids[i] if i < len(choice_ids) else None,
            )
            for i in range(max(len(en), len(es)))
        ]
        try:
            position = float(form.get(prefix + "position", "") or n)
        except ValueError:
            position = float(n)
        rows.append(
            (
                position,
                n,
                QuestionDetails(
                    kind=kind,
                    text={k: v for k, v in text.items() if v.strip()},
                    required=bool(form.get(prefix + "required")),
                    metric=form.get(prefix + "metric") or None,
                    choices=choices,
                    id=qid,
                ),
            )
        )
    return [d for _, _, d in sorted(rows, key=lambda r: (r[0], r[1]))]


def survey_details(form: SurveyForm, questions: list[QuestionDetails] | None) -> SurveyDetails:
    languages = ["en", "es"] if form.offer_es.data else ["en"]
    return SurveyDetails(
        title=form.title.data or "",
        intro=form.intro.data,
        audience=form.audience.data or "",
        opens_on=form.opens_on.data,
        closes_on=form.closes_on.data,
        anonymous=bool(form.anonymous.data),
        languages=languages,
        title_i18n={"es": form.title_es.data or ""},
        intro_i18n={"es": form.intro_es.data or ""},
        questions=questions,
    )


def fill_from(form: SurveyForm, survey: Survey) -> None:
    form.title.data = survey.title
    form.intro.data = survey.intro
    form.audience.data = survey.audience
    form.opens_on.data = survey.opens_on
    form.closes_on.data = survey.closes_on
    form.anonymous.data = survey.anonymous
    form.offer_es.data = "es" in survey.languages
    form.title_es.data = (survey.title_i18n or {}).get("es", "")
    form.intro_es.data = (survey.intro_i18n or {}).get("es", "")
    form.version.data = str(survey.version)


def question_rows(
    survey: Survey | None, posted: MultiDict[str, str] | None
) -> list[dict[str, Any]]:
    """What the builder shows per question row: the posted values after a refusal (so nothing
    typed is lost), else the survey's questions; then the blank slots."""
    rows: list[dict[str, Any]] = []
    if posted is not None and "questions-0-kind" in posted:
        n = 0
        while f"questions-{n}-kind" in posted:
            p = f"questions-{n}-"
            rows.append({k: posted.get(p + k, "") for k in _ROW_KEYS})
            n += 1
        return rows
    for q in survey.questions if survey is not None else []:
        rows.append(
            {
                "id": str(q.id),
                "kind": q.kind,
                "text_en": (q.text or {}).get("en", ""),
                "text_es": (q.text or {}).get("es", ""),
                "required": "y" if q.required else "",
                "metric": q.metric or "",
                "position": str(q.position),
                "choices_en": "\n".join((c.text or {}).get("en", "") for c in q.choices),
                "choices_es": "\n".join((c.text or {}).get("es", "") for c in q.choices),
                "choice_ids": ",".join(str(c.id) for c in q.choices),
                "remove": "",
            }
        )
    start = len(rows)
    for i in range(BLANK_SLOTS):
        rows.append({k: "" for k in _ROW_KEYS} | {"position": str(start + i + 1)})
    return rows


_ROW_KEYS = (
    "id",
    "kind",
    "text_en",
    "text_es",
    "required",
    "metric",
    "position",
    "choices_en",
    "choices_es",
    "choice_ids",
    "remove",
)


def read_answers(form: MultiDict[str, str], survey: Survey) -> dict[int, Any]:
    """``q<id>`` inputs as {question id: value}; multiple choice keeps every ticked box. Inputs
    for questions the survey does not ask are kept too, so the service refuses them."""
    out: dict[int, Any] = {}
    kinds = {q.id: q.kind for q in survey.questions}
    for name in form:
        if not (name.startswith("q") and name[1:].isdigit()) or len(name) > 12:
            continue
        qid = int(name[1:])
        values = form.getlist(name)
        out[qid] = values if kinds.get(qid) in ("multiple", None) else (values[0] if values else "")
    return out
