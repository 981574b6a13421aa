"""HandoffContext: the package an agent reads before accepting, from the database, Rasa and the CRM."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.handoff.context import HandoffContext
from bot.handoff.store import QUEUED

pytestmark = pytest.mark.anyio


def conversation_with_history(units, customer=None):
    conversation = units.store.create_conversation("web")
    first = units.store.add_inbound(conversation, "I was charged twice for my coffee club").message
    units.handoffs.save_turn(first.id, conversation, score=0.3, signals=[], level="calm", repeats=False,
                             intent="double_charge", confidence=0.93,
                             entities=[{"entity": "product", "value": "coffee club", "confidence": 0.8}])
    units.answers.record(conversation, "charged twice", "answered",
                         [SimpleNamespace(article_id="billing/double-charges", title="Charged twice?", url="/kb/1",
                                          score=0.7)], shown="billing/double-charges")
    second = units.store.add_inbound(conversation, "That did not help. Get me a human!!!").message
    units.handoffs.save_turn(second.id, conversation, score=0.88, signals=["asks_for_person"], level="angry",
                             repeats=False)
    units.rasa.trackers[conversation] = {"slots": {"email": "maria@example.com", "kb_outcome": "answered",
                                                   "frustration_level": "angry", "order_id": None}}
    return units.handoffs.create(conversation, status=QUEUED, skill="billing", reasons=[{"name": "asked_for_person"}],
                                 frustration=0.88, level="angry", customer=customer)


async def test_the_context_package_has_transcript_nlu_slots_kb_frustration_customer_and_events(make_units, crm):
    units = make_units(crm=crm)
    handoff = conversation_with_history(units, customer={"customer_id": "C1001", "name": "Maria Lopez"})

    context = await units.context.context(handoff)

    assert [m["text"] for m in context["transcript"]] == ["I was charged twice for my coffee club",
                                                          "That did not help. Get me a human!!!"]
    assert [(row["intent"], row["confidence"]) for row in context["nlu"]] == [("double_charge", 0.93)]
    assert context["slots"] == {"email": "maria@example.com", "frustration_level": "angry"}  # bookkeeping hidden
    assert context["kb"][0]["title"] == "Charged twice?"
    assert [p["level"] for p in context["frustration"]] == ["calm", "angry"]
    assert context["reasons"] == [{"name": "asked_for_person"}] and "charged twice" in context["summary"]["wants"]
    profile = context["customer"]["profile"]
    assert profile["full_name"] == "Maria Lopez" and "payment_method" not in profile  # card details stay out
    assert {o["order_id"] for o in context["customer"]["orders"]} >= {"A1042", "A1046"}
    assert [e["kind"] for e in context["events"]] == ["created"]


async def test_without_rasa_or_a_crm_the_package_still_comes(units):
    handoff = conversation_with_history(units, customer={"customer_id": "C1001"})
    units.rasa.down = True
    context = await units.context.context(handoff)
    assert context["slots"] == {} and context["customer"] is None and len(context["transcript"]) == 2


async def test_a_crm_that_is_down_is_said_in_the_package(units, tmp_path):
    from bot.crm.sql import SqlCrm

    unreachable = SqlCrm(f"sqlite:///{tmp_path / 'no-such-directory' / 'crm.db'}")
    handoff = conversation_with_history(units, customer={"customer_id": "C1001"})
    down = HandoffContext(store=units.store, handoffs=units.handoffs, rasa=units.rasa, answers=units.answers,
                          crm=unreachable)
    assert (await down.context(handoff))["customer"] == {"error": "The CRM is not reachable right now."}
    unreachable.close()


async def test_unknown_customers_come_from_the_conversation_when_the_handoff_has_none(make_units, crm):
    units = make_units(crm=crm)
    handoff = conversation_with_history(units)
    assert units.context.customer_profile(handoff) is None
    units.handoffs.set_meta(handoff.conversation_id, customer={"customer_id": "C1002"})
    assert units.context.customer_profile(handoff)["profile"]["full_name"] == "James Okafor"
    units.handoffs.set_meta(handoff.conversation_id, customer={"customer_id": "C9999"})
    assert units.context.customer_profile(handoff) is None


async def test_suggestions_say_when_the_kb_is_missing(units, tmp_path):
    handoff = conversation_with_history(units)
    missing = HandoffContext(store=units.store, handoffs=units.handoffs, rasa=units.rasa, answers=units.answers,
                             kb_index=tmp_path / "no-index")
    error = "The knowledge base is not available."
    assert await missing.suggestions(handoff, None) == {"query": "", "suggestions": [], "basis": "conversation",
                                                        "error": error}
    assert await missing.suggestions(handoff, "charged twice") == {"query": "charged twice", "suggestions": [],
                                                                   "basis": "agent", "error": error}
    empty = units.store.create_conversation("web")
    nothing = units.handoffs.create(empty, status=QUEUED, skill="general", reasons=[], frustration=0.0,
                                    level="calm", customer=None)
    assert await missing.suggestions(nothing, "   ") == {"query": "", "suggestions": [], "basis": "agent"}
