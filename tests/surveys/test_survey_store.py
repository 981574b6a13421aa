"""Survey storage on SQLite and the real PostgreSQL, and the answer payloads."""
from __future__ import annotations

import pytest

from bot.conversations.store import Store
from bot.surveys.service import CSAT, answer_payload, parse_payload, thanks
from bot.surveys.store import SurveyStore, hours_ago


@pytest.fixture
def stores(hub_db_url):
    store = Store(hub_db_url)
    store.create_schema()
    yield store, SurveyStore(store)
    store.close()


def test_an_answer_counts_once_and_only_in_its_own_conversation(stores):
    store, surveys = stores
    mine, other = store.create_conversation(), store.create_conversation()
    survey = surveys.ask(mine, "csat", "agent_closed", handoff_id=7, agent_id=3)
    assert surveys.asked_since(mine, hours_ago(1)) and not surveys.asked_since(other, hours_ago(1))
    assert surveys.answer(survey.id, other, 5) == (None, False)
    answered, first = surveys.answer(survey.id, mine, 4)
    assert first and (answered.score, answered.status, answered.handoff_id) == (4, "answered", 7)
    again, first = surveys.answer(survey.id, mine, 1)
    assert not first and again.score == 4
    assert surveys.answer(12345, mine, 3) == (None, False)


@pytest.mark.parametrize("payload, parsed", [
    (answer_payload(12, 3), (12, 3)),
    (answer_payload(12, None), (12, None)),
    ('/survey_answer{"survey": "12", "score": 3}', None),
    ('/survey_answer{"survey": 12, "score": true}', None),
    ('/survey_answer{"survey": 12}', None),
    ("/survey_answer{not json", None),
    ("/handoff_ticket", None),
])
def test_payloads(payload, parsed):
    assert parse_payload(payload) == parsed


def test_thanks_follow_the_score():
    assert "great" in thanks(CSAT, 5) and "great" in thanks(CSAT, 4)
    assert "sorry" in thanks(CSAT, 1) and "sorry" in thanks(CSAT, 2)
    assert "better" in thanks(CSAT, 3)
    assert "No problem" in thanks(CSAT, None)
