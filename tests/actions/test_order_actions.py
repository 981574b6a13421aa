"""validate_order_lookup_form and action_order_status against the real seeded CRM."""
from __future__ import annotations

from datetime import timedelta

import pytest
from action_testkit import SEED_NOW, load_tracker, marks, texts, with_apology
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.common import apologises
from actions.orders import ActionOrderStatus, ValidateOrderLookupForm
from bot.client_profile import load_client_profile

pytestmark = pytest.mark.anyio

PROFILE = load_client_profile("client.yml")
TODAY = PROFILE.today(SEED_NOW)


def day(offset: int, weekday: bool = True) -> str:
    """Oracle for dates in replies: "Friday 7 March" (no weekday: "7 March")."""
    d = TODAY + timedelta(days=offset)
    return f"{d:%A} {d.day} {d:%B}" if weekday else f"{d.day} {d:%B}"


async def validate(dispatcher, domain, apology=False, **kwargs):
    tracker = load_tracker(kwargs.pop("fixture"), **kwargs)
    if apology:
        with_apology(tracker)
    return await ValidateOrderLookupForm().run(dispatcher, tracker, domain)


# ------------------------------------------------------------------ order number
async def test_order_id_is_normalised(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id")
    assert events == [SlotSet("order_id", "A1042")]
    assert dispatcher.messages == []


async def test_order_id_with_hash_and_lowercase(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id", candidates={"order_id": "#a1043"})
    assert events[0] == SlotSet("order_id", "A1043")


async def test_order_id_in_unknown_format_is_asked_again(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id", candidates={"order_id": "12"})
    assert events == [SlotSet("order_id", None)]
    assert texts(dispatcher) == ["That doesn't look like an order number; they look like A1042."]


async def test_unknown_order_is_asked_again(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id", candidates={"order_id": "A9999"})
    assert events == [SlotSet("order_id", None)]
    assert texts(dispatcher) == ["I can't find order A9999. Could you check the number?"]


async def test_order_of_the_already_verified_customer_keeps_the_verification(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id", candidates={"order_id": "A1045"},
                            slots={"verified_customer_id": "C1001", "email": "maria.lopez@example.com"})
    assert events == [SlotSet("order_id", "A1045")]


async def test_order_of_another_customer_drops_the_verification(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id", candidates={"order_id": "A1047"},
                            slots={"verified_customer_id": "C1001", "email": "maria.lopez@example.com"})
    assert events == [SlotSet("order_id", "A1047"), SlotSet("verified_customer_id", None), SlotSet("email", None)]


# ------------------------------------------------------------------ email
async def test_matching_email_verifies_the_customer(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_email")
    assert events == [SlotSet("email", "maria.lopez@example.com"), SlotSet("verified_customer_id", "C1001")]
    assert dispatcher.messages == []


async def test_invalid_email_is_asked_again_without_counting(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_email", candidates={"email": "maria at example"})
    assert events == [SlotSet("email", None)]
    assert texts(dispatcher) == ["That doesn't look like an email address; it should look like name@example.com."]
    assert marks(dispatcher) == [None]


async def test_wrong_email_is_asked_again_politely(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_email",
                            candidates={"email": "james.okafor@example.com"})
    assert events == [SlotSet("email", None), SlotSet("verified_customer_id", None)]
    assert texts(dispatcher) == [
        "Sorry, that email doesn't match order A1042. It's the address the order confirmation went to (2 more tries)."
    ]
    assert marks(dispatcher) == ["verification_failed"]


async def test_third_wrong_email_stops_the_form(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_email_two_failures")
    assert events == [
        SlotSet("email", None),
        SlotSet("verified_customer_id", None),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
    ]
    assert texts(dispatcher) == ["utter_too_many_attempts"]
    assert marks(dispatcher) == ["form_stopped"]


async def test_failures_of_an_earlier_form_run_do_not_count(crm_url, dispatcher, domain):
    # the same history, but the form is being activated again (not active yet)
    events = await validate(dispatcher, domain, fixture="order_lookup_email_two_failures", active_loop=None)
    assert events == [SlotSet("email", None), SlotSet("verified_customer_id", None)]
    assert marks(dispatcher) == ["verification_failed"]


async def test_email_before_the_order_number_is_kept_for_it(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_email", slots={"order_id": None})
    assert events == [SlotSet("email", "maria.lopez@example.com"), SlotSet("verified_customer_id", None)]
    assert dispatcher.messages == []


async def test_email_given_earlier_is_checked_when_the_order_number_comes(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id", candidates={"order_id": "A1042"},
                            slots={"email": "maria.lopez@example.com"})
    assert events == [SlotSet("order_id", "A1042"), SlotSet("email", "maria.lopez@example.com"),
                      SlotSet("verified_customer_id", "C1001")]
    assert dispatcher.messages == []  # so the email is not asked again


async def test_email_given_earlier_that_does_not_match_counts_as_a_wrong_email(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id", candidates={"order_id": "A1042"},
                            slots={"email": "james.okafor@example.com"})
    assert events == [SlotSet("order_id", "A1042"), SlotSet("email", None), SlotSet("verified_customer_id", None)]
    assert texts(dispatcher) == [
        "Sorry, that email doesn't match order A1042. It's the address the order confirmation went to (2 more tries)."
    ]
    assert marks(dispatcher) == ["verification_failed"]


async def test_wrong_email_right_after_an_apology_does_not_say_sorry_again(crm_url, dispatcher, domain):
    await validate(dispatcher, domain, fixture="order_lookup_email", candidates={"email": "james.okafor@example.com"},
                   apology=True)
    assert texts(dispatcher) == [
        "That email doesn't match order A1042. It's the address the order confirmation went to (2 more tries)."
    ]


async def test_unknown_order_and_email_in_one_message(crm_url, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id",
                            candidates={"order_id": "A9999", "email": "maria.lopez@example.com"})
    assert events == [SlotSet("order_id", None), SlotSet("email", "maria.lopez@example.com"),
                      SlotSet("verified_customer_id", None)]  # the email waits for the right number
    assert texts(dispatcher) == ["I can't find order A9999. Could you check the number?"]


# ------------------------------------------------------------------ CRM down
async def test_crm_down_while_checking_the_order_stops_the_form(crm_down, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_order_id",
                            candidates={"order_id": "A1042", "email": "maria.lopez@example.com"})
    assert events == [
        SlotSet("order_id", "A1042"),
        SlotSet("email", None),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
    ]
    assert texts(dispatcher) == ["utter_crm_unavailable"]
    assert marks(dispatcher) == ["form_stopped"]


async def test_crm_down_while_checking_the_email_stops_the_form(crm_down, dispatcher, domain):
    events = await validate(dispatcher, domain, fixture="order_lookup_email")
    assert events == [
        SlotSet("email", None),
        SlotSet("verified_customer_id", None),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
    ]
    assert texts(dispatcher) == ["utter_crm_unavailable"]


async def test_crm_down_right_after_an_apology_does_not_say_sorry_again(crm_down, dispatcher, domain):
    await validate(dispatcher, domain, fixture="order_lookup_email", apology=True)
    assert texts(dispatcher) == ["utter_crm_unavailable_after_apology"]
    assert marks(dispatcher) == ["form_stopped"]


# ------------------------------------------------------------------ action_order_status
async def status(dispatcher, domain, order_id="A1042", request="status", customer="C1001", level="calm",
                 apology=False):
    tracker = load_tracker("order_lookup_done", slots={"order_id": order_id, "order_request": request,
                                                       "verified_customer_id": customer, "frustration_level": level})
    if apology:
        with_apology(tracker, "I'm sorry your order is taking longer than you expected. Let me check exactly "
                              "where it is.")
    return await ActionOrderStatus().run(dispatcher, tracker, domain)


@pytest.mark.parametrize("level", ["calm", "annoyed", "angry"])
@pytest.mark.parametrize("order_id, order_request, customer", [
    ("A1045", "late", "C1001"),      # delayed
    ("A1045", "cancel", "C1001"),    # delayed, and can't be cancelled
    ("A1043", "missing", "C1001"),   # delivered, but the customer hasn't got it
    ("A1047", "missing", "C1003"),   # lost
    ("A1049", "late", "C1004"),      # delivery exception
    ("A1042", "late", "C1001"),      # still on schedule
    ("A1046", "late", "C1001"),      # not shipped yet
])
async def test_no_second_apology_in_the_turn_of_the_first(crm_url, dispatcher, domain, order_id, order_request,
                                                          customer, level):
    await status(dispatcher, domain, order_id, order_request, customer, level, apology=True)
    (text,) = texts(dispatcher)
    assert order_id in text
    assert not apologises(text), text


async def test_delayed_order_after_the_apology_keeps_the_facts(crm_url, dispatcher, domain):
    await status(dispatcher, domain, order_id="A1045", request="late", apology=True)
    (text,) = texts(dispatcher)
    assert text.startswith(f"Order A1045 (Stand Mixer) is running late. It shipped on {day(-8, weekday=False)} "
                           f"with FedEx")
    assert text.endswith("If it hasn't arrived by then, let us know and we'll send a replacement or refund you in "
                         "full.")


async def test_status_of_a_shipped_order(crm_url, dispatcher, domain):
    events = await status(dispatcher, domain)
    assert events == [SlotSet("order_request", None)]
    assert texts(dispatcher) == [
        f"Order A1042 (Pour-Over Kettle and 2 × Coffee Beans) shipped on {day(-3, weekday=False)} with UPS "
        f"(tracking 1Z84F2A70399271864, https://www.ups.com/track?tracknum=1Z84F2A70399271864) and is expected "
        f"{day(2)}."
    ]
    # and a link button to the carrier's page (the widget opens it in a new tab)
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Track with UPS", "url": "https://www.ups.com/track?tracknum=1Z84F2A70399271864"}]


async def test_an_order_not_shipped_has_no_tracking_button(crm_url, dispatcher, domain):
    await status(dispatcher, domain, order_id="A1046", customer="C1001")
    assert all(not message.get("buttons") for message in dispatcher.messages)


async def test_late_request_for_an_order_still_on_schedule(crm_url, dispatcher, domain):
    await status(dispatcher, domain, request="late")
    assert texts(dispatcher)[0].startswith("It's still on schedule: order A1042 (Pour-Over Kettle")


async def test_delayed_order_apologises_with_a_new_estimate(crm_url, dispatcher, domain):
    events = await status(dispatcher, domain, order_id="A1045", request="late")
    assert events == [SlotSet("order_request", None)]
    new_estimate = TODAY + timedelta(days=1)
    while sum(1 for n in range(1, (new_estimate - TODAY).days + 1) if (TODAY + timedelta(days=n)).weekday() < 5) < 2:
        new_estimate += timedelta(days=1)
    expected = f"{new_estimate:%A} {new_estimate.day} {new_estimate:%B}"
    if new_estimate == TODAY + timedelta(days=1):
        expected = "tomorrow"
    assert texts(dispatcher) == [
        f"I'm sorry, order A1045 (Stand Mixer) is running late. It shipped on {day(-8, weekday=False)} with FedEx "
        f"(tracking 771204951172, https://www.fedex.com/fedextrack/?trknbr=771204951172) and was due {day(-3)}. "
        f"Late parcels usually turn up within a couple of business days, so we now expect it by {expected}. If it "
        f"hasn't arrived by then, let us know and we'll send a replacement or refund you in full."
    ]


async def test_missing_parcel_marked_delivered_gives_steps_and_offers_a_call(crm_url, dispatcher, domain):
    events = await status(dispatcher, domain, order_id="A1043", request="missing")
    assert events == [SlotSet("order_request", None), FollowupAction("utter_offer_callback")]
    (text,) = texts(dispatcher)
    assert text.startswith(f"Our records show order A1043 (Burr Grinder Pro and Ceramic Mug Set) was delivered on "
                           f"{day(-10, weekday=False)} by FedEx (tracking 771204938815")
    for step in ("neighbour", "safe place", "mail room", "1420 Maple Avenue, Austin, TX 78704",
                 "open an investigation with FedEx"):
        assert step in text


async def test_delivered_order_status_mentions_the_return_deadline(crm_url, dispatcher, domain):
    await status(dispatcher, domain, order_id="A1043")
    assert texts(dispatcher) == [
        f"Order A1043 (Burr Grinder Pro and Ceramic Mug Set) was delivered on {day(-10, weekday=False)} by FedEx. "
        f"If anything isn't right, you can return it until {day(20)}."
    ]


async def test_cancel_a_processing_order_after_the_first_hour_needs_a_colleague(crm_url, dispatcher, domain):
    events = await status(dispatcher, domain, order_id="A1046", request="cancel")
    assert events == [SlotSet("order_request", None), FollowupAction("utter_offer_callback")]
    assert texts(dispatcher) == [
        "Order A1046 (Toaster and Linen Tea Towels) hasn't shipped yet, so it can still be stopped. Cancelling it "
        "yourself in My Orders is only possible in the first hour after ordering, so a colleague needs to cancel it "
        "for you before it ships."
    ]


async def test_cancel_a_processing_order_within_the_hour(crm_url, dispatcher, domain, monkeypatch):
    from bot import client_profile

    placed = SEED_NOW - timedelta(hours=20)
    monkeypatch.setattr(client_profile, "now", lambda: placed + timedelta(minutes=15))
    events = await status(dispatcher, domain, order_id="A1046", request="cancel")
    assert events == [SlotSet("order_request", None)]
    assert texts(dispatcher)[0].startswith("Good news: order A1046 (Toaster and Linen Tea Towels) hasn't shipped yet")
    assert "My Account > Orders" in texts(dispatcher)[0] and "about 45 more minutes" in texts(dispatcher)[0]


async def test_cancel_a_shipped_order_explains_refusing_or_returning(crm_url, dispatcher, domain):
    await status(dispatcher, domain, request="cancel")
    assert texts(dispatcher) == [
        f"Order A1042 (Pour-Over Kettle and 2 × Coffee Beans) has already shipped (on {day(-3, weekday=False)}, with "
        f"UPS), so it can't be cancelled any more. You can refuse the delivery when UPS arrives and it comes straight "
        f"back to us, or return it free within 30 days of delivery; either way you get a full refund once it's back "
        f"with us."
    ]


async def test_lost_order(crm_url, dispatcher, domain):
    events = await status(dispatcher, domain, order_id="A1047", customer="C1003")
    assert events[-1] == FollowupAction("utter_offer_callback")
    assert texts(dispatcher)[0].startswith("I'm really sorry: USPS has reported the parcel for order A1047 (Dutch "
                                           "Oven) as lost (Carrier reported the parcel lost in transit).")


async def test_delivery_exception(crm_url, dispatcher, domain):
    await status(dispatcher, domain, order_id="A1049", customer="C1004")
    assert texts(dispatcher)[0].startswith("There's a problem with the delivery of order A1049 (Blender): Address could not be "
                                           "verified; parcel held at the UPS facility. It shipped on")


async def test_cancelled_order(crm_url, dispatcher, domain):
    await status(dispatcher, domain, order_id="A1048", customer="C1003")
    assert texts(dispatcher) == [
        f"Order A1048 (Air Fryer) was cancelled on {day(-6, weekday=False)}, so there's nothing on its way. Any "
        f"payment went back to your original payment method; refunds take 5-7 business days."
    ]


async def test_status_is_not_given_for_an_unverified_customer(crm_url, dispatcher, domain):
    events = await status(dispatcher, domain, order_id="A1047", customer="C1001")
    assert events == [SlotSet("order_request", None)]
    assert dispatcher.messages == []


async def test_status_stays_silent_after_the_form_was_stopped(crm_url, dispatcher, domain):
    tracker = load_tracker("order_lookup_email_two_failures")
    tracker.events.append({"event": "bot", "text": None, "metadata": {"carebot_mark": "form_stopped"}})
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    assert events == [SlotSet("order_request", None)]
    assert dispatcher.messages == []


async def test_status_with_crm_down(crm_down, dispatcher, domain):
    events = await status(dispatcher, domain)
    assert events == [SlotSet("order_request", None)]
    assert texts(dispatcher) == ["utter_crm_unavailable"]


# ------------------------------------------------------------------ the look-up's questions (issue 20)
def opening_turn(tone: str, apologised: bool = False):
    """The form being started by "where the heck is my mixer??": no customer message since its activation."""
    tracker = load_tracker("order_lookup_order_id", slots={"frustration_level": tone})
    tracker.events = tracker.events[:8]  # up to the form's activation, before its first question
    return with_apology(tracker) if apologised else tracker


@pytest.mark.parametrize("tone", ["annoyed", "angry"])
async def test_an_upset_customer_hears_sorry_before_the_first_question(dispatcher, domain, tone):
    from actions.orders import ActionAskOrderLookupOrderId

    await ActionAskOrderLookupOrderId().run(dispatcher, opening_turn(tone), domain)
    assert texts(dispatcher) == ["utter_sorry_order_trouble", "utter_ask_order_id"]
    assert any(apologises(v["text"]) for v in domain["responses"]["utter_sorry_order_trouble"])


async def test_a_calm_customer_is_simply_asked(dispatcher, domain):
    from actions.orders import ActionAskOrderLookupEmail

    await ActionAskOrderLookupEmail().run(dispatcher, opening_turn("calm"), domain)
    assert texts(dispatcher) == ["utter_ask_email"]


async def test_no_second_sorry_in_a_turn_or_later_in_the_form(dispatcher, domain):
    from actions.orders import ActionAskOrderLookupEmail, ActionAskOrderLookupOrderId

    await ActionAskOrderLookupOrderId().run(dispatcher, opening_turn("angry", apologised=True), domain)
    assert texts(dispatcher) == ["utter_ask_order_id"]  # the late-parcel apology came first
    dispatcher.messages.clear()
    later = load_tracker("order_lookup_order_id", slots={"frustration_level": "angry"})  # the customer answered since
    await ActionAskOrderLookupEmail().run(dispatcher, later, domain)
    assert texts(dispatcher) == ["utter_ask_email"]


def test_the_look_up_asks_through_these_actions(domain):
    actions = set(domain["actions"])
    assert {"action_ask_order_lookup_form_order_id", "action_ask_order_lookup_form_email"} <= actions


# ------------------------------------------------------------------ open cases (issue 20)
async def test_is_my_ticket_still_open_lists_the_verified_customers_open_cases(crm_url, dispatcher, domain):
    tracker = load_tracker("order_lookup_done", slots={"order_request": "case", "order_id": "A1049",
                                                       "email": "tom.becker@example.com",
                                                       "verified_customer_id": "C1004"})
    events = await ActionOrderStatus().run(dispatcher, tracker, domain)
    [text] = texts(dispatcher)
    assert text.startswith("Your case is still open:")
    assert "TCK-10002" in text and "Delivery exception on order A1049" in text and "in progress" in text
    assert "TCK-10003" not in text  # closed, and Maria's
    assert SlotSet("order_request", None) in events


async def test_no_open_case_says_so_and_gives_the_order_instead(crm_url, dispatcher, domain):
    tracker = load_tracker("order_lookup_done", slots={"order_request": "case", "order_id": "A1042",
                                                       "email": "maria.lopez@example.com",
                                                       "verified_customer_id": "C1001"})
    await ActionOrderStatus().run(dispatcher, tracker, domain)
    first, second = texts(dispatcher)
    assert first.startswith("I can't see an open case on your account") and "A1042" in first
    assert "A1042" in second and "UPS" in second  # the order's own status follows
