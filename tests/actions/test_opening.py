"""actions.opening: the reason and the item in the message that started a form."""
from __future__ import annotations

import pytest
from action_testkit import load_tracker, message

from actions.opening import Opening, named_item, opening_message, reason_from, states_a_reason, unmatched_products


def said(text: str, intent: str, **entities) -> Opening:
    parsed = message(text, intent, **entities)
    return Opening(parsed["text"], intent, tuple(parsed["entities"]))


@pytest.mark.parametrize("text, intent, has_reason", [
    ("my order arrived damaged", "item_damaged", True),                       # what happened is the reason
    ("you sent me the wrong item", "item_wrong", True),
    ("I was charged twice", "double_charge", True),
    ("I want to return order A1044", "return_request", False),
    ("start a return please", "return_request", False),
    ("can i return the Toaster i bought last week", "return_request", False),
    ("the Cast Iron Skillet is too heavy for me, can I return it", "return_request", True),
    ("changed my mind about the Stand Mixer, can i send it back", "return_request", True),
    ("want to return the knife, it's not sharp enough for me", "return_request", True),
    ("i want to swap the Ceramic Mug Set for a different colour", "exchange_item", True),
    ("exchange pls", "exchange_item", False),
    ("I want to dispute a charge", "billing_dispute", False),
    ("there's a charge on my card i don't recognise", "billing_dispute", True),
])
def test_states_a_reason(text, intent, has_reason):
    assert states_a_reason(said(text, intent)) is has_reason


def test_a_button_payload_states_nothing():
    assert states_a_reason(said("/item_damaged", "item_damaged")) is False


def test_reason_leaves_out_the_email_address():
    opening = said("the kettle from A1042 is leaking, my email is maria.lopez@example.com", "item_damaged",
                   email="maria.lopez@example.com")
    assert reason_from(opening) == "the kettle from A1042 is leaking"


def test_named_item_prefers_the_product_in_the_order():
    opening = said("I ordered a kettle and got a mug", "item_wrong", product=["kettle", "mug"])
    assert named_item(opening, ["Pour-Over Kettle", "Coffee Beans"]).product == "Pour-Over Kettle"


def test_named_item_from_the_words_when_no_entity_was_found():
    opening = said("the pour over thing is leaking", "item_damaged")
    assert named_item(opening, ["Pour-Over Kettle", "Coffee Beans"]).product == "Pour-Over Kettle"


def test_two_items_of_the_order_named_is_a_question():
    opening = said("the grinder and the mugs both arrived broken", "item_damaged", product=["grinder", "mugs"])
    match = named_item(opening, ["Burr Grinder Pro", "Ceramic Mug Set"])
    assert match.product is None and match.candidates == ("Burr Grinder Pro", "Ceramic Mug Set")


def test_nothing_named_is_nothing_matched():
    opening = said("I want to return something from A1043", "return_request", order_id="A1043")
    assert named_item(opening, ["Burr Grinder Pro", "Ceramic Mug Set"]).product is None


def test_products_not_in_the_order():
    opening = said("I want to return the toaster and the grinder", "return_request", product=["toaster", "grinder"])
    assert unmatched_products(opening, ["Burr Grinder Pro", "Ceramic Mug Set"]) == ["toaster"]


def test_opening_message_is_the_one_that_started_the_form():
    tracker = load_tracker("return_item")  # started by "I want to return something from A1043", three turns ago
    opening = opening_message(tracker, "return_request_form")
    assert opening.text == "I want to return something from A1043"
    assert opening.intent == "return_request" and opening.entity_values("order_id") == ["A1043"]


def test_opening_message_while_the_form_is_being_activated_is_the_latest():
    tracker = load_tracker("return_item", active_loop=None,
                           latest_message=message("the mugs came chipped", "item_damaged"))
    assert opening_message(tracker, "return_request_form").text == "the mugs came chipped"
