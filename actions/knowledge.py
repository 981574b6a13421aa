"""Knowledge-base answers: action_kb_answer and action_kb_feedback.

action_kb_answer runs for questions no intent covers (nlu_fallback, out_of_scope) and for
the broad intents whose best answer is an article (product_question, technical_issue,
store_policy). It searches the client's articles with the customer's own words and:

- answers with a short extract of the best passage, its title and link, and asks
  "Did this answer your question?" (Yes -> /affirm, No -> /deny);
- asks which article is meant when the best candidates are close (buttons
  /inform{"kb_article": ID});
- otherwise says honestly it has no reliable answer and offers a person (for the broad
  intents, the domain's general reply `utter_<intent>` instead).

Every outcome is written to the answer log (bot.kb.answers), which the handoff context,
the supervisor and the KPIs read; a log that cannot be written never blocks the answer.
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, replace

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.common import SafeAction, button, log, log_error, utter
from actions.fallback import intent_labels, label_for, suggested_intents
from bot.kb.answering import (DEFAULT_POLICY, Decision, answer_text, choice_title, decide, extract, plain,
                               points_forward, read_on, with_summary)
from bot.kb.answers import ANSWERED, CLARIFIED, NO_ANSWER, AnswerLog
from bot.kb.asks import split_asks
from bot.kb.index import KbError
from bot.kb.search import Hit, KnowledgeBase, QueryError


ARTICLE_ENTITY = "kb_article"
ANSWER_ID_SLOT = "kb_answer_id"
OUTCOME_SLOT = "kb_outcome"
RESULTS = 5
# A message the NLU reads as out of scope is answered from the knowledge base only above the highest
# score any out-of-scope training example (data/nlu/out_of_scope.yml) gets from it: 0.584 ("my netflix
# account got hacked"), so 0.6. Below it, the decline: "what's Starbucks' return policy?" must not get
# ours. Answerable development questions (bench/data/kb_dev_questions.jsonl) above 0.6: 53 %, the ones
# an NLU slip to out_of_scope would still answer. tests/actions/test_knowledge_actions.py re-checks it.
OUT_OF_SCOPE_POLICY = replace(DEFAULT_POLICY, answer_threshold=0.6, clarify_floor=0.6)
ORDER_FORM = "order_lookup_form"
HELPFUL_INTENTS = frozenset({"affirm", "thanks"})
# Broad intents with a general reply in the domain, used when no article fits well enough.
GENERAL_REPLY = {
    "product_question": "utter_product_question",
    "technical_issue": "utter_technical_issue",
    "store_policy": "utter_store_policy",
    "out_of_scope": "utter_out_of_scope",
}

_kb: KnowledgeBase | None = None
_answer_log: AnswerLog | None = None
_lock = threading.Lock()


def get_kb() -> KnowledgeBase:
    """The process-wide knowledge base (it reloads a rebuilt index by itself)."""
    global _kb
    if _kb is None:
        with _lock:
            if _kb is None:
                _kb = KnowledgeBase(common.settings().kb_index)
    return _kb


def get_answer_log() -> AnswerLog:
    global _answer_log
    if _answer_log is None:
        with _lock:
            if _answer_log is None:
                _answer_log = AnswerLog(common.settings().hub_db_url, keys=common.settings().data_keys)
    return _answer_log


def reset_caches() -> None:
    """Forget the knowledge base and the answer log (tests switch settings between cases)."""
    global _kb, _answer_log
    with _lock:
        log_, _kb, _answer_log = _answer_log, None, None
    if log_ is not None:
        log_.close()


def customer_question(tracker: Tracker) -> str | None:
    """The customer's last typed message: button payloads ("/inform{...}") are skipped,
    so picking an article answers the question that was asked before."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                return text
    return None


def picked_article(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == ARTICLE_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def names_an_order(tracker: Tracker) -> bool:
    """Does the customer's latest message name an order number (entity `order_id`)?"""
    return any(e.get("entity") == "order_id" for e in tracker.latest_message.get("entities") or [])


SHORT_LEAD_WORDS = 40  # a passage this short that its section continues is read with the continuation


def answer_for(kb: KnowledgeBase, hit: Hit, query: str) -> str:
    """The text shown for a passage: the extract for the question, after the article's summary when
    it is one short sentence, and followed by the next passage when it announces it ("If nothing
    happens when you press Start:")."""
    text = with_summary(extract(hit, query, kb.encode_texts), kb.summary(hit.article_id))
    following = kb.next_passage(hit)
    if following is None:
        return text
    # A section cut in two by the passage size: a short lead ("White chalky spots are the sign it's
    # due.") is read with the rest of its section (the descaling steps).
    same_section = bool(hit.heading) and following.heading == hit.heading and len(plain(hit.passage).split()) < SHORT_LEAD_WORDS
    if points_forward(text) or same_section:
        text = read_on(text, extract(following, query, kb.encode_texts), force=same_section)
    return text


# Further asks in one message answered besides the first ("... and do you take paypal"), and how many
# asks are searched at most (a long message cut into many parts must not cost a search each).
MAX_FURTHER_ASKS = 2
MAX_ASKS_SEARCHED = 4


@dataclass(frozen=True)
class Found:
    hit: Hit
    text: str


def further_asks(kb: KnowledgeBase, query: str, shown: list[Found], limit: int = MAX_FURTHER_ASKS) -> list[Found]:
    """Answers to the other asks of a message that holds several (bot/kb/asks.py): each ask is
    searched on its own in the whole knowledge base (another ask may be another topic) and
    answered when its best passage is confident (the knowledge base's answer threshold) and not
    shown already. An ask that names a code few passages hold ("can I use WELCOME10 on it") is
    answered with what they say about it (KnowledgeBase.named_by_code), however low its cosine."""
    asks = split_asks(query)
    if len(asks) < 2:
        return []
    seen = {found.hit.passage for found in shown}
    texts = [found.text for found in shown]
    out: list[Found] = []
    for ask in asks[:MAX_ASKS_SEARCHED]:
        if len(out) >= limit:
            break
        try:
            named = kb.named_by_code(ask)
            hits = [named[0]] if named else kb.search_topics(ask, (), 1, outside_margin=0.0)
        except QueryError:
            continue
        if not hits or hits[0].passage in seen:
            continue
        if named:  # "can I use WELCOME10 on it": what the help centre says about the code
            text = named[1]
        elif hits[0].dense >= DEFAULT_POLICY.answer_threshold:
            text = extract(hits[0], ask, kb.encode_texts)
        else:
            continue
        if any(text in other for other in texts):
            continue
        seen.add(hits[0].passage)
        texts.append(text)
        out.append(Found(hits[0], text))
    return out


class ActionKbAnswer(SafeAction):
    failure_response = "utter_kb_unavailable"

    def name(self) -> str:
        return "action_kb_answer"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        query = customer_question(tracker)
        if not query:
            utter(dispatcher, response="utter_ask_rephrase")
            return [SlotSet(OUTCOME_SLOT, None), SlotSet(ANSWER_ID_SLOT, None)]
        try:
            kb = await asyncio.to_thread(get_kb)
            article = picked_article(tracker)
            if article:
                hit = await asyncio.to_thread(kb.article_hit, query, article)
                hits = [hit] if hit else []
                decision = Decision(ANSWERED, (hit,)) if hit else Decision(NO_ANSWER, ())
            else:
                hits = await asyncio.to_thread(kb.search, query, RESULTS)
                decision = decide(hits, OUT_OF_SCOPE_POLICY if intent == "out_of_scope" else DEFAULT_POLICY)
        except QueryError:
            utter(dispatcher, response="utter_ask_rephrase")
            return [SlotSet(OUTCOME_SLOT, None), SlotSet(ANSWER_ID_SLOT, None)]
        except KbError as exc:
            log_error(self.name(), tracker, "knowledge base unavailable", exc)
            utter(dispatcher, response="utter_kb_unavailable")
            return [SlotSet(OUTCOME_SLOT, None), SlotSet(ANSWER_ID_SLOT, None)]

        answers: list[Found] = []
        if decision.outcome == ANSWERED:
            hit = decision.hits[0]
            answers.append(Found(hit, await asyncio.to_thread(answer_for, kb, hit, query)))
        if not article and decision.outcome != CLARIFIED:
            answers.extend(await asyncio.to_thread(further_asks, kb, query, answers))
            if answers and decision.outcome == NO_ANSWER:
                decision = Decision(ANSWERED, (answers[0].hit,))
        if answers:
            for found in answers:
                utter(dispatcher, answer_text(found.hit, found.text))
            utter(dispatcher, "Did this answer your question?",
                  buttons=[button("Yes, thanks", "affirm"), button("No", "deny")])
        elif decision.outcome == CLARIFIED:
            buttons = [button(choice_title(h), "inform", **{ARTICLE_ENTITY: h.article_id}) for h in decision.hits]
            buttons.append(button("None of these", "deny"))
            utter(dispatcher, "I found a few articles that could answer that. Which one is closest?", buttons=buttons)
        elif not article and names_an_order(tracker):
            # "what's in order A1043?": nothing in the help centre answers it, the order does
            answer_id = await self.record(tracker, query, intent, decision, hits)
            return [SlotSet(OUTCOME_SLOT, None), SlotSet(ANSWER_ID_SLOT, answer_id), FollowupAction(ORDER_FORM)]
        else:
            self.no_answer(dispatcher, tracker, intent)
        answer_id = await self.record(tracker, query, intent, decision, hits)
        return [SlotSet(OUTCOME_SLOT, decision.outcome), SlotSet(ANSWER_ID_SLOT, answer_id)]

    def no_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str | None) -> None:
        if intent in GENERAL_REPLY:
            utter(dispatcher, response=GENERAL_REPLY[intent])
            return
        labels = intent_labels()
        buttons = [button(label_for(i, labels), i) for i in suggested_intents(tracker.latest_message)]
        buttons.append(button("Talk to a person", "request_human"))
        utter(dispatcher, "I'm sorry, I don't have a reliable answer to that, and I'd rather not guess. "
                          "You can put it another way, pick one of these, or talk to one of our team.",
              buttons=buttons)

    async def record(self, tracker: Tracker, query: str, intent: str | None, decision: Decision, hits) -> int | None:
        shown = decision.hits[0].article_id if decision.outcome == ANSWERED else None
        try:
            return await asyncio.to_thread(
                lambda: get_answer_log().record(tracker.sender_id, query, decision.outcome, hits,
                                                shown=shown, intent=intent)
            )
        except Exception as exc:  # noqa: BLE001 - the customer has their answer; the record is best effort
            log_error(self.name(), tracker, "kb answer not recorded", exc)
            return None


class ActionComplaintAnswer(SafeAction):
    """After the apology for a complaint and before the offer of a person: what the help centre says
    puts it right ("my Coffee Club bag tastes stale" -> a new bag, free), when one
    passage answers it confidently (the knowledge base's own threshold); otherwise nothing, the
    person the bot offers next takes it from there."""

    def name(self) -> str:
        return "action_complaint_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - the apology and the offer of a person stand on their own
            log_error(self.name(), tracker, "complaint answer failed", exc)
            return []

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        query = customer_question(tracker)
        if not query:
            return []
        kb = await asyncio.to_thread(get_kb)
        try:
            hits = await asyncio.to_thread(kb.search, query, RESULTS)
        except QueryError:
            return []
        decision = decide(hits, DEFAULT_POLICY)
        if decision.outcome != ANSWERED:
            return []
        hit = decision.hits[0]
        utter(dispatcher, answer_text(hit, await asyncio.to_thread(answer_for, kb, hit, query)))
        try:
            await asyncio.to_thread(lambda: get_answer_log().record(tracker.sender_id, query, ANSWERED, hits,
                                                                    shown=hit.article_id, intent="complaint"))
        except Exception as exc:  # noqa: BLE001 - best effort, as for every answer
            log_error(self.name(), tracker, "complaint answer not recorded", exc)
        return []


class ActionKbFeedback(SafeAction):
    """The customer's "did this help?" after a KB answer (or "none of these" after a choice)."""

    failure_response = "utter_no_problem"

    def name(self) -> str:
        return "action_kb_feedback"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        outcome = tracker.get_slot(OUTCOME_SLOT)
        answer_id = tracker.get_slot(ANSWER_ID_SLOT)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        helpful = intent in HELPFUL_INTENTS
        if outcome == ANSWERED:
            utter(dispatcher, response="utter_kb_helped" if helpful else "utter_kb_not_helped")
        elif outcome == CLARIFIED and not helpful:
            utter(dispatcher, response="utter_kb_not_helped")
        else:  # nothing (or a choice of articles) to say thanks for: never a bare "anything else?"
            utter(dispatcher, response="utter_glad_it_helped" if helpful else "utter_no_problem")
            return [SlotSet(OUTCOME_SLOT, None)]
        if answer_id is not None:
            try:
                stored = await asyncio.to_thread(
                    lambda: get_answer_log().feedback(int(answer_id), helpful, tracker.sender_id)
                )
                if not stored:
                    log.warning("kb feedback for an unknown answer", extra={"answer_id": answer_id})
            except Exception as exc:  # noqa: BLE001
                log_error(self.name(), tracker, "kb feedback not recorded", exc)
        return [SlotSet(OUTCOME_SLOT, None)]
