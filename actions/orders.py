"""Order look-up: verify order number + email, then answer with the real order status."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.common import (CALM, SafeAction, apologised_this_turn, form_stopped_this_turn, frustration_level, log,
                            now, profile, utter, with_crm)
from actions.verification import OrderVerificationValidation


class ValidateOrderLookupForm(OrderVerificationValidation):
    def name(self) -> str:
        return "validate_order_lookup_form"


FORM = "order_lookup_form"


def form_opened_this_turn(tracker: Tracker, form: str) -> bool:
    """Is `form` being started by the customer's latest message (no customer message since it
    was activated, or not active yet)?"""
    if tracker.active_loop_name != form:
        return True
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name") == form:
            return True
    return False


class ActionAskOrderLookupSlot(SafeAction):
    """The order look-up's questions (Rasa runs action_ask_<form>_<slot> instead of utter_ask_<slot>).

    A customer who is annoyed or angry when asking about an order ("where the heck is my mixer??",
    "NEVER arrived") is telling us something went wrong: the first question is preceded by an
    apology, unless the bot already apologised this turn (a late or missing parcel has its own)."""

    slot = ""

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if (frustration_level(tracker) != CALM and form_opened_this_turn(tracker, FORM)
                and not apologised_this_turn(tracker, dispatcher, domain)):
            utter(dispatcher, response="utter_sorry_order_trouble")
        utter(dispatcher, response=f"utter_ask_{self.slot}")
        return []


class ActionAskOrderLookupOrderId(ActionAskOrderLookupSlot):
    slot = "order_id"

    def name(self) -> str:
        return f"action_ask_{FORM}_order_id"


class ActionAskOrderLookupEmail(ActionAskOrderLookupSlot):
    slot = "email"

    def name(self) -> str:
        return f"action_ask_{FORM}_email"


class ActionOrderStatus(SafeAction):
    """Runs when order_lookup_form completes; phrased for slot `order_request`."""

    def name(self) -> str:
        return "action_order_status"

    def reset_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("order_request", None)]

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if form_stopped_this_turn(tracker):
            return self.reset_events(tracker)
        order_id = tracker.get_slot("order_id")
        customer_id = tracker.get_slot("verified_customer_id")
        if not order_id or not customer_id:
            log.warning("order status without a verified order", extra={"sender_id": tracker.sender_id})
            return self.reset_events(tracker)
        order = await with_crm(lambda crm: crm.get_order(order_id))
        if order is None or order.customer_id != customer_id:
            log.warning("order status: order missing or not the verified customer's",
                        extra={"sender_id": tracker.sender_id, "order_id": order_id})
            return self.reset_events(tracker)
        request = tracker.get_slot("order_request")
        if request == "case":  # "is my ticket still open?": the open cases, verified through the order
            tickets = await with_crm(lambda crm: crm.open_tickets(customer_id))
            utter(dispatcher, replies.case_status_reply(tickets, order, profile(), now()))
            if tickets:
                return self.reset_events(tracker)
        reply = replies.order_status_reply(order, request, profile(), now(),
                                           tone=frustration_level(tracker),
                                           apologised=apologised_this_turn(tracker, dispatcher))
        utter(dispatcher, reply.text, buttons=tracking_buttons(order) or None)
        events = self.reset_events(tracker)
        if reply.offer_callback:
            events.append(FollowupAction("utter_offer_callback"))
        return events


def tracking_buttons(order) -> list[dict]:
    """A link button to the carrier's tracking page (the widget opens it; other channels show the link)."""
    shipment = order.shipment
    url = profile().tracking_url(shipment.carrier, shipment.tracking_number) if shipment else None
    return [{"title": f"Track with {shipment.carrier}", "url": url}] if url else []
