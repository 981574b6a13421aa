"""Issue 20 through the hub with the real Rasa server, action server and CRM: a failure is
apologised for before anything is asked, and a return the policy can't take is answered as soon
as the order is verified, with what the customer can do instead."""
import re

import pytest

from tests.e2e.conftest import new_conversation, say, texts

pytestmark = pytest.mark.e2e

APOLOGY = re.compile(r"\b(sorry|apologi[sz]e\w*|apologies)\b", re.IGNORECASE)


def test_wrong_item_is_apologised_for_before_the_order_question(hub):
    conversation = new_conversation(hub)
    said = [m.get("text") or "" for m in say(hub, conversation,
                                             "you sent me the wrong item, I ordered a kettle and got a mug")]
    asking = [i for i, text in enumerate(said) if "order number" in text.lower()]
    assert asking, said
    assert any(APOLOGY.search(text) for text in said[:asking[0]]), said  # sorry first, then the question
    assert sum(bool(APOLOGY.search(text)) for text in said) == 1, said  # and only once


def test_skillet_return_outside_the_window_is_answered_at_once(hub):
    conversation = new_conversation(hub)
    first = texts(say(hub, conversation, "I want to return the skillet from order A1044"))
    assert "email" in first.lower(), first  # the order is verified before anything about it is said
    answer = texts(say(hub, conversation, "maria.lopez@example.com"))
    assert "Cast Iron Skillet" in answer and "30-day return window closed" in answer, answer
    assert "store credit until" in answer and "warranty" in answer, answer  # the policy's alternatives
    assert "which item" not in answer.lower() and "what happened" not in answer.lower(), answer  # nothing asked
    assert "call you back" in answer or "put you through" in answer, answer  # and a person offered
