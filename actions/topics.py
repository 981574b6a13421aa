"""Grounded answers for intents: action_topic_answer and action_accept_offer.

action_topic_answer answers an informational intent (shipping options, store policies,
payments, warranty, subscriptions, troubleshooting, ...) and a question about a flow intent
("can I return opened coffee beans?", marked by bot/nlu/speech_act.py) with the best
knowledge-base passage for the customer's own words within that intent's topics
(data/intent_topics.yml), with its source. Only when no passage is confident does the
intent's canned response `utter_<intent>` answer instead. After a question about a flow
intent the bot offers the flow ("Start a return") as a button; a typed "yes" takes the offer
(action_accept_offer), a button press starts the flow directly.

Every answer is written to the knowledge-base answer log, like action_kb_answer's.
"""
from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CALM, SafeAction, apologised_this_turn, button, frustration_level, log, log_error, utter
from actions.knowledge import Found, answer_for, customer_question, further_asks, get_answer_log, get_kb, names_an_order
from bot.kb.answering import DEFAULT_POLICY, answer_text
from bot.kb.answers import ANSWERED, NO_ANSWER
from bot.kb.asks import states_and_asks
from bot.kb.index import KbError
from bot.kb.search import Hit, QueryError, in_topics
from bot.settings import PROJECT_ROOT

TOPICS_FILE = PROJECT_ROOT / "data" / "intent_topics.yml"
OFFER_SLOT = "offered_intent"
QUESTION_ENTITY = "question"
CANDIDATES = 3
# The forms that start each offered flow (data/rules/forms.yml starts them from the intent).
FLOW_FORMS = {
    "order_status": "order_lookup_form",
    "delivery_late": "order_lookup_form",
    "delivery_missing": "order_lookup_form",
    "cancel_order": "order_lookup_form",
    "return_request": "return_request_form",
    "item_damaged": "return_request_form",
    "item_wrong": "return_request_form",
    "exchange_item": "return_request_form",
    "double_charge": "billing_dispute_form",
    "billing_dispute": "billing_dispute_form",
}


# A question about late or missing parcels that names an order is about that order: its apology,
# then the look-up (data/rules/forms.yml does the same for a request).
ABOUT_OWN_ORDER = {"delivery_late": "utter_sorry_late", "delivery_missing": "utter_sorry_missing"}
# Failures: a question about one that tells it happened ("it came 2 days late. Do I get that back?") is
# answered after an apology, however calmly it is put; a question only ("if my parcel is late, ...?") not.
FAILURES = frozenset({"delivery_late", "delivery_missing", "item_damaged", "item_wrong", "double_charge"})


@dataclass(frozen=True)
class Offer:
    title: str
    intent: str


@dataclass(frozen=True)
class IntentTopics:
    topics: dict[str, tuple[str, ...]]
    offers: dict[str, Offer]


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> IntentTopics:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    topics = {str(k): tuple(str(t) for t in (v or [])) for k, v in (data.get("topics") or {}).items()}
    offers = {
        str(k): Offer(str(v["title"]), str(v.get("intent") or k))
        for k, v in (data.get("offers") or {}).items()
        if isinstance(v, dict) and v.get("title")
    }
    return IntentTopics(topics, offers)


def intent_topics(path: Path = TOPICS_FILE) -> IntentTopics:
    """The topic map; empty (every intent falls back to its canned response) when unreadable."""
    try:
        return _load(str(path), path.stat().st_mtime_ns)
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
        log.error("intent topics unreadable", extra={"path": str(path), "error": str(exc)[:300]})
        return IntentTopics({}, {})


def asked_as_question(tracker: Tracker) -> bool:
    return any(e.get("entity") == QUESTION_ENTITY for e in tracker.latest_message.get("entities") or [])


# Cosine of the best passage within the intent's topics needed to answer with it rather than the
# canned reply. Lower than the whole knowledge base's answer threshold (0.575, bench/kb.py): the
# intent already fixes the topic, and the canned reply is a general text, not an answer to the
# customer's words. Chosen on the development journeys (bench/journeys/dev.yml, bench/README.md).
TOPIC_ANSWER_FLOOR = 0.45
# An article outside the intent's topics competes with its score lowered by this much, and answers
# only with the knowledge base's own answer threshold: the topics are a preference, not a wall (the
# intent may be read slightly wrong, or the answer may be filed elsewhere: descaling a kettle is in
# the store's care guide, not in troubleshooting). 0.05 to 0.2 gave the same first-turn answers on the
# development journeys (bench/README.md, "How the answer settings were chosen").
OUTSIDE_MARGIN = 0.1


def confident(hits: list[Hit], topics: tuple[str, ...] = ()) -> Hit | None:
    """The best passage when it is confident enough to answer with: within the intent's topics
    from TOPIC_ANSWER_FLOOR, outside them from the knowledge base's own answer threshold."""
    if not hits:
        return None
    best = hits[0]
    floor = TOPIC_ANSWER_FLOOR if (not topics or in_topics(best.article_id, topics)) else DEFAULT_POLICY.answer_threshold
    return best if best.dense >= floor else None


class ActionTopicAnswer(SafeAction):
    failure_response = "utter_kb_unavailable"

    def name(self) -> str:
        return "action_topic_answer"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if intent in ABOUT_OWN_ORDER and names_an_order(tracker):
            # "why is A1045 so late?" asks about that order, not about late parcels in general
            utter(dispatcher, response=ABOUT_OWN_ORDER[intent])
            return [SlotSet(OFFER_SLOT, None), FollowupAction(FLOW_FORMS[intent])]
        config = intent_topics()
        offer = config.offers.get(intent)
        query = customer_question(tracker)
        topics = config.topics.get(intent) or ()
        hits: list[Hit] = []
        answers: list[Found] = []
        searched = bool(query and topics)
        if searched:
            try:
                kb = await asyncio.to_thread(get_kb)
                hits, answers = await asyncio.to_thread(self.find, kb, query, topics)
            except QueryError:
                answers = []
            except KbError as exc:
                log_error(self.name(), tracker, "knowledge base unavailable", exc)
                answers = []
        upset = frustration_level(tracker) != CALM
        told_failure = intent in FAILURES and bool(query) and states_and_asks(query)
        if (upset or told_failure) and not apologised_this_turn(tracker, dispatcher, domain):
            # an upset customer ("the money STILL isn't back on my card!") or one who tells of a failure
            # is acknowledged before the facts
            utter(dispatcher, response="utter_sorry_trouble")
        if answers:
            for found in answers:
                utter(dispatcher, answer_text(found.hit, found.text))
        elif f"utter_{intent}" in (domain.get("responses") or {}):
            utter(dispatcher, response=f"utter_{intent}")
        else:  # no passage and no canned reply: say so, never only the offer
            utter(dispatcher, response="utter_no_topic_answer" if offer else "utter_ask_rephrase")
        if offer is not None:
            utter(dispatcher, response="utter_offer_flow", buttons=[button(offer.title, offer.intent),
                                                                     button("No, thanks", "deny")])
        if searched:
            await self.record(tracker, query, intent, answers[0].hit if answers else None, hits)
        return [SlotSet(OFFER_SLOT, offer.intent if offer else None)]

    @staticmethod
    def find(kb, query: str, topics: tuple[str, ...]) -> tuple[list[Hit], list[Found]]:
        """The answer to the whole message, then one for each further ask it holds
        (bot/kb/asks.py) whose best passage is confident and not shown yet."""
        hits = kb.search_topics(query, topics, CANDIDATES, outside_margin=OUTSIDE_MARGIN)
        best = confident(hits, topics)
        answers = [Found(best, answer_for(kb, best, query))] if best else []
        return hits, answers + further_asks(kb, query, answers)

    async def record(self, tracker: Tracker, query: str, intent: str, best: Hit | None, hits: list[Hit]) -> None:
        outcome = ANSWERED if best is not None else NO_ANSWER
        try:
            await asyncio.to_thread(
                lambda: get_answer_log().record(tracker.sender_id, query, outcome, hits,
                                                shown=best.article_id if best else None, intent=intent)
            )
        except Exception as exc:  # noqa: BLE001 - the customer has their answer; the record is best effort
            log_error(self.name(), tracker, "topic answer not recorded", exc)


class ActionAcceptOffer(SafeAction):
    """A typed "yes" after a topic answer: start the flow that was offered, if one was."""


    def name(self) -> str:
        return "action_accept_offer"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        offered = tracker.get_slot(OFFER_SLOT)
        form = FLOW_FORMS.get(offered or "")
        if form is None:
            utter(dispatcher, response="utter_glad_it_helped")
            return [SlotSet(OFFER_SLOT, None)]
        return [SlotSet(OFFER_SLOT, None), FollowupAction(form)]
