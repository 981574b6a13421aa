"""action_topic_answer and action_accept_offer against the real articles, the real encoder and a
real answer log (SQLite): grounded intent answers and questions before actions (issue 20)."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions.topics import ActionAcceptOffer, ActionTopicAnswer, intent_topics

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("kb_env")]

QUESTION = {"entity": "question", "value": "policy", "start": 0, "end": 10, "extractor": "SpeechActClassifier"}


def tracker(text: str, intent: str, *, question: bool = False, slots: dict | None = None) -> Tracker:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9},
             "entities": [QUESTION] if question else [], "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text, "parse_data": parse}]
    return Tracker.from_dict({"sender_id": "topic-test", "slots": slots or {}, "latest_message": parse,
                              "events": events, "active_loop": {}, "latest_action_name": "action_listen"})


def texts(dispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


async def test_the_passage_for_the_customers_own_words_not_the_canned_text(dispatcher, domain, answer_log):
    events = await ActionTopicAnswer().run(dispatcher, tracker("how long does shipping to hawaii take",
                                                               "shipping_options"), domain)
    [answer] = dispatcher.messages
    assert "hawaii" in answer["text"].lower() and "4-8" in answer["text"]
    assert "Source: Delivery times by region" in answer["text"]
    assert answer.get("response") is None  # not utter_shipping_options
    assert events == [SlotSet("offered_intent", None)]
    [row] = answer_log.for_conversation("topic-test")
    assert row["outcome"] == "answered" and row["intent"] == "shipping_options"
    assert row["shown_article"] == "shipping/delivery-times-by-region"


async def test_only_the_intents_topics_are_searched(dispatcher, domain, answer_log):
    await ActionTopicAnswer().run(dispatcher, tracker("what does E03 mean on the display", "payment_methods"), domain)
    # Nothing in payments/ explains E03: the canned reply answers rather than a troubleshooting article.
    assert [m.get("response") for m in dispatcher.messages] == ["utter_payment_methods"]
    [row] = answer_log.for_conversation("topic-test")
    assert row["outcome"] == "no_answer"
    assert all(r["article"].startswith("payments/") for r in row["results"])


async def test_a_question_about_a_flow_is_answered_then_the_flow_is_offered(dispatcher, domain):
    events = await ActionTopicAnswer().run(
        dispatcher, tracker("can I return coffee beans once the bag is opened?", "return_request", question=True),
        domain)
    answer, offer = dispatcher.messages
    assert "Source:" in answer["text"] and "/returns/" in answer["text"]
    assert "opened" in answer["text"].lower() or "coffee" in answer["text"].lower()
    assert offer["response"] == "utter_offer_flow"
    assert [b["payload"] for b in offer["buttons"]] == ["/return_request", "/deny"]
    assert events == [SlotSet("offered_intent", "return_request")]


async def test_yes_to_an_offer_starts_the_flow_and_yes_without_one_does_not(dispatcher, domain):
    events = await ActionAcceptOffer().run(dispatcher, tracker("yes please", "affirm",
                                                               slots={"offered_intent": "return_request"}), domain)
    assert events == [SlotSet("offered_intent", None), FollowupAction("return_request_form")]
    assert dispatcher.messages == []
    events = await ActionAcceptOffer().run(dispatcher, tracker("yes", "affirm"), domain)
    assert events == [SlotSet("offered_intent", None)]
    assert [m.get("response") for m in dispatcher.messages] == ["utter_glad_it_helped"]


def test_every_topic_names_a_knowledge_base_folder_and_every_offer_a_flow():
    from actions.topics import FLOW_FORMS
    from bot.settings import PROJECT_ROOT

    config = intent_topics()
    folders = {p.name for p in (PROJECT_ROOT / "knowledge_base").iterdir() if p.is_dir()}
    assert config.topics and config.offers
    assert {t for topics in config.topics.values() for t in topics} <= folders
    assert {o.intent for o in config.offers.values()} <= set(FLOW_FORMS)


async def test_no_passage_and_no_canned_reply_says_so_before_the_offer(dispatcher, domain):
    await ActionTopicAnswer().run(dispatcher, tracker("could I swap my pet zebra for a giraffe?", "exchange_item",
                                                      question=True), domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_no_topic_answer", "utter_offer_flow"]
