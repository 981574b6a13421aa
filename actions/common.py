"""Plumbing shared by the actions: the CRM (opened lazily, once per process), the client
profile and clock, message marks, and base classes that never let an error escape.

Marks: a bot message can carry `carebot_mark` (Rasa keeps unknown message keys in the
BotUttered event's metadata and output channels ignore them). The actions read them back
from the tracker, so no extra slots are needed:

- `verification_failed`: a wrong email for an order; three in one form run stop the form.
- `form_stopped`: a validation action stopped its form (CRM down, too many attempts...);
  the submit action that Rasa's "submit" rule runs next sees it and stays silent.

Apologies: a failure ("you sent me the wrong item") is answered with an apology response before
the form asks anything (data/rules/forms.yml). What the actions say later in the same turn reads
the turn back (`apologised_this_turn`) and leaves its own "sorry" out: never two in a row.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from abc import ABC, abstractmethod
from typing import Any, Callable, TypeVar

from rasa_sdk import Action, FormValidationAction, Tracker, utils
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.replies import CALM, TONES
from bot import client_profile
from bot.client_profile import ClientProfile
from bot.crm import Crm, CrmError, open_crm
from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

MARK_KEY = "carebot_mark"
FORM_STOPPED = "form_stopped"
VERIFICATION_FAILED = "verification_failed"
MAX_VERIFICATION_ATTEMPTS = 3  # wrong answers to a proof of identity before the form stops

_crm: Crm | None = None
_crm_lock = threading.Lock()


def settings() -> Settings:
    """The action server's settings: the one place the actions read the environment (read when a
    process-wide object is first opened, so tests that change the environment and reset see it)."""
    return Settings.from_env()


def get_crm() -> Crm:
    """The process-wide CRM, opened on first use from the settings' `crm_url`.

    Raises CrmUnavailable/CrmError when it cannot be opened; a failure is not cached,
    so the next call tries again."""
    global _crm
    if _crm is None:
        with _crm_lock:
            if _crm is None:
                current = settings()
                _crm = open_crm(current.crm_url, client_file=current.client_file)
    return _crm


async def with_crm(work: Callable[[Crm], T]) -> T:
    """Run `work(crm)` in a worker thread: the CRM is synchronous (SQLAlchemy), the action
    server is not, and a slow or unreachable database must not stall every conversation."""
    return await asyncio.to_thread(lambda: work(get_crm()))


def reset_crm_cache() -> None:
    """Forget (and close) the cached CRM: tests call this between cases."""
    global _crm
    with _crm_lock:
        crm, _crm = _crm, None
    if crm is not None:
        try:
            crm.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not fail the caller
            log.warning("closing the CRM failed", exc_info=True)


def profile() -> ClientProfile:
    """The client profile (client.yml or CAREBOT_CLIENT_FILE), re-read when the file changes."""
    return client_profile.current_profile(settings().client_file)


def now():
    """The current instant; tests replace `bot.client_profile.now`."""
    return client_profile.now()


FRUSTRATION_SLOT = "frustration_level"


def frustration_level(tracker: Tracker) -> str:
    """calm, annoyed or angry: the hub's reading of the customer (calm when unset or unknown)."""
    level = tracker.get_slot(FRUSTRATION_SLOT)
    return level if level in TONES else CALM


def log_error(action: str, tracker: Tracker, message: str, exc: BaseException | None = None, **fields: Any) -> None:
    """A structured error line (JSON via bot.logs) without customer data."""
    log.error(
        message,
        extra={
            "action": action,
            "sender_id": tracker.sender_id,
            "error_type": type(exc).__name__ if exc else None,
            "error": str(exc)[:300] if exc else None,
            **fields,
        },
        exc_info=exc if exc is not None and not isinstance(exc, CrmError) else None,
    )


def utter(dispatcher: CollectingDispatcher, text: str | None = None, *, response: str | None = None,
          buttons: list[dict] | None = None, mark: str | None = None) -> None:
    extra = {MARK_KEY: mark} if mark else {}
    dispatcher.utter_message(text=text, response=response, buttons=buttons, **extra)


def _marked(event: dict, mark: str) -> bool:
    return event.get("event") == "bot" and (event.get("metadata") or {}).get(MARK_KEY) == mark


def form_stopped_this_turn(tracker: Tracker) -> bool:
    """Did a validation action stop its form since the customer's last message?"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if _marked(event, FORM_STOPPED):
            return True
    return False


def marks_in_current_form(tracker: Tracker, form: str, mark: str) -> int:
    """How many bot messages with `mark` were sent since `form` was activated (0 while it
    is being activated: then the events of any earlier run don't count)."""
    if tracker.active_loop_name != form:
        return 0
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            break
        if _marked(event, mark):
            count += 1
    return count


APOLOGY = re.compile(r"\b(sorry|apologi[sz]e\w*|apologies)\b", re.IGNORECASE)
CRM_UNAVAILABLE = "utter_crm_unavailable"
CRM_UNAVAILABLE_AFTER_APOLOGY = "utter_crm_unavailable_after_apology"  # the same without its "sorry"


def apologises(text: object) -> bool:
    return bool(text) and APOLOGY.search(str(text)) is not None


def _response_apologises(name: str | None, domain: DomainDict | None) -> bool:
    """Does any variant of the domain response `name` apologise (its text depends on the tone)?"""
    if not name or not domain:
        return False
    return any(apologises(variant.get("text")) for variant in (domain.get("responses") or {}).get(name) or [])


def apologised_this_turn(tracker: Tracker, dispatcher: CollectingDispatcher | None = None,
                         domain: DomainDict | None = None) -> bool:
    """Has the bot said sorry since the customer's last message: an apology response before the
    form, or a message this action already sent (`dispatcher`; a response by name counts when
    one of its variants in `domain` apologises)?"""
    for message in (dispatcher.messages if dispatcher else []):
        if apologises(message.get("text")) or _response_apologises(message.get("response"), domain):
            return True
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and apologises(event.get("text")):
            return True
    return False


def crm_unavailable_response(tracker: Tracker, dispatcher: CollectingDispatcher | None = None) -> str:
    """utter_crm_unavailable, or its variant without an apology when the turn already has one."""
    return CRM_UNAVAILABLE_AFTER_APOLOGY if apologised_this_turn(tracker, dispatcher) else CRM_UNAVAILABLE


def button(title: str, intent: str, **entities: str) -> dict[str, str]:
    """A button whose payload is an intent with entities: /inform{"product":"Toaster"}."""
    payload = f"/{intent}" + (json.dumps(entities, ensure_ascii=False, separators=(",", ":")) if entities else "")
    return {"title": title, "payload": payload}


class SafeAction(Action, ABC):
    """An action whose unexpected errors are logged and answered with an apology, never raised."""

    failure_response = "utter_crm_unavailable"  # what the customer gets when something breaks

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]: ...

    def reset_events(self, tracker: Tracker) -> list[EventType]:
        """Events that clear this action's slots (also returned after a failure)."""
        return []

    def crm_failed(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """What the customer hears when the CRM is down."""
        utter(dispatcher, response=crm_unavailable_response(tracker, dispatcher))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except CrmError as exc:
            log_error(self.name(), tracker, "crm unavailable", exc)
            self.crm_failed(dispatcher, tracker)
        except Exception as exc:  # noqa: BLE001 - the customer gets an answer whatever happens
            log_error(self.name(), tracker, "action failed", exc)
            utter(dispatcher, response=self.failure_response)
        return self.reset_events(tracker)


class CareFormValidation(FormValidationAction, ABC):
    """Form validation that can stop its form, listens, and never raises.

    A `validate_<slot>` method stops the form by returning `self.stop_form(...)`: the
    remaining candidates are not validated (and cleared), the message carries the
    `form_stopped` mark, and `requested_slot: None` plus `ActiveLoop(None)` end the loop.

    Candidates are validated in the form's order (the order number before the e-mail that must
    match it), then `fill_from_context` fills what the customer already said or the CRM knows,
    so the form asks only for what is still missing."""

    @abstractmethod
    def name(self) -> str: ...

    def stop_form(self, dispatcher: CollectingDispatcher, response: str = CRM_UNAVAILABLE,
                  text: str | None = None, **slots: Any) -> dict[str, Any]:
        utter(dispatcher, text, response=None if text else response, mark=FORM_STOPPED)
        return {**slots, REQUESTED_SLOT: None}

    def failed_verification(self, dispatcher: CollectingDispatcher, tracker: Tracker, form: str,
                            message: Callable[[int, bool], str], **cleared: Any) -> dict[str, Any]:
        """A failed proof of identity in this run of `form` (a wrong e-mail for an order, a receipt number
        of another account): the MAX_VERIFICATION_ATTEMPTS-th stops the form with utter_too_many_attempts;
        before it, `message(attempts_left, apologised_this_turn)` is said, marked verification_failed.
        `cleared`: the slots emptied either way."""
        failures = marks_in_current_form(tracker, form, VERIFICATION_FAILED) + 1
        log.info("verification failed", extra={"action": self.name(), "sender_id": tracker.sender_id,
                                                "attempt": failures})
        if failures >= MAX_VERIFICATION_ATTEMPTS:
            log.warning("verification stopped after too many attempts",
                        extra={"action": self.name(), "sender_id": tracker.sender_id})
            return self.stop_form(dispatcher, "utter_too_many_attempts", **cleared)
        utter(dispatcher, message(MAX_VERIFICATION_ATTEMPTS - failures, apologised_this_turn(tracker, dispatcher)),
              mark=VERIFICATION_FAILED)
        return dict(cleared)

    def crm_down(self, dispatcher: CollectingDispatcher, tracker: Tracker, exc: BaseException,
                 **slots: Any) -> dict[str, Any]:
        log_error(self.name(), tracker, "crm unavailable during form validation", exc)
        return self.stop_form(dispatcher, crm_unavailable_response(tracker, dispatcher), **slots)

    async def fill_from_context(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        """Slots to fill from what the customer already said (`actions.opening`) or what the CRM
        knows, once this call's candidates are validated. Only slots that are still empty: the
        result must be empty when there is nothing new, or a form asking for a slot the customer
        didn't answer would never be rejected. `requested_slot: None` ends the form without the
        `form_stopped` mark, so its submit action answers (a return that can't be accepted)."""
        return {}

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        wanted = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        said = tracker.slots_to_validate()
        candidates = {name: said[name] for name in wanted if name in said}  # in the form's order
        result: dict[str, Any] = dict(candidates)
        pending = list(candidates)
        stopped = False
        for name in list(candidates):
            pending.remove(name)
            method = getattr(self, f"validate_{name.replace('-', '_')}", None)
            if method is None:
                continue
            output = await utils.call_potential_coroutine(method(candidates[name], dispatcher, tracker, domain))
            if not isinstance(output, dict):
                log.warning("validation method returned no dict", extra={"action": self.name(), "slot": name})
                continue
            result.update(output)
            tracker.slots.update(output)
            if REQUESTED_SLOT in output and output[REQUESTED_SLOT] is None:
                for other in pending:  # not validated: don't keep
                    if other not in output:
                        result[other] = None
                stopped = True
                break
        if not stopped:
            inferred = await self.fill_from_context(dispatcher, tracker, domain)
            result.update(inferred)
            tracker.slots.update(inferred)
        return [SlotSet(key, value) for key, value in result.items()]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        candidates = list(tracker.slots_to_validate())
        try:
            events = await super().run(dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - a broken validation must not crash the conversation
            log_error(self.name(), tracker, "form validation failed", exc)
            utter(dispatcher, response=crm_unavailable_response(tracker, dispatcher), mark=FORM_STOPPED)
            return [*(SlotSet(name, None) for name in candidates), SlotSet(REQUESTED_SLOT, None), ActiveLoop(None)]
        if any(e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT and e.get("value") is None
               for e in events):
            events.append(ActiveLoop(None))
        return events
