"""A customer talks to the real assistant through the hub: Rasa, actions and the CRM all run."""
import pytest

from tests.e2e.conftest import history, new_conversation, say, texts

pytestmark = pytest.mark.e2e


def test_every_service_reports_healthy(hub):
    body = hub.get("/health").json()
    assert body["status"] == "ok", body
    assert body["checks"]["rasa"] == "ok" and body["checks"]["actions"] == "ok"


def test_greeting_offers_quick_replies(hub):
    conversation = new_conversation(hub)
    replies = say(hub, conversation, "hi there")
    assert "Lark" in texts(replies)
    titles = [b["title"] for m in replies for b in m.get("buttons") or []]
    assert "Track my order" in titles


def test_order_status_with_verification_answers_from_the_crm(hub):
    conversation = new_conversation(hub)
    first = texts(say(hub, conversation, "hey where is my order A1042??"))
    assert "email" in first.lower()
    wrong = texts(say(hub, conversation, "someone.else@example.com"))
    assert "A1042" not in wrong or "match" in wrong.lower()
    answer = texts(say(hub, conversation, "maria.lopez@example.com"))
    assert "A1042" in answer and "UPS" in answer, answer


def test_unknown_order_is_asked_again(hub):
    conversation = new_conversation(hub)
    reply = texts(say(hub, conversation, "can you track order A99999 for me"))
    assert "A99999" in reply and "find" in reply.lower(), reply


def test_callback_form_collects_and_confirms(hub):
    conversation = new_conversation(hub)
    assert "phone" in texts(say(hub, conversation, "can someone call me back please")).lower()
    assert "when" in texts(say(hub, conversation, "555-201-3344")).lower()
    say(hub, conversation, "tomorrow morning")
    done = texts(say(hub, conversation, "a refund that never arrived"))
    assert "CB-" in done and "3344" in done and "201-3344" not in done, done


@pytest.mark.parametrize("text", ["مرحبا، أين طلبي؟", "שלום, איפה ההזמנה שלי", "😡😡😡", "hello\u0000 there"])
def test_unusual_text_gets_a_reply(hub, text):
    conversation = new_conversation(hub)
    replies = say(hub, conversation, text)
    assert texts(replies).strip(), replies


def test_empty_and_oversized_messages_get_a_polite_reply(hub):
    conversation = new_conversation(hub)
    assert texts(say(hub, conversation, "   ")).strip()
    long_reply = texts(say(hub, conversation, "x" * 100_000))
    assert "long" in long_reply.lower()
    assert len(history(hub, conversation)) >= 4
