"""Demo surveys: a customer survey in two waves (the first closed into satisfaction results, its
comments coded into two new barriers, a piece of evidence and a story; the second open) and an
open anonymous staff survey. Made through the survey services, and the comments coded through the
triage service. Running it again adds nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import (
    Barrier,
    Department,
    DepartmentKind,
    Survey,
    SurveyComment,
    User,
)
from teams_app.stories.services import StoryDetails
from teams_app.surveys import services, triage
from teams_app.surveys.services import ChoiceDetails, QuestionDetails, Submission, SurveyDetails

CUSTOMER_TITLE = "How was your visit?"
STAFF_TITLE = "What gets in the way of saying yes?"

COMMENTS_EN = [
    "The printers never have paper on Saturday afternoons.",
    "I waited twenty minutes to renew one book.",
    "Staff were friendly and found exactly what I needed.",
    "The self-checkout rejects my card every other time.",
    "Please open earlier on weekdays; I work at eight.",
    "The printers jam and nobody knows how to fix them.",
    "Lovely children's story time, thank you!",
    "Renewal limits made me pay a fine for a book I was still reading.",
]
COMMENTS_ES = [
    "La impresora no tenía papel el sábado.",
    "El personal fue muy amable conmigo.",
    "Me gustaría más libros en español.",
]
STAFF_COMMENTS = [
    "I cannot waive a fine under five dollars without calling a manager.",
    "The booking system for rooms does not show which are free today.",
    "We have no clear rule on printing credit for job seekers.",
    "Shift swaps take a week to approve.",
]


def _customer_questions() -> list[QuestionDetails]:
    return [
        QuestionDetails(
            "rating5",
            {
                "en": "How satisfied are you with your visit today?",
                "es": "¿Qué tan satisfecho está con su visita de hoy?",
            },
            required=True,
            metric="Service desk satisfaction",
        ),
        QuestionDetails(
            "rating10",
            {
                "en": "How likely are you to recommend the library to a friend?",
                "es": "¿Qué tan probable es que recomiende la biblioteca a un amigo?",
            },
        ),
        QuestionDetails(
            "multiple",
            {"en": "What did you come for?", "es": "¿A qué vino?"},
            choices=[
                ChoiceDetails({"en": "Books and media", "es": "Libros y medios"}),
                ChoiceDetails({"en": "Computers and printing", "es": "Computadoras e impresión"}),
                ChoiceDetails({"en": "A program or event", "es": "Un programa o evento"}),
                ChoiceDetails({"en": "Help from staff", "es": "Ayuda del personal"}),
            ],
        ),
        QuestionDetails(
            "long_text",
            {"en": "Did anything get in the way today?", "es": "¿Algo le causó problemas hoy?"},
        ),
    ]


def _staff_questions() -> list[QuestionDetails]:
    return [
        QuestionDetails(
            "rating10",
            {"en": "How confident are you to say yes to a customer without asking?"},
            required=True,
            metric="Staff confidence to say yes",
        ),
        QuestionDetails("department", {"en": "Which branch or department do you work in?"}),
        QuestionDetails(
            "single",
            {"en": "How often do you escalate a simple request?"},
            choices=[
                ChoiceDetails({"en": "Daily"}),
                ChoiceDetails({"en": "Weekly"}),
                ChoiceDetails({"en": "Rarely"}),
            ],
        ),
        QuestionDetails("long_text", {"en": "Which rule or tool stops you most often?"}),
    ]


def _answers(survey: Survey, rng: random.Random, mean: float, language: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for q in survey.questions:
        kind = q.kind_enum
        if kind.is_rating:
            low, high = kind.scale or (1, 5)
            centre = mean if high == 5 else mean * 2
            out[q.id] = max(low, min(high, round(rng.gauss(centre, 0.9 if high == 5 else 1.8))))
        elif kind.value == "multiple":
            out[q.id] = [c.id for c in rng.sample(q.choices, rng.randint(1, 2))]
        elif kind.value == "single":
            out[q.id] = rng.choice(q.choices).id
        elif kind.is_text and rng.random() < 0.45:
            pool = COMMENTS_ES if language == "es" else COMMENTS_EN
            if survey.audience == "staff":
                pool = STAFF_COMMENTS
            out[q.id] = rng.choice(pool)
    return out


def _code_first_wave(leader: User, survey: Survey) -> None:
    """Two new barriers from the comments, one comment as evidence of an existing barrier, one
    story worth telling, the rest no action; with themes. Coded through the triage service, as
    the queue page would."""
    comments = db.session.scalars(
        select(SurveyComment.id)
        .where(SurveyComment.survey_id == survey.id)
        .order_by(SurveyComment.id)
    ).all()
    made: dict[str, int] = {}
    specs = {
        "printer": ("Printers run out of paper and jam at weekends", "technology", "printing"),
        "renew": ("Renewal limits fine customers still reading a book", "policy", "renewals"),
    }
    existing = db.session.scalar(select(Barrier.id).order_by(Barrier.id).limit(1))
    told = False
    for comment_id in comments:
        comment = triage.get_comment(comment_id, leader)
        text = comment.text.lower()
        key = next(
            (k for k in specs if k in text or (k == "printer" and "impresora" in text)), None
        )
        if key is not None:
            title, category, theme = specs[key]
            if key not in made:
                coding = triage.Coding(
                    "new_barrier",
                    barrier={"title": title, "category": category},
                    themes=[theme],
                )
            else:
                coding = triage.Coding("evidence", barrier_id=made[key], themes=[theme])
            coded = triage.code_comment(leader, comment, coding, comment.version)
            made.setdefault(key, coded.barrier_id or 0)
        elif "wait" in text and existing is not None:
            triage.code_comment(
                leader,
                comment,
                triage.Coding("evidence", barrier_id=existing, themes=["waiting"]),
                comment.version,
            )
        elif "story" in text or "amable" in text or "friendly" in text:
            coded = triage.code_comment(
                leader, comment, triage.Coding("story", themes=["praise"]), comment.version
            )
            if "story time" in text and not told:
                told = _tell_the_story(leader, coded)
        else:
            triage.code_comment(leader, comment, triage.Coding("none"), comment.version)


def _tell_the_story(leader: User, comment: SurveyComment) -> bool:
    """The story a praising comment invited, written from it (so it links back)."""
    defaults = triage.story_defaults(comment)
    body = defaults["body"] + (
        "Story time at the branch now runs twice on Saturdays, and the parents who wrote in "
        "helped the team choose the books."
    )
    triage.story_from_comment(
        leader,
        comment,
        StoryDetails(
            title="Parents asked for more story time, and got it",
            body=body,
            kind="win",
            no_personal_details=True,
            department_id=defaults["department_id"] or None,
        ),
        comment.version,
    )
    return True


def seed_surveys(leader: User) -> int:
    """The demo's surveys, run by ``leader``; returns how many were added."""
    if db.session.scalar(select(Survey.id).where(Survey.title == CUSTOMER_TITLE).limit(1)):
        return 0
    rng = random.Random(17)
    branches = list(
        db.session.scalars(
            select(Department)
            .where(Department.kind == DepartmentKind.BRANCH.value)
            .order_by(Department.id)
        )
    )
    today = services.today()
    wave1 = services.create_survey(
        leader,
        SurveyDetails(
            title=CUSTOMER_TITLE,
            title_i18n={"es": "¿Cómo fue su visita?"},
            intro="Two minutes to tell us how we did. No account, no names.",
            intro_i18n={
                "es": "Dos minutos para decirnos cómo lo hicimos. Sin cuenta, sin nombres."
            },
            audience="customers",
            opens_on=today - timedelta(days=75),
            closes_on=today - timedelta(days=45),
            languages=["en", "es"],
            questions=_customer_questions(),
        ),
    )
    wave1 = services.get_survey(wave1.id)
    # Published while it was open: publish checks the close date against today.
    wave1.closes_on = today + timedelta(days=1)
    services.publish(leader, wave1)
    wave1 = services.get_survey(wave1.id)
    wave1.closes_on = today - timedelta(days=45)
    db.session.commit()
    answer_day = today - timedelta(days=50)
    for n in range(60):
        language = "es" if n % 5 == 0 else "en"
        services.respond_publicly(
            services.get_survey(wave1.id),
            Submission(
                _answers(wave1, rng, 3.5, language),
                language=language,
                department_id=branches[n % len(branches)].id if branches else None,
                channel="kiosk" if n % 3 == 0 else "link",
                submission_key=f"demo-w1-{n}",
            ),
            day=answer_day,
        )
    services.close(leader, services.get_survey(wave1.id), day=wave1.closes_on)
    _code_first_wave(leader, services.get_survey(wave1.id))

    wave2 = services.copy_for_next_wave(
        leader, services.get_survey(wave1.id), today - timedelta(days=5), today + timedelta(days=9)
    )
    services.publish(leader, services.get_survey(wave2.id))
    for n in range(45):
        language = "es" if n % 4 == 0 else "en"
        services.respond_publicly(
            services.get_survey(wave2.id),
            Submission(
                _answers(services.get_survey(wave2.id), rng, 3.95, language),
                language=language,
                department_id=branches[n % len(branches)].id if branches else None,
                channel="link",
                submission_key=f"demo-w2-{n}",
            ),
        )

    staff = services.create_survey(
        leader,
        SurveyDetails(
            title=STAFF_TITLE,
            intro="Anonymous: nothing links your answers to you; groups under five never show.",
            audience="staff",
            anonymous=True,
            opens_on=today - timedelta(days=3),
            closes_on=today + timedelta(days=4),
            languages=["en"],
            questions=_staff_questions(),
        ),
    )
    services.publish(leader, services.get_survey(staff.id))
    people = db.session.scalars(
        select(User).where(User.active, User.role == "staff").order_by(User.id).limit(9)
    ).all()
    for person in people[1:]:  # the first staff member has still to answer (the home card)
        services.respond_as_staff(
            person,
            services.get_survey(staff.id),
            Submission(_answers(services.get_survey(staff.id), rng, 3.0, "en")),
        )
    return 3
