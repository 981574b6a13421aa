"""Order number + email verification, shared by the order look-up and the return forms.

`validate_order_id` normalises the number and checks the order exists; `validate_email`
checks the email belongs to the order's customer and then sets `verified_customer_id`.
An email given before the order number is kept and checked as soon as the number is known
(`fill_from_context`), so the customer is not asked for it again.
Wrong emails are counted from the tracker (bot messages marked `verification_failed`
since the form started): the third one stops the form with `utter_too_many_attempts`.
"""
from __future__ import annotations

from abc import ABC
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CareFormValidation, utter, with_crm
from bot.crm import CrmError
from bot.parsing import normalize_email, normalize_order_id

NOT_AN_ORDER_ID = "That doesn't look like an order number; they look like A1042."
NOT_AN_EMAIL = "That doesn't look like an email address; it should look like name@example.com."


def order_not_found(order_id: str) -> str:
    return f"I can't find order {order_id}. Could you check the number?"


def email_mismatch(order_id: str, attempts_left: int, apologised: bool = False) -> str:
    """The wrong-email message; without its "Sorry" when the turn already apologised."""
    tries = "one more try" if attempts_left == 1 else f"{attempts_left} more tries"
    lead = "That email" if apologised else "Sorry, that email"
    return f"{lead} doesn't match order {order_id}. It's the address the order confirmation went to ({tries})."


class OrderVerificationValidation(CareFormValidation, ABC):
    """Base of forms that ask for `order_id` and `email` and verify the customer."""

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        order_id = normalize_order_id(value)
        if order_id is None:
            utter(dispatcher, NOT_AN_ORDER_ID)
            return {"order_id": None}
        try:
            order = await with_crm(lambda crm: crm.get_order(order_id))
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc, order_id=order_id)
        if order is None:
            utter(dispatcher, order_not_found(order_id))
            return {"order_id": None}
        slots: dict[str, Any] = {"order_id": order_id}
        verified = tracker.get_slot("verified_customer_id")
        if verified and verified != order.customer_id:
            # verified for someone else's order: this one needs its own email
            slots.update(verified_customer_id=None, email=None)
        return slots

    async def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        email = normalize_email(value)
        if email is None:
            utter(dispatcher, NOT_AN_EMAIL)
            return {"email": None}
        if not tracker.get_slot("order_id"):
            return {"email": email, "verified_customer_id": None}  # checked once we know the order
        return await self.verify_email(email, dispatcher, tracker)

    async def fill_from_context(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        """An email given before the order number is checked now that the number is known."""
        email, order_id = tracker.get_slot("email"), tracker.get_slot("order_id")
        if not (email and order_id) or tracker.get_slot("verified_customer_id"):
            return {}
        normalized = normalize_email(email)
        if normalized is None:
            return {"email": None}
        return await self.verify_email(normalized, dispatcher, tracker)

    async def verify_email(self, email: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """Does `email` belong to the customer of the order in `order_id`? Sets `verified_customer_id`,
        or counts a failed attempt (the third stops the form)."""
        order_id = tracker.get_slot("order_id")

        def lookup(crm):
            order = crm.get_order(order_id)
            return order, crm.find_customer(customer_id=order.customer_id) if order else None

        try:
            order, customer = await with_crm(lookup)
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc, email=None, verified_customer_id=None)
        if order is None:
            return {"email": None, "order_id": None, "verified_customer_id": None}
        if customer is not None and customer.email.strip().lower() == email:
            return {"email": email, "verified_customer_id": customer.customer_id}

        return self.failed_verification(dispatcher, tracker, self.form_name(),
                                        lambda left, apologised: email_mismatch(order.order_id, left, apologised),
                                        email=None, verified_customer_id=None)
