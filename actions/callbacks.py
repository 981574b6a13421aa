"""Call backs: a US phone number, a time (free text, DATE/TIME entities used when present), a topic."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import replies
from actions.common import CareFormValidation, SafeAction, form_stopped_this_turn, log, now, profile, utter, with_crm
from bot.parsing import PhoneNumberError, clean_text, normalize_us_phone, parse_when

MAX_TIME_CHARS = 200
MAX_TOPIC_CHARS = 500
SHORT_ANSWER_CHARS = 40
ASK_TIME_AGAIN = "Sorry, I didn't catch a time there."
ASK_TOPIC_AGAIN = "Sorry, I didn't catch what the call is about."
TIME_ENTITIES = ("DATE", "TIME")


def time_entities_text(tracker: Tracker) -> str | None:
    """The DATE/TIME entities (spaCy) of the latest message, in the order they were said."""
    entities = [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") in TIME_ENTITIES]
    entities.sort(key=lambda e: e.get("start") or 0)
    words = [str(e.get("value") or e.get("text") or "").strip() for e in entities]
    return " ".join(w for w in words if w) or None


class ValidateCallbackRequestForm(CareFormValidation):
    def name(self) -> str:
        return "validate_callback_request_form"

    def validate_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        try:
            return {"phone": normalize_us_phone(value)}
        except PhoneNumberError as exc:
            utter(dispatcher, exc.message)
            return {"phone": None}

    def validate_callback_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        text = clean_text(value, MAX_TIME_CHARS)
        if text is None:
            utter(dispatcher, ASK_TIME_AGAIN)
            return {"callback_time": None}
        entities = time_entities_text(tracker)
        # A short answer is the time itself ("tomorrow after lunch"); from a longer sentence keep
        # what spaCy recognised as DATE/TIME ("tomorrow after 3pm").
        chosen = entities if entities and len(text) > SHORT_ANSWER_CHARS else text
        cfg, moment = profile(), now()
        today = cfg.today(moment)
        when = parse_when(chosen, today)
        if when.empty and chosen != text:  # the entities alone were too vague: read the whole message
            when = parse_when(text, today)
        if cfg.within_hours(when.day, when.minutes, when.bound) is False:
            utter(dispatcher, replies.outside_hours_note(cfg, when, moment))
        return {"callback_time": chosen}

    def validate_callback_topic(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        topic = clean_text(value, MAX_TOPIC_CHARS)
        if topic is None:
            utter(dispatcher, ASK_TOPIC_AGAIN)
        return {"callback_topic": topic}


class ActionSubmitCallback(SafeAction):
    def name(self) -> str:
        return "action_submit_callback"

    def reset_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet(slot, None) for slot in ("phone", "callback_time", "callback_topic", REQUESTED_SLOT)]

    def crm_failed(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        # utter_crm_unavailable offers a call back, which is what just failed: give the number instead
        utter(dispatcher, replies.callback_failed(profile()).text)

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if form_stopped_this_turn(tracker):
            return self.reset_events(tracker)
        phone = tracker.get_slot("phone")
        when_text = tracker.get_slot("callback_time")
        topic = tracker.get_slot("callback_topic")
        if not (phone and when_text):
            log.warning("call back submitted without a complete form", extra={"sender_id": tracker.sender_id})
            return self.reset_events(tracker)
        cfg, moment = profile(), now()
        today = cfg.today(moment)
        when = replies.when_phrase(when_text, parse_when(when_text, today), today)
        customer_id = tracker.get_slot("verified_customer_id")
        case = await with_crm(lambda crm: crm.schedule_callback(phone, when, topic or "", customer_id=customer_id))
        utter(dispatcher, replies.callback_confirmation(case, phone, when, topic).text)
        return self.reset_events(tracker)
