"""bot.kb.asks.split_asks: several asks in one message, cut where a new question starts (issue 20)."""
from __future__ import annotations

import pytest

from bot.kb.asks import split_asks, states_and_asks


@pytest.mark.parametrize("text, asks", [
    ("do you ship to canada and do you take paypal", ["do you ship to canada", "do you take paypal"]),
    ("is A1043 still returnable? and how long does the refund take once you get it back",
     ["is A1043 still returnable?", "how long does the refund take once you get it back"]),
    ("Do you price match? Also can I use a promo code on it", ["Do you price match?", "can I use a promo code on it"]),
    ("Shipping to Germany - how long does it take and will I pay customs on delivery?",
     ["Shipping to Germany - how long does it take", "will I pay customs on delivery?"]),
])
def test_a_new_question_starts_a_new_ask(text, asks):
    assert split_asks(text) == asks


@pytest.mark.parametrize("text", [
    "how do i return and exchange stuff",  # one ask about two things
    "can refurbished stuff be returned or is it final sale?",  # an alternative question is one ask
    "my grinder stopped and won't start",  # "and" before a verb, not before a question
    "where is my order?",
    "hello? anyone?",  # too short to search on its own: joined back
])
def test_one_ask_stays_whole(text):
    assert split_asks(text) == [" ".join(text.split())]


def test_blank_text_has_no_asks():
    assert split_asks("   ") == []


@pytest.mark.parametrize("text, expected", [
    ("I paid $14.95 for express and it came 2 days late. Do I get that back?", True),
    ("The kettle arrived with a dent in it! can I get a new one?", True),
    ("If my parcel is late, do I get my express fee back?", False),  # only asks
    ("what happens if my order arrives damaged?", False),
    ("it came 2 days late", False),  # only tells: no question
    ("Hi. Do you refund late express orders?", False),  # a greeting is not a statement
])
def test_a_message_that_tells_what_happened_and_asks(text, expected):
    assert states_and_asks(text) is expected
