"""Handoff to a person and back (docs/handoff.md, "Rasa contract").

action_handoff only asks: it sends the hub a custom `{"handoff": {...}}` message, and the hub
queues the customer for an agent (or offers a ticket or call back) and words it itself.
action_handoff_returned runs when the hub triggers `handoff_returned` after an agent hands
the customer back; the hub has set `agent_name`, `handoff_note` and `handoff_resolved` first.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import FRUSTRATION_SLOT
from actions.replies import CALM, handed_back_reply

ASKED_FOR_PERSON = "asked_for_person"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(json_message={"handoff": {"reason": ASKED_FOR_PERSON, "intent": intent}})
        return []


def _resolved(value: Any) -> bool | None:
    """The bool slot as the hub may send it (true/false, or "true"/"false"); None when unknown."""
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False}.get(text)


class ActionHandoffReturned(Action):
    def name(self) -> str:
        return "action_handoff_returned"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = handed_back_reply(tracker.get_slot("agent_name"), tracker.get_slot("handoff_note"),
                                 _resolved(tracker.get_slot("handoff_resolved")))
        dispatcher.utter_message(text=text)
        # A person has just dealt with it: the bot starts again in its everyday tone.
        return [SlotSet(FRUSTRATION_SLOT, CALM)]
