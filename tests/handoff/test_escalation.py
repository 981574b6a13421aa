"""Escalation: scoring turns, opening a handoff (queued or offline), the customer's choice, the tone."""
from __future__ import annotations

import pytest

from bot.conversations.store import OutboundDraft
from bot.handoff import texts
from bot.handoff.escalation import HUMAN
from bot.handoff.store import CALLBACK, CANCELLED, OFFLINE, QUEUED

pytestmark = pytest.mark.anyio

ANGRY_FOR_A_PERSON = "This is ridiculous!!! I've asked three times, let me talk to a human NOW"


def customer_says(units, conversation, text, **payload):
    return units.store.add_inbound(conversation, text, payload=payload or None).message


async def bot_answers(units, inbound, intent="order_status", entities=(), slots=None):
    """What the router does when the bot answered: store the reply, then let the escalation read the tracker."""
    units.rasa.trackers[inbound.conversation_id] = {
        "slots": slots or {}, "latest_message": {"intent": {"name": intent, "confidence": 0.93},
                                                 "entities": list(entities)}}
    units.store.add_outbound(inbound.conversation_id, [OutboundDraft(text="Let me check.", payload={})],
                             reply_to=inbound.id, inbound_status="answered")
    return await units.escalation.after_bot_turn(inbound)


async def escalate(units, conversation, text):
    inbound = customer_says(units, conversation, text)
    decision = await units.escalation.assess(inbound)
    assert decision.escalate
    await units.escalation.read_unanswered(inbound)
    return await units.escalation.escalate(conversation, [r.to_dict() for r in decision.reasons],
                                           frustration=decision.score, level=decision.level)


async def test_an_angry_request_for_a_person_queues_the_conversation_with_its_reasons(units):
    console = units.online("alex")
    conversation = units.store.create_conversation("web")
    first = customer_says(units, conversation, "where is my order A1042")
    calm = await units.escalation.assess(first)
    assert not calm.escalate and calm.level == "calm"
    assert await bot_answers(units, first, entities=[{"entity": "order_id", "value": "A1042",
                                                      "confidence_entity": 0.99}]) == "order_status"

    [queued] = await escalate(units, conversation, ANGRY_FOR_A_PERSON)

    assert queued.payload["event"] == "queued" and queued.payload["queue"]["position"] == 1
    assert "won't have to repeat yourself" in queued.text
    handoff = units.handoffs.open_for(conversation)
    assert handoff.status == QUEUED and handoff.skill == "general" and handoff.frustration > 0.5
    assert "asked_for_person" in [r["name"] for r in handoff.reasons]
    assert queued.payload["handoff_id"] == handoff.id
    assert units.store.handled_by(conversation) == "queue"
    turns = units.handoffs.turns(conversation)
    assert [t.intent for t in turns] == ["order_status", "request_human"]  # the escalating one read by NLU alone
    assert turns[0].entities == [{"entity": "order_id", "value": "A1042", "confidence": 0.99}]
    assert [name for name, _ in units.rasa.calls] == ["tracker", "parse"]  # the bot never got the message
    view = await units.queue.queue_view(units.agent("alex"))
    assert [h["id"] for h in view["queued"]] == [handoff.id]
    assert console.frames == []  # the router tells the queue once the reply is stored (notify_queue)


async def test_a_plain_answer_is_not_scored_and_a_call_back_request_does_not_escalate(units):
    conversation = units.store.create_conversation("web")
    no = await units.escalation.assess(customer_says(units, conversation, "No"))
    assert (no.score, no.escalate) == (0.0, False)
    button = await units.escalation.assess(customer_says(units, conversation, "Talk to a person!!!",
                                                         button_payload="/request_human"))
    assert button.score == 0.0
    callback = await units.escalation.assess(customer_says(units, conversation, "Can someone call me back please?"))
    assert not callback.escalate


async def test_nobody_online_offers_a_ticket_and_the_ticket_joins_the_queue(units):
    console = units.online("sam")  # online, but technical only: cannot take a general conversation
    conversation = units.store.create_conversation("web")
    [offer] = await escalate(units, conversation, ANGRY_FOR_A_PERSON)
    assert offer.payload["event"] == "offline" and "won't have to explain it again" in offer.text
    assert [b["payload"] for b in offer.payload["buttons"]] == [texts.OPEN_TICKET, texts.CALLBACK, texts.KEEP_BOT]
    assert units.handoffs.latest_for(conversation).status == OFFLINE
    assert units.store.handled_by(conversation) == "bot"  # the bot keeps helping meanwhile

    # While the offer stands nothing new opens; asked again in so many words, the offer is repeated.
    assert await units.escalation.escalate(conversation, [{"name": "angry_message"}]) == []
    [again] = await units.escalation.escalate(conversation, [{"name": "asked_for_person"}])
    assert again.payload["event"] == "offline" and again.payload["handoff_id"] == offer.payload["handoff_id"]

    [ticket] = await units.escalation.hub_choice(conversation, texts.OPEN_TICKET)
    handoff = units.handoffs.get(offer.payload["handoff_id"])
    assert ticket.payload["event"] == "ticket" and texts.ticket_reference(handoff.id) in ticket.text
    assert (handoff.status, handoff.ticket) == (QUEUED, True)
    assert console.of_type("queue_changed")
    assert units.handoffs.meta(conversation)["policy_from"] > 0  # the policy starts afresh
    [pending] = await units.escalation.escalate(conversation, [{"name": "asked_for_person"}])
    assert pending.payload["event"] == "ticket" and "is open" in pending.text
    assert await units.queue.queue_frame(conversation) is None  # a ticket has no live place


async def test_keep_chatting_cancels_the_offer_and_a_call_back_ends_it(units):
    first, second = units.store.create_conversation("web"), units.store.create_conversation("web")
    await escalate(units, first, ANGRY_FOR_A_PERSON)
    await escalate(units, second, ANGRY_FOR_A_PERSON)

    [kept] = await units.escalation.hub_choice(first, texts.KEEP_BOT)
    assert kept.payload["event"] == "cancelled" and units.handoffs.latest_for(first).status == CANCELLED
    await units.escalation.callback_chosen(second)
    assert units.handoffs.latest_for(second).status == CALLBACK
    assert units.handoffs.meta(second)["level"] is None  # the next message sets the tone again
    await units.escalation.callback_chosen(second)  # nothing offered any more: nothing happens
    assert units.handoffs.latest_for(second).status == CALLBACK


async def test_the_tone_is_set_in_rasa_only_when_it_changes(units):
    conversation = units.store.create_conversation("web")
    await units.escalation.set_tone(conversation, "calm")
    assert units.rasa.calls == []
    await units.escalation.set_tone(conversation, "annoyed")
    # the first change starts Rasa's session with a no-op first (else Rasa drops the event from it)
    assert units.rasa.events[conversation] == [{"event": "slot", "name": "frustration_level", "value": "calm"},
                                               {"event": "slot", "name": "frustration_level", "value": "annoyed"}]
    await units.escalation.set_tone(conversation, "calm")
    assert units.rasa.events[conversation][-1] == {"event": "slot", "name": "frustration_level", "value": "calm"}
    assert len(units.rasa.events[conversation]) == 3  # no second no-op
    units.rasa.down = True
    await units.escalation.set_tone(conversation, "angry")  # Rasa is down: tried again next time
    assert units.handoffs.meta(conversation)["level"] == "calm"


async def test_after_a_bot_turn_fallbacks_are_recorded_and_a_verified_customer_is_remembered(make_units, crm):
    units = make_units(crm=crm)
    conversation = units.store.create_conversation("web")
    inbound = customer_says(units, conversation, "blorp the frobnicator")
    await units.escalation.assess(inbound)
    assert await bot_answers(units, inbound, intent="nlu_fallback", slots={"verified_customer_id": "C1003"}) \
        == "nlu_fallback"
    [turn] = units.handoffs.turns(conversation)
    assert turn.bot_events == ["fallback"]
    customer = units.handoffs.meta(conversation)["customer"]
    assert (customer["customer_id"], customer["name"], customer["tier"]) == ("C1003", "Aisha Khan", "vip")
    assert units.linked == [(conversation, "C1003")]  # the channels can continue this conversation elsewhere
    units.escalation.remember_customer(conversation, "C1003")  # known already: no second look-up, no second link
    assert units.linked == [(conversation, "C1003")]
    units.rasa.down = True
    assert await units.escalation.after_bot_turn(inbound) is None


async def test_while_a_person_has_the_conversation_messages_go_to_the_agents_who_may_see_it(units):
    alex, sam = units.online("alex"), units.online("sam")
    conversation = units.store.create_conversation("web")
    await escalate(units, conversation, ANGRY_FOR_A_PERSON)
    inbound = customer_says(units, conversation, "hello? anyone there?")
    await units.escalation.to_human(inbound)
    assert units.store.get_message(inbound.id).status == HUMAN
    [frame] = alex.of_type("message")
    assert frame["message"]["text"] == "hello? anyone there?" and frame["conversation_id"] == conversation
    assert sam.of_type("message") == []
