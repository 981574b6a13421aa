"""validate_return_request_form, action_ask_return_item and action_submit_return on the seeded CRM."""
from __future__ import annotations

from datetime import timedelta

import pytest
from action_testkit import SEED_NOW, load_tracker, marks, message, texts, with_apology
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.common import apologises
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
                            slots={"verified_customer_id": None, "email": None})
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


async def test_return_outside_the_window_offers_store_credit_warranty_and_a_person(crm_url, dispatcher, domain):
    events = await submit(dispatcher, domain, order_id="A1044", return_item="Cast Iron Skillet",
                          return_reason="the enamel is chipping")
    assert events == RESET + [FollowupAction("utter_offer_callback")]
    assert texts(dispatcher) == [
        f"I'm sorry, I can't start a return for the Cast Iron Skillet: order A1044 was delivered on "
        f"{day(-45, weekday=False)} and the 30-day return window closed on {day(-15, weekday=False)}. Here's what's "
        f"still possible:\n"
        f"- Store credit: if it's unused and in its original packaging, it can still come back for store credit until "
        f"{day(15)}. We'll email a return label and take $7.95 off the credit for it, or you can send it yourself "
        f"with a tracked service.\n"
        f"- Warranty: if it's faulty, our warranty may still cover it: email help@larkspur.example with your order "
        f"number and a photo or short video of the fault.\n"
        f"- If something on our side made you miss the window, such as a late parcel or a slow reply from us, tell "
        f"us and we'll refund it as normal."
    ]


async def test_damaged_item_outside_the_window_gets_the_warranty_not_store_credit(crm_url, dispatcher, domain):
    events = await submit(dispatcher, domain, order_id="A1044", return_item="Cast Iron Skillet",
                          return_reason="it arrived cracked", return_type="damaged")
    assert events == RESET + [FollowupAction("utter_offer_callback")]
    (text,) = texts(dispatcher)
    assert "store credit" not in text
    assert "our warranty may still cover it: email help@larkspur.example" in text


async def test_return_after_the_store_credit_period_has_only_the_warranty(crm_url, dispatcher, domain, monkeypatch):
    from bot import client_profile

    monkeypatch.setattr(client_profile, "now", lambda: SEED_NOW + timedelta(days=20))  # 65 days after delivery
    await submit(dispatcher, domain, order_id="A1044", return_item="Cast Iron Skillet", return_reason="too heavy")
    (text,) = texts(dispatcher)
    assert "Late returns for store credit end 60 days after delivery, so that has passed too." in text
    assert "store credit until" not in text and "warranty may still cover it" in text


@pytest.mark.parametrize("level", ["annoyed", "angry"])
async def test_closed_window_is_shorter_when_frustrated_and_keeps_the_alternatives(crm_url, domain, level):
    from rasa_sdk.executor import CollectingDispatcher

    said = {}
    for tone in ("calm", level):
        dispatcher = CollectingDispatcher()
        events = await submit(dispatcher, domain, order_id="A1044", return_item="Cast Iron Skillet",
                              return_reason="too heavy", frustration_level=tone)
        assert events[-1] == FollowupAction("utter_offer_callback")
        (said[tone],) = texts(dispatcher)
    assert len(said[level]) < len(said["calm"])
    assert "store credit" in said[level].lower() and "warranty" in said[level] and day(15) in said[level]


@pytest.mark.parametrize("level", ["calm", "annoyed", "angry"])
@pytest.mark.parametrize("slots", [
    {"order_id": "A1044", "return_item": "Cast Iron Skillet", "return_reason": "too heavy"},  # window closed
    {"order_id": "A1044", "return_item": None, "return_reason": None, "return_type": "damaged"},
    {"return_type": "damaged", "return_item": "Ceramic Mug Set", "return_reason": "two mugs arrived cracked"},
    {"return_type": "wrong", "return_item": "Burr Grinder Pro", "return_reason": "a hand grinder came"},
    {"order_id": "A1045", "return_item": "Stand Mixer", "return_reason": "too loud"},  # not delivered, running late
])
async def test_no_second_apology_in_the_turn_of_the_first(crm_url, dispatcher, domain, slots, level):
    tracker = with_apology(load_tracker("return_done", slots={**slots, "frustration_level": level}))
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    (text,) = texts(dispatcher)
    assert not apologises(text), text


async def test_wrong_item_is_sorry_for_sending_something_else_than_the_item_ordered(crm_url, dispatcher, domain):
    await submit(dispatcher, domain, return_type="wrong", return_item="Burr Grinder Pro",
                 return_reason="the box has a hand grinder in it")
    (text,) = texts(dispatcher)
    assert text.startswith("I'm sorry we sent the wrong item instead of your Burr Grinder Pro. I've opened case RMA-")


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


# ------------------------------------------------------------------ asking only what is missing
async def start(dispatcher, domain, said: dict, apology: bool = False, **slots):
    """The return form being activated by the customer's message `said`, with the slots filled from it."""
    tracker = load_tracker("return_start", latest_message=said, candidates=slots)
    if apology:
        with_apology(tracker)
    return await ValidateReturnRequestForm().run(dispatcher, tracker, domain)


def returnable_single_item_order(crm):
    """A delivered order with one item, still inside its return window, and its customer's email."""
    for number in range(1001, 1301):
        order = crm.get_order(f"A{number}")
        if (order and order.status == "delivered" and len(order.lines) == 1 and not order.lines[0].returned
                and order.return_by and order.return_by >= TODAY + timedelta(days=1)):
            return order, crm.find_customer(customer_id=order.customer_id).email
    raise AssertionError("the seed has no returnable single-item order")


async def test_single_item_order_needs_no_item_question(crm, dispatcher, domain):
    order, email = returnable_single_item_order(crm)
    said = message(f"I want to return order {order.order_id}", "return_request", order_id=order.order_id)
    events = await start(dispatcher, domain, said, order_id=order.order_id, email=email)
    assert events == [SlotSet("order_id", order.order_id), SlotSet("email", email),
                      SlotSet("verified_customer_id", order.customer_id),
                      SlotSet("return_item", order.lines[0].product)]
    assert dispatcher.messages == []  # next question: the reason, not the item


async def test_item_named_in_the_first_message_is_not_asked_and_a_damage_report_is_the_reason(crm_url, dispatcher,
                                                                                                domain):
    said = message("the mug set from A1043 arrived cracked, my email is maria.lopez@example.com", "item_damaged",
                   product="mug set", order_id="A1043", email="maria.lopez@example.com")
    events = await start(dispatcher, domain, said, order_id="A1043", email="maria.lopez@example.com")
    assert events == [SlotSet("order_id", "A1043"), SlotSet("email", "maria.lopez@example.com"),
                      SlotSet("verified_customer_id", "C1001"),
                      SlotSet("return_reason", "the mug set from A1043 arrived cracked"),
                      SlotSet("return_item", "Ceramic Mug Set")]
    assert dispatcher.messages == []  # everything is known: the form submits


async def test_wrong_item_names_what_was_ordered_and_what_came(crm_url, dispatcher, domain):
    said = message("you sent me the wrong item, I ordered the grinder and got a toaster", "item_wrong",
                   product=["grinder", "toaster"])
    events = await start(dispatcher, domain, said, apology=True, order_id="A1043", email="maria.lopez@example.com")
    assert SlotSet("return_item", "Burr Grinder Pro") in events  # the toaster isn't in the order
    assert SlotSet("return_reason", "you sent me the wrong item, I ordered the grinder and got a toaster") in events


async def test_reason_is_asked_when_the_first_message_gives_none(crm_url, dispatcher, domain):
    said = message("I want to return the grinder from A1043", "return_request", product="grinder",
                   order_id="A1043")
    events = await start(dispatcher, domain, said, order_id="A1043", email="maria.lopez@example.com")
    assert SlotSet("return_item", "Burr Grinder Pro") in events
    assert not [e for e in events if e["name"] == "return_reason"]


async def test_reason_is_taken_once_the_order_arrives_in_a_later_turn(crm_url, dispatcher, domain):
    # "the grinder from my last order is too loud" started the form; the customer now gives the email
    tracker = load_tracker("return_item", candidates={"email": "maria.lopez@example.com"},
                           slots={"return_item": None, "verified_customer_id": None, "email": None,
                                  "requested_slot": "email"})
    opening = next(e for e in tracker.events if e["event"] == "user")
    opening["text"] = "the grinder from my last order is too loud, I want to send it back"
    opening["parse_data"] = message(opening["text"], "return_request", product="grinder")
    events = await ValidateReturnRequestForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("email", "maria.lopez@example.com"), SlotSet("verified_customer_id", "C1001"),
                      SlotSet("return_reason", "the grinder from my last order is too loud, I want to send it back"),
                      SlotSet("return_item", "Burr Grinder Pro")]


async def test_order_outside_the_window_ends_the_form_as_soon_as_it_is_verified(crm_url, dispatcher, domain):
    said = message("I want to return the skillet from order A1044", "return_request", product="skillet",
                   order_id="A1044")
    events = await start(dispatcher, domain, said, order_id="A1044", email="maria.lopez@example.com")
    assert events == [SlotSet("order_id", "A1044"), SlotSet("email", "maria.lopez@example.com"),
                      SlotSet("verified_customer_id", "C1001"), SlotSet("requested_slot", None), ActiveLoop(None)]
    assert dispatcher.messages == []  # no more questions: the submit action answers
    assert marks(dispatcher) == []


async def test_order_outside_the_window_is_answered_at_once_without_item_or_reason(crm_url, dispatcher, domain):
    events = await submit(dispatcher, domain, order_id="A1044", return_item=None, return_reason=None)
    assert events == RESET + [FollowupAction("utter_offer_callback")]
    (text,) = texts(dispatcher)
    assert text.startswith(f"I'm sorry, I can't start a return for the Cast Iron Skillet: order A1044 was delivered "
                           f"on {day(-45, weekday=False)} and the 30-day return window closed on "
                           f"{day(-15, weekday=False)}.")
    assert f"store credit until {day(15)}" in text


async def test_order_not_delivered_yet_is_answered_once_verified(crm_url, dispatcher, domain):
    said = message("I want to return A1042", "return_request", order_id="A1042")
    events = await start(dispatcher, domain, said, order_id="A1042", email="maria.lopez@example.com")
    assert events[-2:] == [SlotSet("requested_slot", None), ActiveLoop(None)]
    reply = type(dispatcher)()
    await submit(reply, domain, order_id="A1042", return_item=None, return_reason=None)
    assert texts(reply)[0].startswith("Order A1042 hasn't been delivered yet, so a return can only be started once "
                                      "it arrives.")


async def test_order_whose_items_all_have_a_return_is_answered_once_verified(crm, dispatcher, domain):
    crm.create_return("A1043", "Burr Grinder Pro", "stopped working")
    crm.create_return("A1043", "Ceramic Mug Set", "chipped")
    said = message("return A1043", "return_request", order_id="A1043")
    events = await start(dispatcher, domain, said, order_id="A1043", email="maria.lopez@example.com")
    assert events[-2:] == [SlotSet("requested_slot", None), ActiveLoop(None)]
    reply = type(dispatcher)()
    await submit(reply, domain, return_item=None, return_reason=None)
    assert texts(reply) == ["A return for everything from order A1043 is already open. The prepaid label is in your "
                            "email; if you can't find it, a colleague can resend it."]


async def test_a_button_payload_is_not_a_reason(crm_url, dispatcher, domain):
    events = await start(dispatcher, domain, message("/return_request", "return_request"))
    assert events == []


async def test_ask_item_says_when_the_named_product_is_not_in_the_order(crm_url, dispatcher, domain):
    tracker = load_tracker("return_item", slots={"requested_slot": "email", "return_item": None})
    opening = next(e for e in tracker.events if e["event"] == "user")
    opening["parse_data"] = message("I want to return the toaster from A1043", "return_request", product="toaster",
                                    order_id="A1043")
    await ActionAskReturnItem().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ['I couldn\'t find "toaster" in order A1043. Which of its items is it about?']
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Burr Grinder Pro", "Ceramic Mug Set"]


async def test_submit_right_after_the_apology_keeps_the_case_and_drops_the_sorry(crm_url, dispatcher, domain):
    tracker = with_apology(load_tracker("return_done", slots={"return_type": "damaged",
                                                              "return_item": "Ceramic Mug Set",
                                                              "return_reason": "two mugs arrived cracked"}))
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    (text,) = texts(dispatcher)
    assert text.startswith("I've opened case RMA-")
    assert "send a replacement or refund $34.00, whichever you prefer" in text
