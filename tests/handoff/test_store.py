"""The handoff tables on SQLite and on the real PostgreSQL: transitions are atomic, turns and state persist."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.handoff.store import ACTIVE, BY_AGENT, BY_QUEUE, QUEUED, HandoffConflict, HandoffStore
from bot.conversations.store import Store, utcnow


@pytest.fixture
def stores(hub_db_url):
    store = Store(hub_db_url)
    store.create_schema()
    yield store, HandoffStore(store)
    store.close()


def queued(store, handoffs):
    conversation = store.create_conversation("web")
    return handoffs.create(conversation, status=QUEUED, skill="billing", reasons=[{"name": "angry_message"}],
                           frustration=0.9, level="angry", customer={"name": "Maria Lopez", "tier": "vip"})


def test_only_one_of_several_agents_accepting_at_once_gets_the_conversation(stores):
    store, handoffs = stores
    handoff = queued(store, handoffs)
    assert store.handled_by(handoff.conversation_id) == BY_QUEUE

    def accept(agent_id):
        try:
            return handoffs.transition(handoff.id, expect=(QUEUED,), kind="accepted", by_agent=agent_id,
                                       handled_by=BY_AGENT, status=ACTIVE, agent_id=agent_id,
                                       agent_name=f"Agent {agent_id}", accepted_at=utcnow())
        except HandoffConflict:
            return None

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(accept, range(1, 7)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    stored = handoffs.get(handoff.id)
    assert stored.status == ACTIVE and stored.agent_id == winners[0].agent_id
    assert store.handled_by(handoff.conversation_id) == BY_AGENT
    assert [e["kind"] for e in handoffs.events(handoff.id)] == ["created", "accepted"]
    assert handoffs.active_count(stored.agent_id) == 1
    assert handoffs.open_for(handoff.conversation_id).id == handoff.id


def test_a_transition_from_the_wrong_state_changes_nothing(stores):
    store, handoffs = stores
    handoff = queued(store, handoffs)
    with pytest.raises(HandoffConflict):
        handoffs.transition(handoff.id, expect=(ACTIVE,), kind="closed", status="closed")
    with pytest.raises(HandoffConflict):
        handoffs.transition(handoff.id, expect=(QUEUED,), kind="x", expect_agent=7, status="closed")
    assert handoffs.get(handoff.id).status == QUEUED
    assert [e["kind"] for e in handoffs.events(handoff.id)] == ["created"]


def test_turns_meta_and_handle_time_persist(stores):
    store, handoffs = stores
    conversation = store.create_conversation("web")
    message = store.add_inbound(conversation, "where is my order A1042").message
    handoffs.save_turn(message.id, conversation, score=0.2, signals=["waiting"], level="calm", repeats=False)
    handoffs.save_turn(message.id, conversation, intent="order_status", confidence=0.93,
                       entities=[{"entity": "order_id", "value": "A1042", "confidence": 0.99}], bot_events=["fallback"])
    [turn] = handoffs.turns(conversation)
    assert (turn.score, turn.signals, turn.intent, turn.bot_events) == (0.2, ["waiting"], "order_status", ["fallback"])
    assert turn.entities[0]["value"] == "A1042"
    handoffs.set_meta(conversation, level="annoyed")
    assert handoffs.set_meta(conversation, customer={"tier": "vip"}) == {"level": "annoyed", "customer": {"tier": "vip"}}
    assert handoffs.median_handle_s() is None
    for minutes in (2, 4, 9):
        handoff = queued(store, handoffs)
        start = utcnow()
        handoffs.transition(handoff.id, expect=(QUEUED,), kind="accepted", status=ACTIVE, agent_id=1, accepted_at=start)
        handoffs.transition(handoff.id, expect=(ACTIVE,), kind="closed", status="closed",
                            ended_at=start + timedelta(minutes=minutes), disposition="resolved")
    assert handoffs.median_handle_s() == 240.0
