"""Building surveys for tests: a few kinds of question, opened today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from teams_app.models import Survey, User
from teams_app.surveys import services
from teams_app.surveys.services import ChoiceDetails, QuestionDetails, SurveyDetails


def questions() -> list[QuestionDetails]:
    return [
        QuestionDetails(
            "rating5",
            {"en": "How satisfied are you?", "es": "¿Qué tan satisfecho está?"},
            required=True,
            metric="Customer satisfaction",
        ),
        QuestionDetails(
            "single",
            {"en": "How did you visit?", "es": "¿Cómo nos visitó?"},
            choices=[
                ChoiceDetails({"en": "In person", "es": "En persona"}),
                ChoiceDetails({"en": "Online", "es": "En línea"}),
            ],
        ),
        QuestionDetails(
            "multiple",
            {"en": "What did you use?", "es": "¿Qué usó?"},
            choices=[
                ChoiceDetails({"en": "Books", "es": "Libros"}),
                ChoiceDetails({"en": "Computers", "es": "Computadoras"}),
                ChoiceDetails({"en": "Rooms", "es": "Salas"}),
            ],
        ),
        QuestionDetails("long_text", {"en": "What got in the way?", "es": "¿Qué le estorbó?"}),
    ]


def details(**changes: Any) -> SurveyDetails:
    d = SurveyDetails(
        title="Customer experience",
        title_i18n={"es": "Experiencia del cliente"},
        intro="Two minutes, please.",
        audience="customers",
        opens_on=services.today() - timedelta(days=1),
        closes_on=services.today() + timedelta(days=6),
        languages=["en", "es"],
        questions=questions(),
    )
    for name, value in changes.items():
        setattr(d, name, value)
    return d


def make_survey(leader: User, *, publish: bool = True, **changes: Any) -> Survey:
    survey = services.create_survey(leader, details(**changes))
    if publish:
        services.publish(leader, services.get_survey(survey.id))
    return services.get_survey(survey.id)


def q(survey: Survey, kind: str) -> Any:
    return next(question for question in survey.questions if question.kind == kind)


def answers(survey: Survey, rating: int = 4, text: str | None = "Too few computers") -> dict:
    single = q(survey, "single")
    multiple = q(survey, "multiple")
    out: dict[int, Any] = {
        q(survey, "rating5").id: rating,
        single.id: single.choices[0].id,
        multiple.id: [multiple.choices[0].id, multiple.choices[2].id],
    }
    if text is not None:
        out[q(survey, "long_text").id] = text
    return out


def today() -> date:
    return services.today()
