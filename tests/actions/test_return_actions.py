"""validate_return_request_form, action_ask_return_item and action_submit_return on the seeded CRM."""
from __future__ import annotations

from datetime import timedelta

import pytest
from action_testkit import SEED_NOW, load_tracker, marks, texts
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.returns import ActionAskReturnItem, ActionSubmitReturn, ValidateReturnRequestForm
from bot.client_profile import load_client_profile

pytestmark = pytest.mark.anyio

TODAY = load_client_profile("client.yml").today(SEED_NOW)
RESET = [SlotSet("return_item", None), SlotSet("return_reason", None), SlotSet("return_type", None),
         SlotSet("requested_slot", None)]


def day(offset: int, weekday: bool = True) -> str:
    d = TODAY + timedelta(days=offset)
    return f"{d:%A} {d.day} {d:%B}" if weekday else f"{d.day} {d:%B}"


async def validate(dispatcher, domain, **kwargs):
    tracker = load_tracker(kwargs.pop("fixture", "return_item"), **kwargs)
    return await ValidateReturnRequestForm().run(dispatcher, tracker, domain)


# ------------------------------------------------------------------ item
@pytest.mark.parametrize("said", ["the grinder", "Burr Grinder Pro", "grinder pro", "the burr grinder please"])
async def test_item_is_matched_fuzzily(crm_url, dispatcher, domain, said):
    events = await validate(dispatcher, domain, candidates={"return_item": said})
    assert events == [SlotSet("return_item", "Burr Grinder Pro")]
    assert dispatcher.messages == []


async def test_item_from_a_button(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"return_item": "Ceramic Mug Set"})
    assert events == [SlotSet("return_item", "Ceramic Mug Set")]


async def test_product_not_in_the_order_lists_the_items_as_buttons(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"return_item": "the kettle"})
    assert events == [SlotSet("return_item", None)]
    assert texts(dispatcher) == ["I couldn't find \"the kettle\" in order A1043. These are its items:"]
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Burr Grinder Pro", "payload": '/inform{"product":"Burr Grinder Pro"}'},
        {"title": "Ceramic Mug Set", "payload": '/inform{"product":"Ceramic Mug Set"}'},
    ]


async def test_item_is_asked_only_after_verification(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"return_item": "the grinder"},
                            slots={"verified_customer_id": None})
    assert events == [SlotSet("return_item", None)]
    assert dispatcher.messages == []


async def test_item_with_an_open_return_is_refused(crm, dispatcher, domain):
    crm.create_return("A1043", "Burr Grinder Pro", "stopped working")
    events = await validate(dispatcher, domain, candidates={"return_item": "grinder"})
    assert events == [SlotSet("return_item", None)]
    assert texts(dispatcher) == ["There's already a return open for the Burr Grinder Pro from order A1043; the label "
                                 "is in your email."]
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Ceramic Mug Set"]


async def test_crm_down_while_matching_the_item(crm_down, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"return_item": "the grinder"})
    assert events == [SlotSet("return_item", None), SlotSet("requested_slot", None), ActiveLoop(None)]
    assert texts(dispatcher) == ["utter_crm_unavailable"]
    assert marks(dispatcher) == ["form_stopped"]


# ------------------------------------------------------------------ reason
async def test_reason_is_trimmed(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"return_reason": "   the burrs   are uneven  "},
                            slots={"requested_slot": "return_reason", "return_item": "Burr Grinder Pro"})
    assert events == [SlotSet("return_reason", "the burrs are uneven")]


async def test_empty_reason_is_asked_again(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"return_reason": "  ?! "},
                            slots={"requested_slot": "return_reason"})
    assert events == [SlotSet("return_reason", None)]
    assert texts(dispatcher) == ["Sorry, I didn't catch a reason there."]


async def test_long_reason_is_cut_at_500_characters(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"return_reason": "it wobbles " * 100},
                            slots={"requested_slot": "return_reason"})
    (event,) = events
    assert len(event["value"]) <= 500 and event["value"].endswith("…")


# ------------------------------------------------------------------ order number + email (shared code)
async def test_unknown_order_in_the_return_form(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"order_id": "a9999"})
    assert events == [SlotSet("order_id", None)]
    assert texts(dispatcher) == ["I can't find order A9999. Could you check the number?"]


async def test_wrong_email_in_the_return_form(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, candidates={"email": "aisha.khan@example.com"})
    assert events == [SlotSet("email", None), SlotSet("verified_customer_id", None)]
    assert marks(dispatcher) == ["verification_failed"]


# ------------------------------------------------------------------ asking for the item
async def test_ask_return_item_offers_the_order_items(crm_url, dispatcher, domain):
    events = await ActionAskReturnItem().run(dispatcher, load_tracker("return_item"), domain)
    assert events == []
    assert texts(dispatcher) == ["Which item from order A1043 is it about?"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        '/inform{"product":"Burr Grinder Pro"}', '/inform{"product":"Ceramic Mug Set"}']


async def test_ask_return_item_falls_back_to_the_response(crm_down, dispatcher, domain):
    await ActionAskReturnItem().run(dispatcher, load_tracker("return_item"), domain)
    assert texts(dispatcher) == ["utter_ask_return_item"]


# ------------------------------------------------------------------ submit
async def submit(dispatcher, domain, **slots):
    return await ActionSubmitReturn().run(dispatcher, load_tracker("return_done", slots=slots), domain)


async def test_return_is_opened(crm, dispatcher, domain):
    events = await submit(dispatcher, domain)
    assert events == RESET
    (text,) = texts(dispatcher)
    assert text.startswith("Your return is open: reference RMA-")
    reference = text.split("reference ")[1].split(".")[0]
    assert text == (
        f"Your return is open: reference {reference}. We've emailed a free prepaid return label to "
        f"maria.lopez@example.com. Pack the Burr Grinder Pro (the original box is great but not required) and drop "
        f"it off with the carrier. Once it arrives at our warehouse, we'll refund $149.00 to your original payment "
        f"method within 5-7 business days."
    )
    order = crm.get_order("A1043")
    assert [line.returned for line in order.lines] == [True, False]


async def test_damaged_item_gets_replacement_or_refund(crm_url, dispatcher, domain):
    await submit(dispatcher, domain, return_type="damaged", return_item="Ceramic Mug Set",
                 return_reason="two mugs arrived cracked")
    (text,) = texts(dispatcher)
    assert text.startswith("I'm sorry your Ceramic Mug Set arrived damaged. I've opened case RMA-")
    assert "send a replacement or refund $34.00, whichever you prefer" in text


async def test_return_outside_the_window_offers_warranty_and_a_person(crm_url, dispatcher, domain):
    events = await submit(dispatcher, domain, order_id="A1044", return_item="Cast Iron Skillet",
                          return_reason="the enamel is chipping")
    assert events == RESET + [FollowupAction("utter_offer_callback")]
    assert texts(dispatcher) == [
        f"I'm sorry, I can't start a return for the Cast Iron Skillet: order A1044 was delivered on "
        f"{day(-45, weekday=False)} and the 30-day return window closed on {day(-15, weekday=False)}. If it's faulty, "
        f"our warranty may still cover it:",
        "utter_warranty_claim",
    ]


async def test_return_of_an_order_not_delivered_yet(crm_url, dispatcher, domain):
    events = await submit(dispatcher, domain, order_id="A1042", return_item="Pour-Over Kettle",
                          return_reason="changed my mind")
    assert events == RESET + [FollowupAction("utter_offer_callback")]
    (text,) = texts(dispatcher)
    assert text.startswith("Order A1042 hasn't been delivered yet, so a return can only be started once it arrives. "
                           "Order A1042 (Pour-Over Kettle and 2 × Coffee Beans) shipped on")


async def test_second_return_of_the_same_item(crm_url, dispatcher, domain):
    await submit(dispatcher, domain)
    second = type(dispatcher)()
    events = await submit(second, domain)
    assert events == RESET + [FollowupAction("utter_offer_callback")]
    (text,) = texts(second)
    assert text.startswith("A return for the Burr Grinder Pro of order A1043 is already open (RMA-")
    assert text.endswith("The prepaid label is in your email; if you can't find it, a colleague can resend it.")


async def test_submit_for_an_unverified_customer_does_nothing(crm_url, dispatcher, domain):
    events = await submit(dispatcher, domain, verified_customer_id="C1003")
    assert events == RESET
    assert dispatcher.messages == []


async def test_submit_with_crm_down(crm_down, dispatcher, domain):
    events = await submit(dispatcher, domain)
    assert events == RESET
    assert texts(dispatcher) == ["utter_crm_unavailable"]
