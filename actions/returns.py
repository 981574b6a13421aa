"""Returns: verify the order, pick the item (fuzzy), take the reason, open the return.

The form asks only what the customer hasn't said: the reason and the item come from the message
that started it when they are there (`actions.opening`), an order with one item needs no item
question, and an order that can't be returned (window closed, not delivered yet, cancelled) is
answered as soon as it is verified, with what the customer can do instead.
"""
from __future__ import annotations

from datetime import timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import replies
from actions.common import (SafeAction, apologised_this_turn, button, form_stopped_this_turn, frustration_level, log,
                            log_error, now, profile, utter, with_crm)
from actions.opening import Opening, named_item, opening_message, reason_to_fill, unmatched_products
from actions.verification import OrderVerificationValidation
from bot.crm import CrmError, Order, ReturnNotAllowed
from bot.parsing import clean_text, match_product

FORM = "return_request_form"

MAX_REASON_CHARS = 500
ASK_REASON_AGAIN = "Sorry, I didn't catch a reason there."


def item_buttons(order: Order, names: tuple[str, ...] | list[str] | None = None) -> list[dict[str, str]]:
    """One button per item: payload /inform{"product":"Pour-Over Kettle"} (fills return_item)."""
    return [button(name, "inform", product=name) for name in (names or order.products)]


def return_refusal(order: Order) -> tuple[str, str] | None:
    """(reason code, message) when no item of `order` can be returned, as the CRM's create_return
    would refuse it (the same rules and its UTC day), or None."""
    if order.status == "cancelled":
        return "order_cancelled", f"Order {order.order_id} was cancelled, so there is nothing to return."
    ship = order.shipment
    if order.status != "delivered" or ship is None or ship.delivered_at is None:
        return "not_delivered", f"Order {order.order_id} has not been delivered yet."
    if order.return_by is not None and now().astimezone(timezone.utc).date() > order.return_by:
        return "outside_window", f"The return window of order {order.order_id} ended on {order.return_by}."
    if all(line.returned for line in order.lines):
        what = f"the {order.lines[0].product}" if len(order.lines) == 1 else "everything"
        return "already_returned", f"A return for {what} from order {order.order_id} is already open."
    return None


class ValidateReturnRequestForm(OrderVerificationValidation):
    def name(self) -> str:
        return "validate_return_request_form"

    async def validate_return_item(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        order_id = tracker.get_slot("order_id")
        if not order_id or not tracker.get_slot("verified_customer_id"):
            return {"return_item": None}  # asked once the order is verified
        try:
            order = await with_crm(lambda crm: crm.get_order(order_id))
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc, return_item=None)
        if order is None:
            return {"return_item": None}
        text = clean_text(value, 120)
        match = match_product(text, order.products)
        if match.product is None:
            if match.candidates:
                utter(dispatcher, f"Order {order.order_id} has more than one of those:",
                      buttons=item_buttons(order, match.candidates))
            else:
                said = f"\"{text}\"" if text else "that"
                utter(dispatcher, f"I couldn't find {said} in order {order.order_id}. These are its items:",
                      buttons=item_buttons(order))
            return {"return_item": None}
        line = next(line for line in order.lines if line.product == match.product)
        if line.returned:
            others = [name for name in order.products if name != match.product]
            utter(dispatcher, f"There's already a return open for the {match.product} from order {order.order_id}; "
                              f"the label is in your email.",
                  buttons=item_buttons(order, others) if others else None)
            return {"return_item": None}
        return {"return_item": match.product}

    def validate_return_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        reason = clean_text(value, MAX_REASON_CHARS)
        if reason is None:
            utter(dispatcher, ASK_REASON_AGAIN)
        return {"return_reason": reason}

    async def fill_from_context(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        slots = await super().fill_from_context(dispatcher, tracker, domain)  # an email given before the order
        if REQUESTED_SLOT in slots:
            return slots
        tracker.slots.update(slots)
        slots.update(reason_to_fill(tracker, FORM, "return_reason"))
        opening = opening_message(tracker, FORM)
        order_id, customer_id = tracker.get_slot("order_id"), tracker.get_slot("verified_customer_id")
        if not (order_id and customer_id):
            return slots
        try:
            order = await with_crm(lambda crm: crm.get_order(order_id))
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc)
        if order is None or order.customer_id != customer_id:
            return slots
        refusal = return_refusal(order)
        if refusal is not None:
            # nothing more to ask: the submit action says why at once and what is still possible
            log.info("return not possible, form ends early", extra={"sender_id": tracker.sender_id,
                                                                   "order_id": order_id, "reason_code": refusal[0]})
            return {**slots, REQUESTED_SLOT: None}
        if tracker.get_slot("return_item") is None and tracker.get_slot(REQUESTED_SLOT) != "return_item":
            item = self.item_already_given(order, opening)
            if item:
                slots["return_item"] = item
        return slots

    @staticmethod
    def item_already_given(order: Order, opening: Opening | None) -> str | None:
        """The item when the order has only one, or the one item of the order the customer named."""
        if len(order.lines) == 1:
            product = order.lines[0].product
        elif opening is None:
            return None
        else:
            product = named_item(opening, order.products).product
        line = next((line for line in order.lines if line.product == product), None)
        return product if line is not None and not line.returned else None


class ActionAskReturnItem(Action):
    """Asks for the item with one button per item of the verified order.

    Used by Rasa only when `action_ask_return_item` is listed in domain.yml (otherwise
    Rasa sends `utter_ask_return_item`)."""

    def name(self) -> str:
        return "action_ask_return_item"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        order = None
        order_id = tracker.get_slot("order_id")
        if order_id and tracker.get_slot("verified_customer_id"):
            try:
                order = await with_crm(lambda crm: crm.get_order(order_id))
            except Exception as exc:  # noqa: BLE001 - fall back to the plain question
                log_error(self.name(), tracker, "could not list the order's items", exc)
        if order is None:
            utter(dispatcher, response="utter_ask_return_item")
            return []
        opening = opening_message(tracker, FORM)
        if opening is not None and tracker.get_slot(REQUESTED_SLOT) != "return_item":  # first time asked
            candidates = named_item(opening, order.products).candidates
            if candidates:
                utter(dispatcher, f"Order {order.order_id} has more than one of those. Which one is it about?",
                      buttons=item_buttons(order, candidates))
                return []
            not_in_order = unmatched_products(opening, order.products)
            if not_in_order:
                utter(dispatcher, f"I couldn't find \"{not_in_order[0]}\" in order {order.order_id}. Which of its "
                                  f"items is it about?", buttons=item_buttons(order))
                return []
        utter(dispatcher, f"Which item from order {order.order_id} is it about?", buttons=item_buttons(order))
        return []


class ActionSubmitReturn(SafeAction):
    def name(self) -> str:
        return "action_submit_return"

    def reset_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet(slot, None) for slot in ("return_item", "return_reason", "return_type", REQUESTED_SLOT)]

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if form_stopped_this_turn(tracker):
            return self.reset_events(tracker)
        order_id = tracker.get_slot("order_id")
        customer_id = tracker.get_slot("verified_customer_id")
        item = tracker.get_slot("return_item")
        reason = tracker.get_slot("return_reason")
        if not (order_id and customer_id):
            log.warning("return submitted without a verified order", extra={"sender_id": tracker.sender_id})
            return self.reset_events(tracker)
        order = await with_crm(lambda crm: crm.get_order(order_id))
        if order is None or order.customer_id != customer_id:
            log.warning("return: order missing or not the verified customer's",
                        extra={"sender_id": tracker.sender_id, "order_id": order_id})
            return self.reset_events(tracker)
        events = self.reset_events(tracker)
        refusal = return_refusal(order)
        if refusal is not None:  # the form ended as soon as the order was verified
            return events + self.refuse(dispatcher, tracker, *refusal, order, item)
        if not (item and reason):
            log.warning("return submitted without a complete form", extra={"sender_id": tracker.sender_id})
            return events
        try:
            case = await with_crm(lambda crm: crm.create_return(order_id, item, reason))
        except ReturnNotAllowed as exc:
            return events + self.refuse(dispatcher, tracker, exc.reason_code, exc.message, order, item)
        return_type, email = tracker.get_slot("return_type"), tracker.get_slot("email")
        reply = replies.return_created_reply(case, return_type, email, profile(), tone=frustration_level(tracker),
                                             apologised=apologised_this_turn(tracker, dispatcher))
        utter(dispatcher, reply.text)
        if reply.offer_callback:
            events.append(FollowupAction("utter_offer_callback"))
        return events

    def refuse(self, dispatcher: CollectingDispatcher, tracker: Tracker, reason_code: str, message: str,
               order: Order, item: str | None) -> list[EventType]:
        """An honest no, with what the customer can do instead."""
        log.info("return refused", extra={"sender_id": tracker.sender_id, "order_id": order.order_id,
                                          "reason_code": reason_code})
        reply = replies.return_refused_reply(reason_code, message, order, item, profile(), now(),
                                             return_type=tracker.get_slot("return_type"),
                                             tone=frustration_level(tracker),
                                             apologised=apologised_this_turn(tracker, dispatcher))
        utter(dispatcher, reply.text)
        for response in reply.responses:
            utter(dispatcher, response=response)
        return [FollowupAction("utter_offer_callback")] if reply.offer_callback else []
