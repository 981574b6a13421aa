"""Knowledge-base answers through the whole stack: hub -> Rasa -> action server -> index."""
import pytest

from bot.kb.answers import AnswerLog
from tests.e2e.conftest import new_conversation, say, texts

pytestmark = pytest.mark.e2e


def buttons(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in m.get("buttons") or []]


def test_long_tail_question_is_answered_from_an_article_and_feedback_is_recorded(hub, stack):
    _, settings = stack
    conversation = new_conversation(hub)
    replies = say(hub, conversation, "my barista one espresso machine beeps and shows E04 on the display")
    answer = texts(replies)
    assert "Source: Barista One error codes" in answer, answer
    assert "https://larkspur.example/help/troubleshooting/barista-one-error-codes" in answer
    offered = {b["title"]: b["payload"] for b in buttons(replies)}
    assert offered == {"Yes, thanks": "/affirm", "No": "/deny"}

    thanks = texts(say(hub, conversation, "No", payload=offered["No"]))
    assert "didn't answer it" in thanks

    log = AnswerLog(settings.hub_db_url, keys=settings.data_keys)
    try:
        [row] = log.for_conversation(conversation)
    finally:
        log.close()
    assert row["shown_article"] == "troubleshooting/barista-one-error-codes"
    assert row["helpful"] is False and row["outcome"] == "answered"


def test_question_nobody_wrote_an_article_for_gets_an_honest_answer(hub):
    conversation = new_conversation(hub)
    replies = say(hub, conversation, "what is the capital of mongolia")
    reply = texts(replies)
    assert "Source:" not in reply, reply
    assert any(b["payload"] in ("/request_human", "/order_status") for b in buttons(replies)) or \
        "outside what I can help with" in reply, reply
