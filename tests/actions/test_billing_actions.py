"""validate_billing_dispute_form and action_submit_dispute on the seeded CRM.

C1002 James Okafor has a double charge: two $22.00 Coffee Club charges 4 days ago."""
from __future__ import annotations

from datetime import timedelta

import pytest
from action_testkit import SEED_NOW, load_tracker, marks, message, texts, with_apology
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.billing import ActionSubmitDispute, ValidateBillingDisputeForm
from bot.client_profile import load_client_profile

pytestmark = pytest.mark.anyio

PROFILE = load_client_profile("client.yml")
RESET = [SlotSet("dispute_amount", None), SlotSet("dispute_reason", None), SlotSet("receipt_number", None),
         SlotSet("requested_slot", None)]


def charge_day(invoice) -> str:
    d = PROFILE.local(invoice.issued_at).date()
    return f"{d:%A} {d.day} {d:%B}"


async def validate(dispatcher, domain, fixture, **kwargs):
    return await ValidateBillingDisputeForm().run(dispatcher, load_tracker(fixture, **kwargs), domain)


# ------------------------------------------------------------------ email and verification (issue 15)
JAMES, MARIA = "james.okafor@example.com", "maria.lopez@example.com"
JAMES_INVOICE = "INV-2026-00456"  # one of James's Coffee Club charges; he has no orders


async def test_an_email_is_taken_without_saying_anything_about_its_account(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"email": "Maria.Lopez@Example.com"})
    assert events == [SlotSet("email", MARIA), SlotSet("verified_customer_id", None)]
    assert dispatcher.messages == []


async def test_an_email_alone_shows_none_of_its_accounts_charges(crm_url, dispatcher, domain):
    # Before issue 15 an e-mail was enough: the next answer listed that account's charges and card ending.
    events = await validate(dispatcher, domain, "dispute_email", candidates={"email": MARIA, "dispute_amount": "$1"})
    assert events == [SlotSet("email", MARIA), SlotSet("dispute_amount", "1.00"),  # kept, checked once proven
                      SlotSet("verified_customer_id", None)]
    assert dispatcher.messages == []


@pytest.mark.parametrize("said", [JAMES_INVOICE, "inv 2026 00456", "#INV-2026-00456"])
async def test_an_invoice_of_the_emails_account_verifies_it_and_finds_the_double_charge(crm_url, dispatcher,
                                                                                      domain, said):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"receipt_number": said},
                            slots={"requested_slot": "receipt_number"})
    assert events == [SlotSet("receipt_number", JAMES_INVOICE), SlotSet("verified_customer_id", "C1002"),
                      SlotSet("dispute_amount", "22.00")]  # one same-day double charge on his account
    assert dispatcher.messages == []


async def test_an_order_number_verifies_too(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"receipt_number": "a1044"},
                            slots={"email": MARIA, "requested_slot": "receipt_number"})
    assert events == [SlotSet("receipt_number", "A1044"), SlotSet("verified_customer_id", "C1001")]


async def test_a_charge_disputed_for_another_reason_is_asked_for(crm_url, dispatcher, domain):
    tracker = load_tracker("dispute_email", candidates={"receipt_number": JAMES_INVOICE},
                           slots={"requested_slot": "receipt_number"})
    opening = next(e for e in tracker.events if e["event"] == "user")
    opening["parse_data"] = message("I don't recognise a charge on my card", "billing_dispute")
    events = await ValidateBillingDisputeForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("receipt_number", JAMES_INVOICE), SlotSet("verified_customer_id", "C1002")]


async def test_the_wording_never_says_whether_an_account_exists(crm_url, dispatcher, domain):
    said = {}
    for case, email, number in [("someone else's invoice", MARIA, JAMES_INVOICE), ("no such account", "nobody@example.com",
                                 "A1044"), ("no such number", MARIA, "INV-2026-99999")]:
        out = type(dispatcher)()
        events = await validate(out, domain, "dispute_email", candidates={"receipt_number": number},
                                slots={"email": email, "requested_slot": "receipt_number"})
        assert events == [SlotSet("receipt_number", None), SlotSet("verified_customer_id", None)], case
        said[case] = texts(out)[0].replace(email, "EMAIL")
    assert len(set(said.values())) == 1, said
    assert said["no such account"] == ("Sorry, I couldn't match that number to EMAIL. Please check it's on a receipt "
                                       "we sent to that address (2 more tries).")


async def test_the_third_wrong_number_stops_the_form(crm_url, dispatcher, domain):
    tracker = load_tracker("dispute_email", candidates={"receipt_number": JAMES_INVOICE},
                           slots={"email": MARIA, "requested_slot": "receipt_number"})
    for _ in range(2):
        tracker.events.insert(-1, {"event": "bot", "text": "no match", "metadata": {"carebot_mark": "verification_failed"}})
    events = await ValidateBillingDisputeForm().run(dispatcher, tracker, domain)
    assert SlotSet("verified_customer_id", None) in events and ActiveLoop(None) in events
    assert texts(dispatcher) == ["utter_too_many_attempts"]


async def test_not_a_number_is_asked_again(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"receipt_number": "my receipt"},
                            slots={"requested_slot": "receipt_number"})
    assert events == [SlotSet("receipt_number", None)]
    assert "order number (like A1042) or an invoice number" in texts(dispatcher)[0]


async def test_invalid_email_is_asked_again(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"email": "james@"})
    assert events == [SlotSet("email", None)]
    assert texts(dispatcher) == ["That doesn't look like an email address; it should look like name@example.com."]


async def test_crm_down_while_verifying(crm_down, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"receipt_number": JAMES_INVOICE},
                            slots={"requested_slot": "receipt_number"})
    assert SlotSet("requested_slot", None) in events and ActiveLoop(None) in events
    assert texts(dispatcher) == ["utter_crm_unavailable"]
    assert marks(dispatcher) == ["form_stopped"]


async def test_an_order_verified_earlier_with_this_email_is_enough(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={},
                            slots={"email": MARIA, "order_id": "A1044", "verified_customer_id": "C1001"})
    assert events == [SlotSet("receipt_number", "A1044")]


# ------------------------------------------------------------------ amount
async def test_amount_before_the_email_is_kept_for_it(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"dispute_amount": "$22"},
                            slots={"email": None})
    assert events == [SlotSet("dispute_amount", "22.00")]
    assert dispatcher.messages == []


async def test_amount_given_earlier_is_checked_when_the_account_is_verified(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_email", candidates={"receipt_number": JAMES_INVOICE},
                            slots={"dispute_amount": "23.50", "requested_slot": "receipt_number"})
    assert events == [SlotSet("receipt_number", JAMES_INVOICE), SlotSet("verified_customer_id", "C1002"),
                      SlotSet("dispute_amount", None)]
    assert texts(dispatcher) == ["I can't find a charge of $23.50 on your account in the last 4 months. These are "
                                 "your most recent charges:"]


@pytest.mark.parametrize("said", ["$22", "22.00", "22 dollars", "it was 22 bucks"])
async def test_amount_matching_a_charge(crm_url, dispatcher, domain, said):
    events = await validate(dispatcher, domain, "dispute_amount", candidates={"dispute_amount": said})
    assert events == [SlotSet("dispute_amount", "22.00")]
    assert dispatcher.messages == []


async def test_unreadable_amount_is_asked_again(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_amount", candidates={"dispute_amount": "the big one"})
    assert events == [SlotSet("dispute_amount", None)]
    assert texts(dispatcher) == ["I couldn't find an amount there. What was the charge, for example $22.00?"]


async def test_amount_without_a_matching_charge_lists_recent_charges(crm, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_amount", candidates={"dispute_amount": "$23.50"})
    assert events == [SlotSet("dispute_amount", None)]
    assert texts(dispatcher) == ["I can't find a charge of $23.50 on your account in the last 4 months. These are "
                                 "your most recent charges:"]
    charges = crm.invoices_for_customer("C1002")
    double, earlier = charges[0], charges[2]
    assert dispatcher.messages[0]["buttons"][:2] == [
        {"title": f"$22.00 on {charge_day(double)} (charged twice)", "payload": '/inform{"amount":"22.00"}'},
        {"title": f"$22.00 on {charge_day(earlier)}", "payload": '/inform{"amount":"22.00"}'},
    ]
    assert len(dispatcher.messages[0]["buttons"]) == 4  # 5 charges in 120 days, the double one shown once


async def test_customer_without_recent_charges_stops_the_form(crm, dispatcher, domain):
    since = SEED_NOW - timedelta(days=120)
    customers = (crm.find_customer(customer_id=f"C{n}") for n in range(1001, 1061))
    quiet = next(c for c in customers if all(i.issued_at < since for i in crm.invoices_for_customer(c.customer_id)))
    events = await validate(dispatcher, domain, "dispute_amount", candidates={"dispute_amount": "$10"},
                            slots={"email": quiet.email, "verified_customer_id": quiet.customer_id})
    assert events == [SlotSet("dispute_amount", None), SlotSet("requested_slot", None), ActiveLoop(None)]
    assert texts(dispatcher) == [
        f"I can't see a charge of $10.00, or any other charge in the last 4 months, on the account for {quiet.email}, "
        f"so there's nothing I can dispute here. A colleague can look into older charges with you."
    ]
    assert marks(dispatcher) == ["form_stopped"]


async def test_crm_down_while_matching_the_amount(crm_down, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_amount")
    assert events == [SlotSet("dispute_amount", None), SlotSet("requested_slot", None), ActiveLoop(None)]
    assert texts(dispatcher) == ["utter_crm_unavailable"]


# ------------------------------------------------------------------ reason
async def start(dispatcher, domain, said, **slots):
    tracker = load_tracker("dispute_email", latest_message=said, active_loop=None, candidates=slots,
                           slots={"dispute_reason": None, "requested_slot": None, "email": None})
    return await ValidateBillingDisputeForm().run(dispatcher, tracker, domain)


async def test_a_double_charge_is_its_own_reason(crm_url, dispatcher, domain):
    said = message("You charged me twice for my coffee club! I want my money back", "double_charge")
    events = await start(dispatcher, domain, said)
    assert events == [SlotSet("dispute_reason", "You charged me twice for my coffee club! I want my money back")]


async def test_everything_in_the_first_message_asks_nothing(crm_url, dispatcher, domain):
    said = message("I was charged $22 twice, james.okafor@example.com", "double_charge",
                   amount="$22", email="james.okafor@example.com")
    events = await start(dispatcher, domain, said, email="james.okafor@example.com", receipt_number=JAMES_INVOICE,
                         dispute_amount="$22")
    assert {e["name"]: e["value"] for e in events} == {
        "email": "james.okafor@example.com", "receipt_number": JAMES_INVOICE, "verified_customer_id": "C1002",
        "dispute_amount": "22.00", "dispute_reason": "I was charged $22 twice"}
    assert dispatcher.messages == []


@pytest.mark.parametrize("said, reason", [
    ("I want to dispute a charge", None),
    ("there's a charge of $40 on my card I don't recognise", "there's a charge of $40 on my card I don't recognise"),
])
async def test_a_dispute_states_a_reason_only_when_it_gives_one(crm_url, dispatcher, domain, said, reason):
    events = await start(dispatcher, domain, message(said, "billing_dispute"))
    assert events == ([SlotSet("dispute_reason", reason)] if reason else [])


async def test_empty_reason_is_asked_again(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, "dispute_amount", candidates={"dispute_reason": "   "},
                            slots={"requested_slot": "dispute_reason", "dispute_amount": "22.00"})
    assert events == [SlotSet("dispute_reason", None)]
    assert texts(dispatcher) == ["Sorry, I didn't catch what's wrong with the charge."]


# ------------------------------------------------------------------ submit
async def submit(dispatcher, domain, **slots):
    return await ActionSubmitDispute().run(dispatcher, load_tracker("dispute_done", slots=slots), domain)


async def test_double_charge_dispute(crm, dispatcher, domain):
    events = await submit(dispatcher, domain)
    assert events == RESET
    (text,) = texts(dispatcher)
    duplicate = crm.find_charges("C1002", "22.00")[0]
    reference = text.split("billing case ")[1].split(" ")[0]
    assert reference.startswith("DSP-")
    assert text == (
        f"I've opened billing case {reference} for the $22.00 charge on {charge_day(duplicate)} "
        f"({duplicate.invoice_id}). Our billing team reviews it within 2 business days and will email you at "
        f"james.okafor@example.com. I can see 2 charges of $22.00 that day, so it looks like you were charged twice: "
        f"once the team confirms it, the duplicate is refunded to your Mastercard ending 5100 within 5-7 business days."
    )
    assert duplicate.status == "disputed"


async def test_single_charge_dispute(crm, dispatcher, domain):
    await submit(dispatcher, domain, email="maria.lopez@example.com", verified_customer_id="C1001",
                 receipt_number="A1044", dispute_amount="85.00", dispute_reason="I don't recognise this")
    (text,) = texts(dispatcher)
    assert text.startswith("I've opened billing case DSP-")
    assert "charged twice" not in text


async def test_charge_already_disputed(crm_url, dispatcher, domain):
    await submit(dispatcher, domain)
    second = type(dispatcher)()
    events = await submit(second, domain)
    assert events == RESET + [FollowupAction("utter_offer_callback")]
    (text,) = texts(second)
    assert "is already being disputed (DSP-" in text
    # which charge and what happens next: the duplicate's amount, review time and refund
    assert "$22.00 charge" in text and "reviews it within" in text
    assert "looks like a duplicate" in text and "refunded to your" in text


async def test_submit_stays_silent_after_the_form_was_stopped(crm_url, dispatcher, domain):
    tracker = load_tracker("dispute_done")
    tracker.events.insert(-2, {"event": "bot", "text": "stopped", "metadata": {"carebot_mark": "form_stopped"}})
    events = await ActionSubmitDispute().run(dispatcher, tracker, domain)
    assert events == RESET
    assert dispatcher.messages == []


async def test_charge_gone_right_after_the_apology_does_not_say_sorry_again(crm_url, dispatcher, domain):
    tracker = with_apology(load_tracker("dispute_done", slots={"dispute_amount": "31.00"}))
    await ActionSubmitDispute().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["I can no longer find that charge of $31.00, so I couldn't open a case. A colleague "
                                 "can look into it with you."]


async def test_submit_with_crm_down(crm_down, dispatcher, domain):
    events = await submit(dispatcher, domain)
    assert events == RESET
    assert texts(dispatcher) == ["utter_crm_unavailable"]
