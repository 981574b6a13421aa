"""What agents see of the queue (order, skills, supervisors' overview) and who is told when it changes."""
from __future__ import annotations

import pytest

from bot.handoff.store import QUEUED

pytestmark = pytest.mark.anyio


def queued(units, *, skill="general", frustration=0.5, customer=None, text="I need help"):
    conversation = units.store.create_conversation("web")
    units.store.add_inbound(conversation, text)
    return units.handoffs.create(conversation, status=QUEUED, skill=skill, reasons=[{"name": "angry_message"}],
                                 frustration=frustration, level="annoyed", customer=customer)


async def test_the_queue_is_ordered_by_priority_and_each_agent_sees_their_skills(units):
    calm = queued(units, frustration=0.2)  # 10 points
    angry = queued(units, frustration=0.9)  # 45
    vip = queued(units, frustration=0.1, customer={"name": "Aisha Khan", "tier": "vip"})  # 5 + 30
    billing = queued(units, skill="billing", frustration=0.3)  # 15
    technical = queued(units, skill="technical", frustration=1.0)  # 50, not for Alex

    view = await units.queue.queue_view(units.agent("alex"))
    assert [h["id"] for h in view["queued"]] == [angry.id, vip.id, billing.id, calm.id]
    assert [h["position"] for h in view["queued"]] == [1, 2, 1, 3]  # places count the same skill only
    assert view["queued"][1]["customer"] == {"name": "Aisha Khan", "tier": "vip", "at_risk": False}
    assert view["mine"] == [] and "live" not in view and "agents" not in view
    assert [h["id"] for h in (await units.queue.queue_view(units.agent("sam")))["queued"]] == [technical.id]


async def test_a_supervisor_sees_everything_live_and_who_is_online(units):
    handoff = queued(units)
    units.online("alex")
    await units.actions.accept(units.agent("alex"), handoff.id)
    other = queued(units, skill="technical")
    view = await units.queue.queue_view(units.agent("morgan"))
    assert [h["id"] for h in view["queued"]] == [other.id]
    assert [h["id"] for h in view["live"]] == [handoff.id] and view["live"][0]["agent"]["name"] == "Alex Kim"
    assert {a["username"]: (a["online"], a["active"]) for a in view["agents"]} == \
        {"alex": (True, 1), "sam": (False, 0), "morgan": (False, 0)}
    assert [h["id"] for h in (await units.queue.queue_view(units.agent("alex")))["mine"]] == [handoff.id]


async def test_describe_has_the_summary_and_the_last_customer_message(units):
    handoff = queued(units, text="where is my order A1042??")
    described = await units.queue.describe(handoff)
    assert described["status"] == "queued" and described["position"] == 1 and described["skill"] == "general"
    assert described["last_message"]["text"] == "where is my order A1042??"
    assert "where is my order A1042" in described["summary"]["wants"]
    assert described["priority"] == 25.0 and described["ticket"] is False


async def test_waiting_customers_hear_their_new_place_when_the_queue_changes(units):
    console = units.online("alex")
    first, second = queued(units, frustration=0.9), queued(units, frustration=0.1)
    ticket = queued(units, frustration=0.5)
    units.handoffs.transition(ticket.id, expect=(QUEUED,), kind="ticket", ticket=True)
    tabs = {h.id: units.tab(h.conversation_id) for h in (first, second, ticket)}

    await units.queue.notify_queue()

    assert console.of_type("queue_changed") == [{"type": "queue_changed"}]
    assert tabs[first.id].of_type("queue") == [{"type": "queue", "position": 1, "wait_s": 30.0}]  # Alex is free
    assert tabs[second.id].of_type("queue")[0]["position"] == 2
    assert tabs[ticket.id].of_type("queue") == []  # a ticket is answered later, not queued live
    assert await units.queue.queue_frame(second.conversation_id) == tabs[second.id].of_type("queue")[0]
    assert await units.queue.queue_frame(units.store.create_conversation("web")) is None


async def test_customer_typing_and_other_frames_reach_only_the_agents_who_may_see_the_conversation(units):
    alex, sam, morgan = units.online("alex"), units.online("sam"), units.online("morgan")
    handoff = queued(units)
    await units.queue.customer_typing(handoff.conversation_id, True)
    frame = {"type": "typing", "on": True, "conversation_id": handoff.conversation_id, "handoff_id": handoff.id}
    assert alex.of_type("typing") == [frame] and morgan.of_type("typing") == [frame] and sam.of_type("typing") == []
    await units.queue.tell_agents(units.store.create_conversation("web"), {"type": "customer_read"})  # no handoff
    assert alex.of_type("customer_read") == []
