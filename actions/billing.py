"""Billing disputes: verify the customer, match the charge, open a DSP- case.

Verification (issue 15): the e-mail on the account, then an order number or an invoice number from
one of the customer's receipts; the number's owner must have that e-mail. Nothing about an account
is said before both match, and the wording never says whether an account exists. An order number
verified earlier in the conversation with the same e-mail counts.

The form asks only what the customer hasn't said: an amount given before the email is checked
once the account is known, the reason comes from the message that started the form when it has
one ("I was charged twice"), and a double charge the account clearly shows is taken as the amount.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import replies
from actions.common import (
    CareFormValidation,
    SafeAction,
    apologised_this_turn,
    button,
    form_stopped_this_turn,
    log,
    now,
    profile,
    utter,
    with_crm,
)
from actions.opening import opening_message, reason_to_fill
from bot.crm import CrmError, DisputeNotAllowed, Invoice, normalize_invoice_id, normalize_order_id
from bot.parsing import AmountError, clean_text, normalize_email, parse_money

MAX_REASON_CHARS = 500
RECENT_CHARGES = 5
CHARGE_LOOKBACK_DAYS = 120  # Crm.find_charge looks this far back
LOOKBACK_WORDS = "4 months"
FORM = "billing_dispute_form"
RECEIPT = "receipt_number"  # an order or invoice number from one of the customer's receipts
NOT_AN_EMAIL = "That doesn't look like an email address; it should look like name@example.com."
ASK_REASON_AGAIN = "Sorry, I didn't catch what's wrong with the charge."


ASK_RECEIPT_AGAIN = ("That doesn't look like an order number (like A1042) or an invoice number (like "
                     "INV-2026-00456). Every receipt we email has one. If you can't find any, a colleague can "
                     "check it's you another way: just ask for a person.")


def not_matched(email: str, attempts_left: int, apologised: bool = False) -> str:
    """Neutral: the same words whether the number is unknown, or belongs to another e-mail, or no account
    has this e-mail."""
    tries = "one more try" if attempts_left == 1 else f"{attempts_left} more tries"
    lead = "I" if apologised else "Sorry, I"
    return (f"{lead} couldn't match that number to {email}. Please check it's on a receipt we sent to that "
            f"address ({tries}).")


def receipt_number(value: Any) -> str | None:
    """ "a1042" -> "A1042", "inv 2026 00456" -> "INV-2026-00456"; None when it is neither."""
    text = str(value) if value is not None else None
    return normalize_invoice_id(text) or normalize_order_id(text)


def recent_charge_buttons(invoices: list[Invoice]) -> list[dict[str, str]]:
    """One button per amount + day (a same-day repeat is shown once, "charged twice")."""
    grouped: dict[tuple[Decimal, object], list[Invoice]] = {}
    cfg, moment = profile(), now()
    for invoice in invoices:
        grouped.setdefault((invoice.amount, cfg.local(invoice.issued_at).date()), []).append(invoice)
    return [
        button(replies.charge_label(group[0], cfg, moment, len(group)), "inform", amount=f"{amount:.2f}")
        for (amount, _day), group in list(grouped.items())[:RECENT_CHARGES]
    ]


def double_charged_amounts(invoices: list[Invoice]) -> list[Decimal]:
    """Amounts charged more than once on the same day (the client's day), newest first."""
    cfg = profile()
    seen: dict[tuple[Decimal, object], int] = {}
    for invoice in invoices:
        key = (invoice.amount, cfg.local(invoice.issued_at).date())
        seen[key] = seen.get(key, 0) + 1
    return list(dict.fromkeys(amount for (amount, _day), count in seen.items() if count >= 2))


class ValidateBillingDisputeForm(CareFormValidation):
    def name(self) -> str:
        return "validate_billing_dispute_form"

    async def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        email = normalize_email(value)
        if email is None:
            utter(dispatcher, NOT_AN_EMAIL)
            return {"email": None}
        # whose account this is is known only once a receipt's number matches it (fill_from_context)
        return {"email": email, "verified_customer_id": None}

    async def validate_receipt_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        number = receipt_number(value)
        if number is None:
            utter(dispatcher, ASK_RECEIPT_AGAIN)
            return {RECEIPT: None}
        email = tracker.get_slot("email")
        if not email:
            return {RECEIPT: number}  # checked once the e-mail is known
        return await self.verify(number, email, dispatcher, tracker)

    async def verify(self, number: str, email: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                     quiet: bool = False) -> dict[str, Any]:
        """Does the order or invoice `number` belong to the customer with `email`? Sets
        `verified_customer_id`; otherwise counts a failed attempt (the third stops the form). `quiet`:
        a number from earlier in the conversation that does not match is just asked for."""

        def owner(crm):
            record = crm.get_invoice(number) if number.startswith("INV-") else crm.get_order(number)
            return crm.find_customer(customer_id=record.customer_id) if record else None

        try:
            customer = await with_crm(owner)
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc, verified_customer_id=None)
        if customer is not None and customer.email.strip().lower() == email:
            return {RECEIPT: number, "verified_customer_id": customer.customer_id}
        if quiet:
            return {}
        return self.failed_verification(dispatcher, tracker, FORM,
                                        lambda left, apologised: not_matched(email, left, apologised),
                                        verified_customer_id=None, **{RECEIPT: None})

    async def validate_dispute_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        try:
            amount = parse_money(value)
        except AmountError as exc:
            utter(dispatcher, exc.message)
            return {"dispute_amount": None}
        if not tracker.get_slot("verified_customer_id"):
            return {"dispute_amount": f"{amount:.2f}"}  # checked once we know the customer
        return await self.check_amount(amount, dispatcher, tracker)

    async def check_amount(self, amount: Decimal, dispatcher: CollectingDispatcher,
                           tracker: Tracker) -> dict[str, Any]:
        """Is there a charge of `amount` on the verified customer's account? Otherwise show the recent ones."""
        email, customer_id = tracker.get_slot("email"), tracker.get_slot("verified_customer_id")
        since = now() - timedelta(days=CHARGE_LOOKBACK_DAYS)

        def lookup(crm):
            """(customer found, charge found, recent charges)"""
            customer = crm.find_customer(customer_id=customer_id) if customer_id else None
            if customer is None:
                return False, False, []
            if crm.find_charge(customer.customer_id, amount) is not None:
                return True, True, []
            invoices = crm.invoices_for_customer(customer.customer_id, limit=20)
            return True, False, [i for i in invoices if i.issued_at >= since]

        try:
            known, charged, recent = await with_crm(lookup)
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc, dispute_amount=None)
        if not known:
            return {"dispute_amount": None, "verified_customer_id": None, RECEIPT: None}
        if charged:
            return {"dispute_amount": f"{amount:.2f}"}
        money = profile().money(amount)
        if not recent:
            return self.stop_form(
                dispatcher,
                text=f"I can't see a charge of {money}, or any other charge in the last {LOOKBACK_WORDS}, on the "
                     f"account for {email}, so there's nothing I can dispute here. A colleague can look into older "
                     f"charges with you.",
                dispute_amount=None,
            )
        utter(dispatcher, f"I can't find a charge of {money} on your account in the last {LOOKBACK_WORDS}. These "
                          f"are your most recent charges:", buttons=recent_charge_buttons(recent))
        return {"dispute_amount": None}

    def validate_dispute_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        reason = clean_text(value, MAX_REASON_CHARS)
        if reason is None:
            utter(dispatcher, ASK_REASON_AGAIN)
        return {"dispute_reason": reason}

    async def fill_from_context(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        slots: dict[str, Any] = reason_to_fill(tracker, FORM, "dispute_reason")
        opening = opening_message(tracker, FORM)
        email, number = tracker.get_slot("email"), tracker.get_slot(RECEIPT)
        if not email:
            return slots
        just_verified = False
        if tracker.get_slot("verified_customer_id") and not number:
            # verified earlier in the conversation with this e-mail (the order look-up): nothing to ask
            slots[RECEIPT] = tracker.get_slot("order_id") or "verified"
        elif not tracker.get_slot("verified_customer_id"):
            known = number or tracker.get_slot("order_id")  # given before the e-mail, or verified earlier
            if not known:
                return slots
            verified = await self.verify(known, email, dispatcher, tracker, quiet=not number)
            if REQUESTED_SLOT in verified:  # stopped (the CRM is down, or a third wrong number)
                return {**slots, **verified}
            slots.update(verified)
            tracker.slots.update(verified)
            if not tracker.get_slot("verified_customer_id"):
                return slots
            just_verified = True
        just_checked = tracker.slots_to_validate()
        amount = tracker.get_slot("dispute_amount")
        if amount and (just_verified or RECEIPT in just_checked) and "dispute_amount" not in just_checked:
            # said before the account was verified: check it against the account now
            try:
                parsed = parse_money(amount)
            except AmountError:
                return {**slots, "dispute_amount": None}
            return {**slots, **await self.check_amount(parsed, dispatcher, tracker)}
        if (amount is None and opening is not None and opening.intent == "double_charge"
                and tracker.get_slot(REQUESTED_SLOT) != "dispute_amount"):
            double = await self.double_charge_on_account(tracker.get_slot("verified_customer_id"), dispatcher,
                                                         tracker)
            if isinstance(double, dict):  # the CRM is down: the form stops
                return {**slots, **double}
            if double is not None:
                slots["dispute_amount"] = f"{double:.2f}"
        return slots

    async def double_charge_on_account(self, customer_id: str, dispatcher: CollectingDispatcher,
                                       tracker: Tracker) -> Decimal | dict[str, Any] | None:
        """The amount when the account shows exactly one same-day double charge in the look-back
        period (the one the customer means), else None."""
        since = now() - timedelta(days=CHARGE_LOOKBACK_DAYS)

        def lookup(crm):
            return [i for i in crm.invoices_for_customer(customer_id, limit=20) if i.issued_at >= since]

        try:
            recent = await with_crm(lookup)
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc)
        amounts = double_charged_amounts([i for i in recent if i.status != "refunded"])
        return amounts[0] if len(amounts) == 1 else None


class ActionSubmitDispute(SafeAction):
    def name(self) -> str:
        return "action_submit_dispute"

    def reset_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet(slot, None) for slot in ("dispute_amount", "dispute_reason", RECEIPT, REQUESTED_SLOT)]

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if form_stopped_this_turn(tracker):
            return self.reset_events(tracker)
        email, customer_id = tracker.get_slot("email"), tracker.get_slot("verified_customer_id")
        amount = tracker.get_slot("dispute_amount")
        reason = tracker.get_slot("dispute_reason")
        if not (email and customer_id and amount and reason):
            log.warning("dispute submitted without a complete form", extra={"sender_id": tracker.sender_id})
            return self.reset_events(tracker)
        events = self.reset_events(tracker)

        def lookup(crm):
            customer = crm.find_customer(customer_id=customer_id)
            return customer, crm.find_charges(customer.customer_id, amount) if customer else []

        customer, charges = await with_crm(lookup)
        if not charges:
            log.warning("dispute: charge no longer found", extra={"sender_id": tracker.sender_id})
            lead = "I" if apologised_this_turn(tracker, dispatcher) else "Sorry, I"
            utter(dispatcher, f"{lead} can no longer find that charge of {profile().money(Decimal(amount))}, so I "
                              f"couldn't open a case. A colleague can look into it with you.")
            return events + [FollowupAction("utter_offer_callback")]
        invoice = charges[0]  # the most recent: for a double charge, the duplicate
        cfg = profile()
        same_day = sum(1 for c in charges if cfg.local(c.issued_at).date() == cfg.local(invoice.issued_at).date())
        try:
            case = await with_crm(
                lambda crm: crm.create_dispute(customer.customer_id, invoice.invoice_id, amount, reason)
            )
        except DisputeNotAllowed as exc:
            log.info("dispute refused", extra={"sender_id": tracker.sender_id, "reason_code": exc.reason_code})
            utter(dispatcher, replies.dispute_refused_reply(exc.message, invoice, same_day, cfg, now()))
            return events + [FollowupAction("utter_offer_callback")]
        reply = replies.dispute_created_reply(case, invoice, same_day, email, cfg, now())
        utter(dispatcher, reply.text)
        return events
