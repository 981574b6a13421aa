"""Closed episodes: what opens one, what resolves it, what the sweeper leaves alone (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.handoff.store import HandoffRow
from bot.conversations.store import Conversation
from tests.kpis.seed import D1, Seeder, at


@pytest.fixture
def s(hub_db_url):
    seeder = Seeder(hub_db_url)
    yield seeder
    seeder.store.close()


def test_survey_answers_and_comments_do_not_open_an_episode(s):
    s.conversation("A")
    s.customer("A", "bye", at(D1, 9, 0), intent="goodbye", score=0.0)
    first = s.closures.close("A", "goodbye", now=at(D1, 9, 1))
    assert first is not None and s.closures.close("A", "goodbye", now=at(D1, 9, 2)) is None  # closed once
    with s.session.begin() as session:
        from bot.conversations.store import Message

        session.add(Message(conversation_id="A", direction="in", sender="customer", text="5", status="answered",
                            payload={"button_payload": '/survey_answer{"survey":1,"score":5}'}, created_at=at(D1, 9, 3)))
        session.add(Message(conversation_id="A", direction="in", sender="customer", text="great", status="answered",
                            payload={"survey_comment": 2}, created_at=at(D1, 9, 4)))
        session.execute(update(Conversation).where(Conversation.id == "A").values(updated_at=at(D1, 9, 4)))
    assert s.closures.close("A", "idle", now=at(D1, 12, 0)) is None
    assert s.closures.sweep(at(D1, 12, 0)) == [] and s.closures.sweep(at(D1, 13, 0)) == []
    s.customer("A", "one more thing", at(D1, 14, 0), intent="order_status", score=0.1)
    [second] = s.closures.sweep(at(D1, 15, 0))
    assert (second.trigger, second.intent, second.started_at) == ("idle", "order_status", at(D1, 14, 0))


def test_resolution_rules(s):
    # goodbye after the customer left a ticket (nobody was online): not resolved.
    s.conversation("T")
    s.customer("T", "I need a person", at(D1, 9, 0), intent="human", score=0.3)
    with s.session.begin() as session:
        session.add(HandoffRow(conversation_id="T", status="queued", ticket=True, skill="general", reasons=[],
                               created_at=at(D1, 9, 0, 5), queued_at=at(D1, 9, 0, 5)))
    s.customer("T", "bye", at(D1, 9, 2), intent="goodbye", score=0.0)
    ticket = s.closures.close("T", "goodbye", now=at(D1, 9, 3))
    assert (ticket.resolved, ticket.contained, ticket.escalated) == (False, True, True)
    # idle after the bot failed the last message: not resolved; after a good answer: resolved.
    s.conversation("F")
    s.customer("F", "blorp", at(D1, 10, 0), intent="nlu_fallback", score=0.0, bot_events=["fallback"])
    assert s.closures.close("F", "idle", now=at(D1, 11, 0)).resolved is False
    s.conversation("G")
    s.customer("G", "opening hours?", at(D1, 10, 0), intent="faq", score=0.0)
    closed = s.closures.close("G", "idle", now=at(D1, 11, 0))
    assert closed.resolved is True and closed.closed_at == at(D1, 10, 0)  # idle: the time of the last message
    with pytest.raises(ValueError):
        s.closures.close("G", "vanished")


def test_the_sweeper_leaves_people_and_old_conversations_alone(s):
    s.conversation("Q")
    s.customer("Q", "a person please", at(D1, 9, 0), intent="human", score=0.2)
    with s.session.begin() as session:
        session.execute(update(Conversation).where(Conversation.id == "Q").values(handled_by="queue"))
    s.conversation("B")
    s.reply("B", "Your order shipped!", at(D1, 9, 0))  # a proactive message nobody answered
    s.conversation("OLD")
    s.customer("OLD", "hello", at(D1, 9, 0), intent="greet", score=0.0)
    assert s.closures.sweep(at(D1, 9, 0) + timedelta(days=8)) == []  # older than the look-back
    assert s.closures.sweep(at(D1, 12, 0)) == [s.closures.for_conversation("OLD")[0]]  # Q queued, B bot-only


def test_a_ticket_closed_by_an_agent_after_the_idle_close_amends_that_episode(s):
    scored = []
    s.closures.listeners.append(scored.append)
    s.conversation("T")
    s.customer("T", "I need a person", at(D1, 22, 0), intent="human", score=0.3)
    with s.session.begin() as session:
        row = HandoffRow(conversation_id="T", status="queued", ticket=True, skill="general", reasons=[],
                         created_at=at(D1, 22, 0, 5), queued_at=at(D1, 22, 0, 5))
        session.add(row)
        session.flush()
        handoff_id = row.id
    s.reply("T", "Done: ticket H-1", at(D1, 22, 0, 6), sender="system")
    [idle] = s.closures.sweep(at(D1, 23, 0))
    assert (idle.resolved, idle.contained) == (False, True)
    with s.session.begin() as session:  # the next morning Alex takes the ticket and solves it by e-mail
        session.execute(update(HandoffRow).where(HandoffRow.id == handoff_id).values(
            status="closed", agent_id=1, agent_name="Alex Kim", accepted_at=at(D1, 23, 30),
            ended_at=at(D1, 23, 40), disposition="resolved"))
    s.reply("T", "Alex Kim closed the chat.", at(D1, 23, 40), sender="system")
    amended = s.closures.close("T", "agent_closed", now=at(D1, 23, 40), resolved=True, handoff_id=handoff_id)
    assert (amended.id, amended.resolved, amended.contained, amended.agent_name) == (idle.id, True, False, "Alex Kim")
    assert [c.id for c in scored] == [idle.id, idle.id] and len(s.closures.for_conversation("T")) == 1
