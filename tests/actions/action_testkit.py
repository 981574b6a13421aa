"""Helpers for the action tests (a uniquely named module: several test folders have a conftest)."""
from __future__ import annotations

import copy
import json
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common

DATA = Path(__file__).resolve().parent / "data"
# "now" of the seeded CRM and of the actions' clock: today 17:00 UTC (midday in New York)
SEED_NOW = datetime.combine(datetime.now(timezone.utc).date(), time(17, 0), tzinfo=timezone.utc)


def load_tracker(name: str, *, slots: dict[str, Any] | None = None, candidates: dict[str, Any] | None = None,
                 latest_message: dict[str, Any] | None = None, active_loop: str | None | bool = False) -> Tracker:
    """A Tracker from tests/actions/data/<name>.json.

    `candidates` replaces the slot values that a validation action receives (the trailing
    SlotSet events Rasa adds after the form action) and sets them in `slots` too."""
    state = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    state = copy.deepcopy(state)
    if slots:
        state["slots"].update(slots)
    if latest_message:
        state["latest_message"].update(latest_message)
    if candidates is not None:
        events = state["events"]
        while events and events[-1]["event"] == "slot":
            events.pop()
        events += [{"event": "slot", "name": key, "value": value} for key, value in candidates.items()]
        state["slots"].update(candidates)
    if active_loop is not False:
        state["active_loop"] = {"name": active_loop} if active_loop else {}
    return Tracker.from_dict(state)


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    """What the bot said: the text, or the name of the domain response."""
    return [message.get("text") or message.get("response") for message in dispatcher.messages]


def marks(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [message.get(common.MARK_KEY) for message in dispatcher.messages]


def message(text: str, intent: str, **entities: str | list[str]) -> dict[str, Any]:
    """A parsed customer message (`latest_message`): each entity value is found in `text` for its span,
    as the NLU reports it; a list gives several entities of one type."""
    found = []
    for name, values in entities.items():
        for value in [values] if isinstance(values, str) else values:
            start = text.lower().index(value.lower())
            found.append({"entity": name, "value": value, "start": start, "end": start + len(value),
                          "extractor": "test"})
    return {"text": text, "intent": {"name": intent, "confidence": 0.98}, "entities": found,
            "intent_ranking": [{"name": intent, "confidence": 0.98}]}


def with_apology(tracker: Tracker, text: str = "I'm so sorry we sent you the wrong item. That's our mistake, and "
                                              "I'll help you put it right.") -> Tracker:
    """The tracker with the bot's apology after the customer's last message, as the failure rules
    of data/rules/forms.yml send it before the form runs."""
    last_user = max(i for i, event in enumerate(tracker.events) if event.get("event") == "user")
    tracker.events.insert(last_user + 1, {"event": "bot", "text": text, "metadata": {}})
    return tracker
