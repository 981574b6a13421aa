"""Returns: verify the order, pick the item (fuzzy), take the reason, open the return."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import replies
from actions.common import (SafeAction, button, form_stopped_this_turn, frustration_level, log, log_error, now,
                            profile, utter, with_crm)
from actions.verification import OrderVerificationValidation
from bot.crm import CrmError, Order, ReturnNotAllowed
from bot.parsing import clean_text, match_product

MAX_REASON_CHARS = 500
ASK_REASON_AGAIN = "Sorry, I didn't catch a reason there."


def item_buttons(order: Order, names: tuple[str, ...] | list[str] | None = None) -> list[dict[str, str]]:
    """One button per item: payload /inform{"product":"Pour-Over Kettle"} (fills return_item)."""
    return [button(name, "inform", product=name) for name in (names or order.products)]


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
        else:
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
        if not (order_id and customer_id and item and reason):
            log.warning("return submitted without a complete form", extra={"sender_id": tracker.sender_id})
            return self.reset_events(tracker)
        order = await with_crm(lambda crm: crm.get_order(order_id))
        if order is None or order.customer_id != customer_id:
            log.warning("return: order missing or not the verified customer's",
                        extra={"sender_id": tracker.sender_id, "order_id": order_id})
            return self.reset_events(tracker)
        events = self.reset_events(tracker)
        try:
            case = await with_crm(lambda crm: crm.create_return(order_id, item, reason))
        except ReturnNotAllowed as exc:
            log.info("return refused", extra={"sender_id": tracker.sender_id, "order_id": order_id,
                                              "reason_code": exc.reason_code})
            reply = replies.return_refused_reply(exc.reason_code, exc.message, order, item, profile(), now())
            utter(dispatcher, reply.text)
            for response in reply.responses:
                utter(dispatcher, response=response)
            if reply.offer_callback:
                events.append(FollowupAction("utter_offer_callback"))
            return events
        return_type, email = tracker.get_slot("return_type"), tracker.get_slot("email")
        reply = replies.return_created_reply(case, return_type, email, profile(), tone=frustration_level(tracker))
        utter(dispatcher, reply.text)
        if reply.offer_callback:
            events.append(FollowupAction("utter_offer_callback"))
        return events
