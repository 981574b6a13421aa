"""What agents do: accept, send, transfer, hand back, close; and what they may not (HandoffError codes)."""
from __future__ import annotations

import pytest

from bot.handoff.common import HandoffError
from bot.handoff.store import ACTIVE, CLOSED, QUEUED, RETURNED

pytestmark = pytest.mark.anyio


def queued(units, skill="general", text="I want a person", tier=None):
    conversation = units.store.create_conversation("web")
    units.store.add_inbound(conversation, text)
    return units.handoffs.create(conversation, status=QUEUED, skill=skill, reasons=[{"name": "asked_for_person"}],
                                 frustration=0.8, level="angry", customer={"name": "Maria Lopez", "tier": tier})


async def error_of(coro) -> tuple[int, str]:
    with pytest.raises(HandoffError) as caught:
        await coro
    return caught.value.status, caught.value.code


async def test_accepting_takes_the_conversation_once_and_tells_the_customer_and_the_queue(units):
    handoff = queued(units)
    tab, alex_console = units.tab(handoff.conversation_id), units.online("alex")
    alex, sam, morgan = units.agent("alex"), units.agent("sam"), units.agent("morgan")

    assert await error_of(units.actions.get_for(alex, 999)) == (404, "unknown_handoff")
    assert await error_of(units.actions.accept(sam, handoff.id)) == (403, "forbidden")  # not Sam's skill

    accepted = await units.actions.accept(alex, handoff.id)
    assert (accepted.status, accepted.agent_id, accepted.agent_name) == (ACTIVE, alex.id, "Alex Kim")
    assert units.store.handled_by(handoff.conversation_id) == "agent"
    [joined] = tab.of_type("system")
    assert joined["event"] == "agent_joined" and joined["agent"] == {"name": "Alex Kim", "initials": "AK"}
    assert tab.of_type("receipt")[0]["by"] == "agent"  # taking the conversation means reading it
    assert alex_console.of_type("queue_changed")
    assert [e["kind"] for e in units.handoffs.events(handoff.id)] == ["created", "accepted"]
    assert await error_of(units.actions.accept(morgan, handoff.id)) == (409, "already_taken")


async def test_an_agent_at_capacity_cannot_accept_more(units):
    sam = units.agent("sam")  # capacity 1
    first, second = queued(units, "technical"), queued(units, "technical")
    await units.actions.accept(sam, first.id)
    assert await error_of(units.actions.accept(sam, second.id)) == (409, "at_capacity")


async def test_sending_checks_ownership_and_text_and_a_retried_send_is_not_doubled(units):
    handoff = queued(units)
    alex, morgan = units.agent("alex"), units.agent("morgan")
    tab, console = units.tab(handoff.conversation_id), units.online("morgan")
    assert await error_of(units.actions.send(alex, handoff.id, "hi")) == (409, "not_active")
    await units.actions.accept(alex, handoff.id)
    assert await error_of(units.actions.send(morgan, handoff.id, "hi")) == (403, "forbidden")  # a supervisor only watches
    assert await error_of(units.actions.send(alex, handoff.id, "  ")) == (422, "invalid_text")
    assert await error_of(units.actions.send(alex, handoff.id, "x" * 4001)) == (422, "text_too_long")
    assert await error_of(units.actions.send(alex, handoff.id, "hi", 42)) == (422, "invalid_client_message_id")

    sent = await units.actions.send(alex, handoff.id, "Hi, I'm Alex.\x00", "a1")
    again = await units.actions.send(alex, handoff.id, "Hi, I'm Alex.", "a1")
    assert again.id == sent.id and sent.text == "Hi, I'm Alex." and sent.sender == "agent"
    assert [f["text"] for f in tab.of_type("agent")] == ["Hi, I'm Alex."]
    assert [f["message"]["text"] for f in console.of_type("message") if f["message"]["type"] == "agent"] == \
        ["Hi, I'm Alex."]  # the supervisor sees the conversation live


async def test_handing_back_gives_rasa_the_human_part_and_the_bot_speaks_again(units):
    handoff = queued(units)
    alex = units.agent("alex")
    await units.actions.accept(alex, handoff.id)
    sent = await units.actions.send(alex, handoff.id, "I've refunded order A1042.")

    returned, said = await units.actions.hand_back(alex, handoff.id, "  refund issued  ")

    assert (returned.status, returned.note) == (RETURNED, "refund issued")
    assert [(m.sender, m.payload.get("event")) for m in said] == [("system", "handed_back"), ("bot", None)]
    assert said[1].text == "Welcome back (handoff_returned)."
    events = units.rasa.events[handoff.conversation_id]
    assert {"event": "bot", "text": "I've refunded order A1042.", "metadata": {"agent": "Alex Kim"}} in events
    assert {"event": "slot", "name": "agent_name", "value": "Alex"} in events
    assert {"event": "slot", "name": "handoff_note", "value": "refund issued"} in events
    assert units.store.handled_by(handoff.conversation_id) == "bot"
    meta = units.handoffs.meta(handoff.conversation_id)
    assert (meta["policy_from"], meta["level"]) == (sent.id, None)  # the policy starts afresh after the handoff
    assert await error_of(units.actions.hand_back(alex, handoff.id)) == (409, "not_active")


async def test_when_rasa_is_down_the_hand_back_still_says_the_bot_is_back(units):
    handoff = queued(units)
    alex = units.agent("alex")
    await units.actions.accept(alex, handoff.id)
    units.rasa.down = True
    _, said = await units.actions.hand_back(alex, handoff.id)
    assert said[-1].payload.get("origin") == "hub" and said[-1].text.startswith("I'm back")


async def test_closing_needs_a_disposition_and_closes_the_episode(units):
    handoff = queued(units)
    alex = units.agent("alex")
    tab = units.tab(handoff.conversation_id)
    await units.actions.accept(alex, handoff.id)
    assert await error_of(units.actions.close(alex, handoff.id, "maybe")) == (422, "invalid_disposition")

    closed = await units.actions.close(alex, handoff.id, "resolved", "all good")

    assert (closed.status, closed.disposition, closed.note) == (CLOSED, "resolved", "all good")
    assert tab.of_type("system")[-1]["event"] == "closed"
    [episode] = units.closures.for_conversation(handoff.conversation_id)
    assert (episode.trigger, episode.resolved, episode.handoff_id) == ("agent_closed", True, handoff.id)
    assert await error_of(units.actions.close(alex, handoff.id, "resolved")) == (409, "not_active")


async def test_transfers_go_to_a_skill_or_to_an_online_agent_with_room(units):
    handoff = queued(units)
    alex, sam, morgan = units.agent("alex"), units.agent("sam"), units.agent("morgan")
    tab = units.tab(handoff.conversation_id)
    assert await error_of(units.actions.transfer(alex, handoff.id, skill="technical")) == (409, "not_active")
    await units.actions.accept(alex, handoff.id)
    assert await error_of(units.actions.transfer(alex, handoff.id)) == (422, "invalid_transfer")
    assert await error_of(units.actions.transfer(alex, handoff.id, skill="sales")) == (422, "invalid_skill")
    assert await error_of(units.actions.transfer(alex, handoff.id, agent_id=999)) == (422, "unknown_agent")
    assert await error_of(units.actions.transfer(alex, handoff.id, agent_id=sam.id)) == (409, "agent_offline")

    moved = await units.actions.transfer(alex, handoff.id, skill="technical", note="kettle")
    assert (moved.status, moved.skill, moved.agent_id) == (QUEUED, "technical", None)
    assert tab.of_type("system")[-1]["event"] == "agent_left"
    units.online("sam")
    named = await units.actions.transfer(morgan, handoff.id, agent_id=sam.id)  # a supervisor moves a queued one
    assert (named.status, named.agent_id) == (ACTIVE, sam.id)
    assert [f["event"] for f in tab.of_type("system")][-2:] == ["agent_left", "agent_joined"]


async def test_typing_and_reading_count_only_for_the_agent_who_has_the_conversation(units):
    handoff = queued(units)
    alex, morgan = units.agent("alex"), units.agent("morgan")
    tab = units.tab(handoff.conversation_id)
    await units.actions.agent_typing(alex, handoff.id, True)  # not accepted yet: nothing
    await units.actions.agent_typing(alex, "nope", True)
    assert tab.of_type("typing") == []
    await units.actions.accept(alex, handoff.id)
    await units.actions.agent_typing(morgan, handoff.id, True)
    await units.actions.agent_typing(alex, handoff.id, True)
    assert tab.of_type("typing") == [{"type": "typing", "on": True, "who": "agent",
                                      "agent": {"id": alex.id, "name": "Alex Kim", "initials": "AK"}}]
    receipts = len(tab.of_type("receipt"))
    await units.actions.agent_read(alex, handoff.id, True)  # not a message id: ignored
    await units.actions.agent_read(morgan, handoff.id)
    assert len(tab.of_type("receipt")) == receipts
