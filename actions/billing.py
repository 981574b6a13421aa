"""Billing disputes: find the customer by email, match the charge, open a DSP- case.

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
from bot.crm import CrmError, DisputeNotAllowed, Invoice
from bot.parsing import AmountError, clean_text, normalize_email, parse_money

MAX_REASON_CHARS = 500
RECENT_CHARGES = 5
CHARGE_LOOKBACK_DAYS = 120  # Crm.find_charge looks this far back
LOOKBACK_WORDS = "4 months"
FORM = "billing_dispute_form"
NOT_AN_EMAIL = "That doesn't look like an email address; it should look like name@example.com."
ASK_REASON_AGAIN = "Sorry, I didn't catch what's wrong with the charge."


def no_account(email: str) -> str:
    return (f"I can't find an account with {email}. It's the address you sign in with and that receives your "
            f"receipts.")


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
        try:
            customer = await with_crm(lambda crm: crm.find_customer(email=email))
        except CrmError as exc:
            return self.crm_down(dispatcher, tracker, exc, email=None)
        if customer is None:
            utter(dispatcher, no_account(email))
            return {"email": None}
        return {"email": email}

    async def validate_dispute_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        try:
            amount = parse_money(value)
        except AmountError as exc:
            utter(dispatcher, exc.message)
            return {"dispute_amount": None}
        if not tracker.get_slot("email"):
            return {"dispute_amount": f"{amount:.2f}"}  # checked once we know the customer
        return await self.check_amount(amount, dispatcher, tracker)

    async def check_amount(self, amount: Decimal, dispatcher: CollectingDispatcher,
                           tracker: Tracker) -> dict[str, Any]:
        """Is there a charge of `amount` on the account of `email`? Otherwise show the recent ones."""
        email = tracker.get_slot("email")
        since = now() - timedelta(days=CHARGE_LOOKBACK_DAYS)

        def lookup(crm):
            """(customer found, charge found, recent charges)"""
            customer = crm.find_customer(email=email)
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
            return {"dispute_amount": None, "email": None}
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
        email, amount = tracker.get_slot("email"), tracker.get_slot("dispute_amount")
        if not email:
            return slots
        just_checked = tracker.slots_to_validate()
        if amount and "email" in just_checked and "dispute_amount" not in just_checked:
            # said before the email: check it against the account now
            try:
                parsed = parse_money(amount)
            except AmountError:
                return {**slots, "dispute_amount": None}
            return {**slots, **await self.check_amount(parsed, dispatcher, tracker)}
        if (amount is None and opening is not None and opening.intent == "double_charge"
                and tracker.get_slot(REQUESTED_SLOT) != "dispute_amount"):
            double = await self.double_charge_on_account(email, dispatcher, tracker)
            if isinstance(double, dict):  # the CRM is down: the form stops
                return {**slots, **double}
            if double is not None:
                slots["dispute_amount"] = f"{double:.2f}"
        return slots

    async def double_charge_on_account(self, email: str, dispatcher: CollectingDispatcher,
                                       tracker: Tracker) -> Decimal | dict[str, Any] | None:
        """The amount when the account shows exactly one same-day double charge in the look-back
        period (the one the customer means), else None."""
        since = now() - timedelta(days=CHARGE_LOOKBACK_DAYS)

        def lookup(crm):
            customer = crm.find_customer(email=email)
            if customer is None:
                return []
            return [i for i in crm.invoices_for_customer(customer.customer_id, limit=20) if i.issued_at >= since]

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
        return [SlotSet(slot, None) for slot in ("dispute_amount", "dispute_reason", REQUESTED_SLOT)]

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if form_stopped_this_turn(tracker):
            return self.reset_events(tracker)
        email = tracker.get_slot("email")
        amount = tracker.get_slot("dispute_amount")
        reason = tracker.get_slot("dispute_reason")
        if not (email and amount and reason):
            log.warning("dispute submitted without a complete form", extra={"sender_id": tracker.sender_id})
            return self.reset_events(tracker)
        events = self.reset_events(tracker)

        def lookup(crm):
            customer = crm.find_customer(email=email)
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
