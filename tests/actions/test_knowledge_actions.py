"""action_kb_answer and action_kb_feedback against the real articles, the real encoder and a
real answer log (SQLite); the PostgreSQL case is in tests/kb/test_kb_answers.py."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import knowledge
from actions.knowledge import ActionKbAnswer, ActionKbFeedback
from bot.kb.answering import AnswerPolicy

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("kb_env")]


def tracker(text: str, intent: str, *, ranking: list[dict] | None = None, entities: list[dict] | None = None,
            earlier: list[str] = (), slots: dict | None = None, sender: str = "kb-test") -> Tracker:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.4}, "entities": entities or [],
             "intent_ranking": ranking or [{"name": intent, "confidence": 0.4}]}
    events = [{"event": "action", "name": "action_listen"}]
    for said in earlier:
        events += [{"event": "user", "text": said, "parse_data": {"text": said}},
                   {"event": "action", "name": "action_kb_answer"}, {"event": "action", "name": "action_listen"}]
    events.append({"event": "user", "text": text, "parse_data": parse})
    return Tracker.from_dict({"sender_id": sender, "slots": slots or {}, "latest_message": parse,
                              "events": events, "active_loop": {}, "latest_action_name": "action_listen"})


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_answers_from_the_article_with_its_source_and_asks_if_it_helped(dispatcher, domain, answer_log):
    events = await ActionKbAnswer().run(
        dispatcher, tracker("my espresso machine keeps showing E04, what do i do", "nlu_fallback"), domain)
    answer, question = dispatcher.messages
    assert "Source: Barista One error codes\nhttps://larkspur.example/help/troubleshooting/barista-one-error-codes" \
        in answer["text"]
    assert "pump" in answer["text"].lower()
    assert question["text"] == "Did this answer your question?"
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]
    slots = slot_events(events)
    assert slots["kb_outcome"] == "answered" and isinstance(slots["kb_answer_id"], int)
    [row] = answer_log.for_conversation("kb-test")
    assert row["id"] == slots["kb_answer_id"] and row["outcome"] == "answered"
    assert row["shown_article"] == "troubleshooting/barista-one-error-codes"
    assert row["query"] == "my espresso machine keeps showing E04, what do i do" and row["intent"] == "nlu_fallback"
    assert row["results"][0]["article"] == row["shown_article"] and len(row["results"]) == 5
    assert row["helpful"] is None


async def test_an_extract_not_the_whole_section(dispatcher, domain):
    await ActionKbAnswer().run(dispatcher, tracker("do you deliver to alaska and how long does it take?",
                                                   "nlu_fallback"), domain)
    body = dispatcher.messages[0]["text"].split("\n\nSource:")[0]
    assert "alaska" in body.lower() and len(body.split()) <= 120
    assert "](" not in body and "**" not in body  # Markdown is turned into plain text


async def test_no_reliable_article_says_so_and_offers_a_person(dispatcher, domain, answer_log):
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "delivery_late", "confidence": 0.2},
               {"name": "order_status", "confidence": 0.1}]
    events = await ActionKbAnswer().run(
        dispatcher, tracker("who won the football game last night", "nlu_fallback", ranking=ranking), domain)
    [message] = dispatcher.messages
    assert "don't have a reliable answer" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/delivery_late", "/order_status", "/request_human"]
    assert slot_events(events)["kb_outcome"] == "no_answer"
    assert answer_log.for_conversation("kb-test")[0]["outcome"] == "no_answer"


async def test_broad_intent_without_a_fitting_article_gets_its_general_reply(dispatcher, domain):
    await ActionKbAnswer().run(dispatcher, tracker("what is the meaning of life", "out_of_scope"), domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_out_of_scope"]


async def test_close_candidates_become_a_clarifying_question_and_the_pick_is_answered(
        dispatcher, domain, answer_log, monkeypatch):
    # a policy that treats everything as a tie: the clarifying path with real results
    monkeypatch.setattr(knowledge, "DEFAULT_POLICY", AnswerPolicy(answer_threshold=0.3, clarify_floor=0.0,
                                                                  clarify_margin=1.0))
    question = "how do refunds work when i send something back"
    events = await ActionKbAnswer().run(dispatcher, tracker(question, "nlu_fallback"), domain)
    [message] = dispatcher.messages
    assert message["text"] == "I found a few articles that could answer that. Which one is closest?"
    payloads = [b["payload"] for b in message["buttons"]]
    assert len(payloads) == 4 and payloads[-1] == "/deny"
    assert all(p.startswith('/inform{"kb_article":"') for p in payloads[:3])
    assert slot_events(events)["kb_outcome"] == "clarified"

    picked = payloads[1].split('"kb_article":"')[1].rstrip('"}')
    dispatcher.messages.clear()
    events = await ActionKbAnswer().run(dispatcher, tracker(
        payloads[1], "inform", entities=[{"entity": "kb_article", "value": picked}], earlier=[question]), domain)
    assert f"/help/{picked}" in dispatcher.messages[0]["text"]
    rows = answer_log.for_conversation("kb-test")
    assert [r["outcome"] for r in rows] == ["clarified", "answered"]
    assert rows[1]["query"] == question and rows[1]["shown_article"] == picked


@pytest.mark.parametrize("intent, helpful, response", [("affirm", True, "utter_kb_helped"),
                                                       ("thanks", True, "utter_kb_helped"),
                                                       ("deny", False, "utter_kb_not_helped")])
async def test_feedback_is_recorded(dispatcher, domain, answer_log, intent, helpful, response):
    events = await ActionKbAnswer().run(dispatcher, tracker("can I return an opened bag of coffee?", "nlu_fallback"),
                                        domain)
    slots = slot_events(events)
    dispatcher.messages.clear()
    events = await ActionKbFeedback().run(dispatcher, tracker("yes", intent, slots=slots), domain)
    assert [m.get("response") for m in dispatcher.messages] == [response]
    assert events == [SlotSet("kb_outcome", None)]
    [row] = answer_log.for_conversation("kb-test")
    assert row["helpful"] is helpful and row["feedback_at"]
    assert answer_log.helpfulness() == {"answers": 1, "rated": 1, "helpful": int(helpful),
                                        "helpful_rate": float(helpful)}


async def test_feedback_without_an_answer_is_not_taken_as_a_verdict(dispatcher, domain, answer_log):
    events = await ActionKbFeedback().run(dispatcher, tracker("yes", "affirm", slots={"kb_outcome": "no_answer"}),
                                          domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_glad_it_helped"]
    assert events == [SlotSet("kb_outcome", None)]


async def test_feedback_cannot_rate_another_conversations_answer(dispatcher, domain, answer_log):
    events = await ActionKbAnswer().run(dispatcher, tracker("can I return an opened bag of coffee?", "nlu_fallback",
                                                            sender="alice"), domain)
    stolen = slot_events(events)
    await ActionKbFeedback().run(dispatcher, tracker("no", "deny", slots=stolen, sender="mallory"), domain)
    assert answer_log.for_conversation("alice")[0]["helpful"] is None


async def test_no_index_is_an_honest_apology(dispatcher, domain, tmp_path, monkeypatch):
    monkeypatch.setenv("CAREBOT_KB_INDEX", str(tmp_path / "no-index"))
    knowledge.reset_caches()
    events = await ActionKbAnswer().run(dispatcher, tracker("can I return opened beans", "nlu_fallback"), domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_kb_unavailable"]
    assert slot_events(events)["kb_outcome"] is None


async def test_answer_log_down_still_answers(dispatcher, domain, monkeypatch):
    from tests.ports import free_port

    monkeypatch.setenv("CAREBOT_HUB_DB_URL", f"postgresql+psycopg://carebot@127.0.0.1:{free_port()}/nowhere")
    knowledge.reset_caches()
    events = await ActionKbAnswer().run(dispatcher, tracker("can I return an opened bag of coffee?", "nlu_fallback"),
                                        domain)
    assert "Source:" in dispatcher.messages[0]["text"]
    assert slot_events(events) == {"kb_outcome": "answered", "kb_answer_id": None}


async def test_each_ask_of_a_message_is_answered_before_the_feedback_question(dispatcher, domain, answer_log):
    events = await ActionKbAnswer().run(
        dispatcher, tracker("will my UK bank card work on your site? and what currency do you charge in",
                            "nlu_fallback"), domain)
    *answers, question = dispatcher.messages
    assert len(answers) == 2 and question["text"] == "Did this answer your question?"
    assert any("US dollars" in a["text"] for a in answers)
    assert all("Source:" in a["text"] for a in answers)
    assert slot_events(events)["kb_outcome"] == "answered"


async def test_a_message_naming_an_order_that_no_article_answers_looks_the_order_up(dispatcher, domain, answer_log):
    from rasa_sdk.events import FollowupAction

    text = "what's in order A1043? can't remember what I ordered"
    order = {"entity": "order_id", "value": "A1043", "start": text.index("A1043"), "end": text.index("A1043") + 5}
    events = await ActionKbAnswer().run(dispatcher, tracker(text, "nlu_fallback", entities=[order]), domain)
    assert dispatcher.messages == []
    assert FollowupAction("order_lookup_form") in events
    [row] = answer_log.for_conversation("kb-test")
    assert row["outcome"] == "no_answer"  # still recorded: the help centre had nothing for it


async def test_a_complaint_the_help_centre_puts_right_gets_the_remedy(dispatcher, domain, answer_log):
    from actions.knowledge import ActionComplaintAnswer

    events = await ActionComplaintAnswer().run(
        dispatcher, tracker("my coffee club bag this month tastes really stale, like cardboard", "complaint"), domain)
    [answer] = dispatcher.messages
    assert "Source: Coffee that tastes stale" in answer["text"] and "new bag free" in answer["text"]
    assert events == []
    [row] = answer_log.for_conversation("kb-test")
    assert row["intent"] == "complaint" and row["outcome"] == "answered"


async def test_a_complaint_nothing_answers_adds_nothing(dispatcher, domain):
    from actions.knowledge import ActionComplaintAnswer

    await ActionComplaintAnswer().run(dispatcher, tracker("your driver was rude to my grandmother", "complaint"), domain)
    assert dispatcher.messages == []


def test_no_out_of_scope_training_example_would_be_answered_from_the_knowledge_base():
    """OUT_OF_SCOPE_POLICY's threshold is above what every example of data/nlu/out_of_scope.yml scores."""
    import re

    from actions.knowledge import OUT_OF_SCOPE_POLICY, get_kb
    from bot.settings import PROJECT_ROOT

    lines = (PROJECT_ROOT / "data" / "nlu" / "out_of_scope.yml").read_text(encoding="utf-8").splitlines()
    examples = [re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]) for line in lines
                if line.strip().startswith("- ") and "intent:" not in line]
    assert len(examples) >= 50
    kb = get_kb()
    scores = {text: kb.search(text, 1)[0].dense for text in examples}
    assert max(scores.values()) < OUT_OF_SCOPE_POLICY.answer_threshold, max(scores.items(), key=lambda kv: kv[1])


async def test_another_shops_policy_read_as_out_of_scope_is_declined(dispatcher, domain):
    await ActionKbAnswer().run(dispatcher, tracker("what's Starbucks' return policy on their tumblers?", "out_of_scope"),
                               domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_out_of_scope"]


def test_a_message_cut_into_many_asks_costs_a_few_searches_only(monkeypatch):
    from actions.knowledge import MAX_ASKS_SEARCHED, further_asks, get_kb

    kb = get_kb()
    calls = []
    search = kb.search_topics
    monkeypatch.setattr(kb, "search_topics", lambda *a, **k: calls.append(a[0]) or search(*a, **k))
    message = " ".join(f"is question number {i} about the weather?" for i in range(40))
    assert further_asks(kb, message, []) == []  # nothing in the help centre answers these
    assert len(calls) == MAX_ASKS_SEARCHED


def test_a_short_ask_that_names_a_code_is_answered_with_what_the_help_centre_says_about_it():
    from actions.knowledge import DEFAULT_POLICY, further_asks, get_kb

    kb = get_kb()
    ask = "can i use WELCOME10 on it"
    assert kb.search_topics(ask, (), 1, outside_margin=0.0)[0].dense < DEFAULT_POLICY.answer_threshold  # too short
    [found] = further_asks(kb, "do you price match amazon sellers? also " + ask, [])
    assert "WELCOME10 gives 10% off a first order of $30" in found.text
    assert found.hit.article_id == "billing/promo-codes-and-discounts"


def test_a_code_many_articles_give_as_an_example_points_nowhere():
    from actions.knowledge import get_kb

    kb = get_kb()
    assert kb.named_by_code("what about A1042") is None  # an order number the articles use as their example
    assert kb.named_by_code("can i use it on the grinder") is None  # no code at all
