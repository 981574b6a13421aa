"""action_handoff, action_handoff_returned, and the tone of the texts built in Python
(late, missing and lost parcels, damaged items) for the hub's frustration_level."""
from __future__ import annotations

import pytest
from action_testkit import load_tracker, texts
from rasa_sdk.events import FollowupAction, SlotSet

from actions.handoff import ActionHandoff, ActionHandoffReturned
from actions.orders import ActionOrderStatus
from actions.returns import ActionSubmitReturn

pytestmark = pytest.mark.anyio

CALM = [SlotSet("frustration_level", "calm")]


# ------------------------------------------------------------------ action_handoff
async def test_handoff_sends_only_the_custom_message_for_the_hub(dispatcher, domain):
    events = await ActionHandoff().run(dispatcher, load_tracker("handoff_request"), domain)
    assert events == []
    assert dispatcher.messages == [{
        "text": None, "buttons": [], "elements": [], "custom": {
            "handoff": {"reason": "asked_for_person", "intent": "request_human"}},
        "template": None, "response": None, "image": None, "attachment": None,
    }]


async def test_handoff_names_the_intent_that_asked(dispatcher, domain):
    tracker = load_tracker("handoff_request", latest_message={"intent": {"name": "complaint", "confidence": 0.9}})
    await ActionHandoff().run(dispatcher, tracker, domain)
    assert [m["custom"] for m in dispatcher.messages] == [
        {"handoff": {"reason": "asked_for_person", "intent": "complaint"}}]


async def test_handoff_without_an_intent(dispatcher, domain):
    tracker = load_tracker("handoff_request")
    tracker.latest_message = {}
    await ActionHandoff().run(dispatcher, tracker, domain)
    assert [m["custom"] for m in dispatcher.messages] == [{"handoff": {"reason": "asked_for_person", "intent": None}}]


# ------------------------------------------------------------------ action_handoff_returned
async def handed_back(dispatcher, domain, **slots):
    events = await ActionHandoffReturned().run(dispatcher, load_tracker("handoff_returned", slots=slots), domain)
    return events, texts(dispatcher)


async def test_handed_back_resolved_with_a_note(dispatcher, domain):
    events, said = await handed_back(dispatcher, domain)
    assert events == CALM
    assert said == ["Thanks for your patience. Alex has handed you back to me, the assistant. (Alex's note: refund "
                    "issued for order A1042.) Is there anything else I can help with?"]
    assert [m["buttons"] for m in dispatcher.messages] == [[]]


async def test_handed_back_without_a_note(dispatcher, domain):
    events, said = await handed_back(dispatcher, domain, handoff_note=None)
    assert events == CALM
    assert said == ["Thanks for your patience. Alex has handed you back to me, the assistant. Is there anything "
                    "else I can help with?"]


async def test_handed_back_unresolved(dispatcher, domain):
    events, said = await handed_back(dispatcher, domain, handoff_resolved=False,
                                     handoff_note="  waiting for the warehouse\nto check stock  ")
    assert events == CALM
    assert said == ["Thanks for your patience. Alex couldn't finish this here; it's all noted on your conversation, "
                    "so you won't have to explain it again. (Alex's note: waiting for the warehouse to check stock.) "
                    "You're back with me, the assistant, in the meantime. Is there anything else I can help with?"]


async def test_handed_back_with_every_slot_missing(dispatcher, domain):
    events, said = await handed_back(dispatcher, domain, agent_name=None, handoff_note=None, handoff_resolved=None)
    assert events == CALM
    assert said == ["Thanks for your patience. Our team has handed you back to me, the assistant. Is there anything "
                    "else I can help with?"]


async def test_handed_back_by_our_team_unresolved_with_a_note(dispatcher, domain):
    _, said = await handed_back(dispatcher, domain, agent_name="  ", handoff_resolved="false",
                                handoff_note="We've asked the courier to call you!")
    assert said == ["Thanks for your patience. Our team couldn't finish this here; it's all noted on your "
                    "conversation, so you won't have to explain it again. (Our team's note: We've asked the courier to "
                    "call you!) You're back with me, the assistant, in the meantime. Is there anything else I can "
                    "help with?"]


async def test_handed_back_caps_a_long_note(dispatcher, domain):
    _, (text,) = await handed_back(dispatcher, domain, handoff_note="x" * 1000)
    assert f"(Alex's note: {'x' * 297}...)" in text


async def test_handed_back_calms_an_angry_conversation(dispatcher, domain):
    events, _ = await handed_back(dispatcher, domain, frustration_level="angry")
    assert events == CALM


# ------------------------------------------------------------------ tone of the texts built in Python
async def order_status(dispatcher, domain, order_id, request, level, customer="C1001"):
    tracker = load_tracker("order_lookup_done", slots={"order_id": order_id, "order_request": request,
                                                       "verified_customer_id": customer, "frustration_level": level})
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    (text,) = texts(dispatcher)
    return events, text


@pytest.mark.parametrize("order_id, order_request, customer", [
    ("A1045", "late", "C1001"),      # delayed
    ("A1043", "missing", "C1001"),   # delivered, but the customer hasn't got it
    ("A1047", "status", "C1003"),    # lost
    ("A1049", "status", "C1004"),    # delivery exception
    ("A1042", "late", "C1001"),      # still on schedule
])
async def test_late_and_missing_parcels_are_shorter_and_offer_a_person_when_frustrated(
        crm_url, domain, order_id, order_request, customer):
    from rasa_sdk.executor import CollectingDispatcher

    said = {}
    for level in ("calm", "annoyed", "angry"):
        events, said[level] = await order_status(CollectingDispatcher(), domain, order_id, order_request, level,
                                                 customer)
        if level != "calm":
            assert events == [SlotSet("order_request", None), FollowupAction("utter_offer_callback")]
    assert len(said["angry"]) < len(said["calm"]) and len(said["annoyed"]) < len(said["calm"])
    assert len({said["calm"], said["annoyed"], said["angry"]}) == 3
    assert order_id in said["annoyed"] and order_id in said["angry"]


async def test_delayed_order_when_annoyed(crm_url, dispatcher, domain):
    events, text = await order_status(dispatcher, domain, "A1045", "late", "annoyed")
    assert events == [SlotSet("order_request", None), FollowupAction("utter_offer_callback")]
    assert text.startswith("I'm sorry, order A1045 (Stand Mixer) is late, and I can see this has been frustrating. "
                           "It's with FedEx (tracking 771204951172, "
                           "https://www.fedex.com/fedextrack/?trknbr=771204951172), and we now expect it by ")
    assert text.endswith(". If it isn't there by then, we'll replace it or refund you in full.")


async def test_delayed_order_when_angry(crm_url, dispatcher, domain):
    _, text = await order_status(dispatcher, domain, "A1045", "late", "angry")
    assert text.startswith("I'm really sorry: order A1045 (Stand Mixer) is late, and that's on us. If it isn't with "
                           "you by ")


async def test_unknown_level_reads_as_calm(crm_url, dispatcher, domain):
    events, text = await order_status(dispatcher, domain, "A1045", "late", "furious")
    assert events == [SlotSet("order_request", None)]
    assert text.startswith("I'm sorry, order A1045 (Stand Mixer) is running late. It shipped on")


async def test_lost_parcel_when_angry(crm_url, dispatcher, domain):
    _, text = await order_status(dispatcher, domain, "A1047", "status", "angry", customer="C1003")
    assert text == ("I'm so sorry: USPS lost the parcel for order A1047 (Dutch Oven). That's ours to put right: a "
                    "replacement or a full refund, your choice.")


async def submit_damaged(dispatcher, domain, level):
    tracker = load_tracker("return_done", slots={"return_type": "damaged", "return_item": "Ceramic Mug Set",
                                                 "return_reason": "two mugs arrived cracked",
                                                 "frustration_level": level})
    events = await ActionSubmitReturn().run(dispatcher, tracker, domain)
    (text,) = texts(dispatcher)
    return events, text


async def test_damaged_item_when_calm_is_unchanged(crm_url, dispatcher, domain):
    events, text = await submit_damaged(dispatcher, domain, "calm")
    assert FollowupAction("utter_offer_callback") not in events
    assert text.startswith("I'm sorry your Ceramic Mug Set arrived damaged. I've opened case RMA-")


async def test_damaged_item_when_annoyed(crm_url, dispatcher, domain):
    events, text = await submit_damaged(dispatcher, domain, "annoyed")
    assert events[-1] == FollowupAction("utter_offer_callback")
    reference = text.split("Case ")[1].split(" ")[0]
    assert text == (f"I'm sorry your Ceramic Mug Set arrived damaged; that's really disappointing, and it's our "
                    f"mistake. Case {reference} is open. We've emailed a free prepaid return label to "
                    f"maria.lopez@example.com. We'll replace it or refund $34.00, your choice.")


async def test_damaged_item_when_angry(crm_url, dispatcher, domain):
    events, text = await submit_damaged(dispatcher, domain, "angry")
    assert events[-1] == FollowupAction("utter_offer_callback")
    reference = text.split("Case ")[1].split(" ")[0]
    assert text == (f"I'm so sorry your Ceramic Mug Set arrived damaged. That's on us. Case {reference} is open and "
                    f"the return label is in your email; a replacement or $34.00 back, your choice.")
