"""The context package and its summary, from stored messages, turn analysis and knowledge-base answers."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.handoff.context import build_context, summarize
from bot.handoff.store import Turn
from bot.conversations.store import StoredMessage

AT = datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc)


def message(id_, sender, text, **payload):
    return StoredMessage(id=id_, conversation_id="c", direction="in" if sender == "customer" else "out", sender=sender,
                         text=text, payload=payload, client_message_id=None, reply_to=None, status="sent", created_at=AT)


MESSAGES = [
    message(1, "customer", "I was charged twice for my coffee club this month"),
    message(2, "bot", "Sorry about that! Which amount?"),
    message(3, "customer", "22 dollars, twice. Why does this keep happening???"),
    message(4, "bot", "Here's our billing article."),
    message(5, "customer", "That did not help at all. Get me a human."),
]
TURNS = [
    Turn(1, "c", 0.31, [], "calm", False, "double_charge", 0.93, [{"entity": "product", "value": "coffee club",
                                                                    "confidence": 0.8}]),
    Turn(3, "c", 0.72, ["repeated_punctuation"], "annoyed", False, "inform", 0.66, [{"entity": "amount", "value": "22",
                                                                                     "confidence": 0.97}]),
    Turn(5, "c", 0.88, ["asks_for_person"], "angry", False, None, None, [], ["kb_unhelpful"]),
]
KB = [{"query": "charged twice", "outcome": "answered", "shown_article": "billing/double-charges",
       "results": [{"article": "billing/double-charges", "title": "Charged twice?", "score": 0.7}],
       "helpful": False}]
REASONS = [{"name": "asked_for_person", "detail": "the customer asked for a person"}]


def test_summary_says_what_the_customer_wants_what_was_tried_and_what_is_open():
    summary = summarize(MESSAGES, TURNS, KB, REASONS)
    assert summary["wants"].startswith("Double charge") or "charge" in summary["wants"].lower()
    assert "charged twice for my coffee club" in summary["wants"]
    assert "Charged twice?" in summary["tried"] and "not helpful" in summary["tried"]
    assert "not resolved by the assistant" in summary["open"]
    assert summary["open"].endswith('Last message: "That did not help at all. Get me a human."')


def test_context_package_has_everything_an_agent_reads_before_accepting():
    context = build_context(messages=MESSAGES, turns=TURNS, reasons=REASONS, kb=KB,
                            slots={"email": "maria@example.com", "kb_outcome": "answered", "order_id": None,
                                   "frustration_level": "angry"},
                            customer={"profile": {"full_name": "Maria Lopez", "tier": "vip"}})
    assert [m["text"] for m in context["transcript"]] == [m.text for m in MESSAGES]
    assert [(row["intent"], row["confidence"]) for row in context["nlu"]] == [("double_charge", 0.93), ("inform", 0.66)]
    assert context["nlu"][1]["entities"] == [{"entity": "amount", "value": "22", "confidence": 0.97}]
    assert context["slots"] == {"email": "maria@example.com", "frustration_level": "angry"}  # bookkeeping hidden
    assert context["kb"][0]["title"] == "Charged twice?" and context["kb"][0]["helpful"] is False
    assert [p["score"] for p in context["frustration"]] == [0.31, 0.72, 0.88]
    assert [p["level"] for p in context["frustration"]] == ["calm", "annoyed", "angry"]
    assert context["customer"]["profile"]["tier"] == "vip"
    assert context["reasons"] == REASONS


def test_agents_of_earlier_handoffs_count_as_tried_but_not_the_current_one():
    earlier = message(6, "agent", "I've refunded it.", agent={"name": "Sam Patel"}, handoff_id=1)
    current = message(7, "agent", "Hi, I'm Alex.", agent={"name": "Alex Kim"}, handoff_id=2)
    summary = summarize(MESSAGES + [earlier, current], TURNS, KB, REASONS, handoff_id=2)
    assert "already talked to Sam Patel" in summary["tried"] and "Alex" not in summary["tried"]


def test_summary_of_an_empty_conversation_is_honest():
    summary = summarize([], [], [], [])
    assert summary == {"wants": "Not said yet.", "tried": "nothing yet", "open": "Nothing asked yet."}
