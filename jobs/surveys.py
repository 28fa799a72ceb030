"""Survey mail: the announcement of an open staff survey to every active staff member.

The job takes the survey's id and re-reads it; each person goes through ``send_once`` (the
notice ledger), so a retry after a partial SMTP failure mails only the people not yet reached.
"""

from __future__ import annotations

from sqlalchemy import select

from jobs.notify import Notice, send_once
from teams_app.extensions import db
from teams_app.models import Survey, SurveyStatus, User
from teams_app.surveys.services import closes_text, minutes_to_answer
from teams_app.urls import external_url


def send_announcement(survey_id: int) -> int:
    """Mail each active person that the staff survey is open; returns how many were mailed now.
    Nothing once the survey is closed (or was never published)."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.status != SurveyStatus.OPEN.value:
        return 0
    if not survey.audience_enum.includes_staff:
        return 0
    minutes = minutes_to_answer(survey)
    privacy = (
        "Your answers are anonymous: nothing links them to you."
        if survey.anonymous
        else "Your name is kept with your answers, and you can change them until it closes."
    )
    notice = Notice(
        subject=f"Survey: {survey.title}",
        headline=f"{survey.title}: about {minutes} minute{'s' if minutes != 1 else ''}, "
        f"{closes_text(survey.closes_on)}.",
        body=f"{survey.intro or 'Tell us what gets in the way of good service.'}\n\n{privacy}",
        link_label="Answer the survey",
    )
    url = external_url("surveys.answer", survey_id=survey.id)
    sent = 0
    people = db.session.scalars(select(User).where(User.active).order_by(User.id)).all()
    for person in people:
        if person.is_pending:
            continue
        if send_once(
            f"survey_announcement:{survey.id}",
            person,
            notice.subject,
            user=person,
            notice=notice,
            url=url,
        ):
            sent += 1
    return sent
