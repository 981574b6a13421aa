"""validate_callback_request_form and action_submit_callback (clock fixed on a known weekday)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from action_testkit import load_tracker, texts
from rasa_sdk.events import SlotSet

from actions.callbacks import ActionSubmitCallback, ValidateCallbackRequestForm
from bot import client_profile

pytestmark = pytest.mark.anyio

WEDNESDAY_NOON = datetime(2026, 3, 11, 16, 0, tzinfo=timezone.utc)  # 12:00 in New York (EDT)
RESET = [SlotSet("phone", None), SlotSet("callback_time", None), SlotSet("callback_topic", None),
         SlotSet("requested_slot", None)]
OUR_HOURS = "Just so you know, our team calls Mon-Fri 8am-8pm and Sat 9am-5pm Eastern time, so that's outside our hours."


@pytest.fixture(autouse=True)
def wednesday(monkeypatch):
    monkeypatch.setattr(client_profile, "now", lambda: WEDNESDAY_NOON)


async def validate(dispatcher, domain, fixture, **kwargs):
    return await ValidateCallbackRequestForm().run(dispatcher, load_tracker(fixture, **kwargs), domain)


# ------------------------------------------------------------------ phone
@pytest.mark.parametrize("said", ["(555) 201-3344", "555-201-3344", "+1 555 201 3344", "1 555 201 3344"])
async def test_phone_is_normalised_to_e164(dispatcher, domain, said):
    events = await validate(dispatcher, domain, "callback_phone", candidates={"phone": said})
    assert events == [SlotSet("phone", "+15552013344")]
    assert dispatcher.messages == []


@pytest.mark.parametrize("said, message", [
    ("201-3344", "A US phone number has 10 digits with the area code, like (555) 201-3344, but I counted 7. "
                 "Could you check it?"),
    ("+44 20 7946 0958", "Sorry, our team can only call US numbers (+1). Could you give a US number?"),
    ("(055) 201-3344", "US area codes don't start with 0, so (055) 201-3344 can't be right. Could you check the "
                       "number?"),
])
async def test_bad_phone_is_asked_again_with_the_reason(dispatcher, domain, said, message):
    events = await validate(dispatcher, domain, "callback_phone", candidates={"phone": said})
    assert events == [SlotSet("phone", None)]
    assert texts(dispatcher) == [message]


# ------------------------------------------------------------------ time
async def test_time_from_date_and_time_entities(dispatcher, domain):
    events = await validate(dispatcher, domain, "callback_time")
    assert events == [SlotSet("callback_time", "tomorrow after 3pm")]
    assert dispatcher.messages == []


async def test_short_free_text_time_is_kept_as_said(dispatcher, domain):
    events = await validate(dispatcher, domain, "callback_time", candidates={"callback_time": "tomorrow after lunch"},
                            latest_message={"text": "tomorrow after lunch", "entities": []})
    assert events == [SlotSet("callback_time", "tomorrow after lunch")]
    assert dispatcher.messages == []


async def test_sunday_is_accepted_with_our_hours(dispatcher, domain):
    events = await validate(dispatcher, domain, "callback_time", candidates={"callback_time": "sunday morning"},
                            latest_message={"text": "sunday morning", "entities": []})
    assert events == [SlotSet("callback_time", "sunday morning")]
    assert texts(dispatcher) == [f"{OUR_HOURS} I've noted your preference; the earliest we can call is on Monday "
                                 f"16 March at 8am."]


async def test_late_evening_is_accepted_with_our_hours(dispatcher, domain):
    events = await validate(dispatcher, domain, "callback_time", candidates={"callback_time": "after 9pm"},
                            latest_message={"text": "after 9pm", "entities": []})
    assert events == [SlotSet("callback_time", "after 9pm")]
    assert texts(dispatcher) == [f"{OUR_HOURS} I've noted your preference; the earliest we can call is tomorrow "
                                 f"at 8am."]


async def test_empty_time_is_asked_again(dispatcher, domain):
    events = await validate(dispatcher, domain, "callback_time", candidates={"callback_time": " "},
                            latest_message={"text": " ", "entities": []})
    assert events == [SlotSet("callback_time", None)]
    assert texts(dispatcher) == ["Sorry, I didn't catch a time there."]


async def test_empty_topic_is_asked_again(dispatcher, domain):
    events = await validate(dispatcher, domain, "callback_time", candidates={"callback_topic": "..."},
                            slots={"requested_slot": "callback_topic"})
    assert events == [SlotSet("callback_topic", None)]
    assert texts(dispatcher) == ["Sorry, I didn't catch what the call is about."]


# ------------------------------------------------------------------ submit
async def test_call_back_is_booked_with_a_masked_number(crm, dispatcher, domain):
    events = await ActionSubmitCallback().run(dispatcher, load_tracker("callback_done"), domain)
    assert events == RESET
    (text,) = texts(dispatcher)
    reference = text.split("(reference ")[1].split(")")[0]
    assert reference.startswith("CB-")
    assert text == (
        f"All set! Your call back is booked (reference {reference}). Someone from our care team will call you on "
        f"(***) ***-3344, tomorrow after 3pm (Thursday 12 March) about \"my grinder order\"."
    )
    assert "201" not in text
    tickets = {ticket.ticket_id: ticket for ticket in crm.open_tickets("C1001")}  # the phone is Maria's
    assert tickets[reference].category == "callback"


async def test_submit_with_crm_down(crm_down, dispatcher, domain):
    events = await ActionSubmitCallback().run(dispatcher, load_tracker("callback_done"), domain)
    assert events == RESET
    assert texts(dispatcher) == ["Sorry, I couldn't book the call back: our system isn't responding right now. Please "
                                 "try again in a few minutes, or call our care team on (555) 010-2200 (Mon-Fri "
                                 "8am-8pm and Sat 9am-5pm Eastern time)."]
