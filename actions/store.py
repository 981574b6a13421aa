"""Store hours: are the care team's agents available right now, and when are they back."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.common import SafeAction, now, profile, utter


class ActionStoreHours(SafeAction):
    failure_response = "utter_default"

    def name(self) -> str:
        return "action_store_hours"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        utter(dispatcher, replies.store_hours_reply(profile(), now()).text)
        return []
