"""The event vocabulary: every verb has a payload, sentences only use payload keys, and
record() refuses events that do not match."""

import string

import pytest

from jobs.notify import _notice
from teams_app.activity import (
    PAYLOADS,
    SENTENCES,
    SUBJECT_TYPES,
    TEAM_NOTICES,
    BadEvent,
    Verb,
    record,
    subject_type,
)
from teams_app.digests.content import TEAM_VERBS
from teams_app.models import Team
from teams_app.portfolio.queries import CHANGE_VERBS


def test_every_verb_has_a_payload_and_every_sentence_a_verb():
    assert set(PAYLOADS) == set(Verb)
    assert set(SENTENCES) <= set(Verb)


def test_the_stored_strings_are_the_old_ones():
    # Rows written before the vocabulary existed still read: the values did not change.
    assert Verb.MOVED_INITIATIVE == "moved_initiative"
    assert Verb("reported_barrier_from_story") is Verb.REPORTED_BARRIER_FROM_STORY
    # subject_type used to be type(subject).__name__.lower(); the explicit map keeps it.
    for model, subject in SUBJECT_TYPES.items():
        assert subject.value == model.__name__.lower()


@pytest.mark.parametrize("verb", sorted(SENTENCES))
def test_sentences_only_name_payload_keys(verb):
    payload = PAYLOADS[Verb(verb)]
    keys = payload.__required_keys__ | payload.__optional_keys__ | {"health_text"}
    named = {name for _, name, _, _ in string.Formatter().parse(SENTENCES[verb]) if name}
    assert named <= keys, f"{verb} names {named - keys}"


def test_the_feeds_and_notices_are_sets_of_verbs():
    for verbs in (TEAM_VERBS, CHANGE_VERBS, TEAM_NOTICES):
        assert all(isinstance(v, Verb) for v in verbs)


def test_record_refuses_a_missing_or_unknown_key():
    team = Team(id=1)
    with pytest.raises(BadEvent, match=r"missing \['reason'\]"):
        record(None, Verb.DECLINED, team, team=team)
    with pytest.raises(BadEvent, match=r"unexpected \['reasn'\]"):
        record(None, Verb.DECLINED, team, team=team, reason="No sponsor", reasn="typo")


def test_record_refuses_an_unknown_verb_or_subject():
    with pytest.raises(ValueError):
        record(None, "renamed_team", Team(id=1))  # type: ignore[arg-type]
    with pytest.raises(BadEvent, match="not an activity subject"):
        subject_type(object())
    assert subject_type(Team(id=1)) == "team"


def test_every_team_notice_has_wording():
    class Event:
        data: dict = {"user_id": 1, "name": "Ann", "reason": "r", "sponsor": "S"}

    team = Team(id=1, name="T", problem="p")
    for verb in TEAM_NOTICES:
        event = Event()
        event.verb = verb  # type: ignore[attr-defined]
        assert _notice(event, team, None) is not None, verb  # type: ignore[arg-type]
