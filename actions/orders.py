"""Order look-up: verify order number + email, then answer with the real order status."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.common import (SafeAction, apologised_this_turn, form_stopped_this_turn, frustration_level, log, now,
                            profile, utter, with_crm)
from actions.verification import OrderVerificationValidation


class ValidateOrderLookupForm(OrderVerificationValidation):
    def name(self) -> str:
        return "validate_order_lookup_form"


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
        reply = replies.order_status_reply(order, tracker.get_slot("order_request"), profile(), now(),
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
