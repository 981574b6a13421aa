"""A known set of closed episodes written straight into a fresh hub database (the KPI tests' data).

Days: D0 = 2026-03-01 (outside the tested range), D1 = 2026-03-02, D2 = 2026-03-03 (UTC).

| ep | conv | channel  | day | intents (frustration)                       | handoff (agent, wait, handle, reasons)        | close          | resolved | contained | surveys (CSAT, NPS, CES) | KB verdicts |
| E0 | F    | web      | D0  | order_status (0.5)                          | -                                             | goodbye        | yes      | yes       | 1, -, -                  | -           |
| E1 | A    | web      | D1  | order_status (0.1), goodbye (0.0)           | -                                             | goodbye        | yes      | yes       | 5, 10, 2                 | helpful     |
| E2 | B    | telegram | D1  | refund (0.6), refund (0.9)                  | Alex, 120 s, 600 s, angry + asked_for_person  | agent resolved | yes      | no        | 4, 9, 3 + a comment      | not helpful |
| E3 | C    | web      | D1  | order_status (0.2), bot fallback            | -                                             | idle           | no       | yes       | -                        | -           |
| E4 | D    | whatsapp | D2  | cancel_subscription (0.5)                   | Sam, 60 s, 300 s, bot_failures                | agent unresol. | no       | no        | 2, 3, skipped            | helpful     |
| E5 | A    | web      | D2  | order_status (0.3), goodbye (0.0)           | -                                             | goodbye        | yes      | yes       | 3, 7, -                  | helpful     |
| E6 | E    | web      | D2  | greet (0.0)                                 | -                                             | idle           | yes      | yes       | -                        | -           |

E1 and E5 are the same conversation with the same first intent a day apart: E1 is not a
first-contact resolution.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.conversations.closure import Closures
from bot.handoff.store import HandoffRow, HandoffStore, TurnRow
from bot.conversations.store import Conversation, Message, Store
from bot.kb.answers import KbAnswer
from bot.surveys.store import SurveyResponse

D0, D1, D2 = (datetime(2026, 3, day, tzinfo=timezone.utc) for day in (1, 2, 3))


def at(day: datetime, hh: int, mm: int, ss: int = 0) -> datetime:
    return day + timedelta(hours=hh, minutes=mm, seconds=ss)


class Seeder:
    def __init__(self, url: str) -> None:
        self.store = Store(url)
        self.store.create_schema()  # every table of the hub database, kb_answers too
        self.closures = Closures(self.store, client="larkspur", idle_minutes=30, handoffs=HandoffStore(self.store))
        self.session = self.store._session  # noqa: SLF001

    def conversation(self, name: str, channel: str = "web") -> str:
        with self.session.begin() as session:
            session.add(Conversation(id=name, channel=channel, meta={}, created_at=D0, updated_at=D0))
        return name

    def customer(self, conversation: str, text: str, when: datetime, *, intent: str | None, score: float,
                 channel: str | None = None, bot_events: list[str] | None = None, repeats: bool = False,
                 level: str = "calm") -> int:
        payload = {"channel": channel} if channel else None
        with self.session.begin() as session:
            row = Message(conversation_id=conversation, direction="in", sender="customer", text=text, payload=payload,
                          status="answered", created_at=when)
            session.add(row)
            session.get(Conversation, conversation).updated_at = when  # as Store.add_inbound does
            session.flush()
            session.add(TurnRow(message_id=row.id, conversation_id=conversation, score=score, signals=[], level=level,
                                repeats=repeats, intent=intent, entities=[], bot_events=bot_events or []))
            return row.id

    def reply(self, conversation: str, text: str, when: datetime, sender: str = "bot",
              payload: dict[str, Any] | None = None) -> int:
        with self.session.begin() as session:
            row = Message(conversation_id=conversation, direction="out", sender=sender, text=text, payload=payload,
                          status="sent", created_at=when)
            session.add(row)
            session.get(Conversation, conversation).updated_at = when  # as Store.add_outbound does
            session.flush()
            return row.id

    def handoff(self, conversation: str, *, created: datetime, accepted: datetime, ended: datetime, agent_id: int,
                agent: str, disposition: str, reasons: list[str]) -> int:
        with self.session.begin() as session:
            row = HandoffRow(conversation_id=conversation, status="closed", skill="general",
                             reasons=[{"name": r, "detail": ""} for r in reasons], frustration=0.9, level="angry",
                             agent_id=agent_id, agent_name=agent, created_at=created, queued_at=created,
                             accepted_at=accepted, ended_at=ended, disposition=disposition)
            session.add(row)
            session.flush()
            return row.id

    def survey(self, conversation: str, kind: str, score: int | None, asked: datetime, trigger: str = "goodbye",
               comment: str | None = None) -> None:
        with self.session.begin() as session:
            answered = score is not None or comment is not None
            session.add(SurveyResponse(conversation_id=conversation, kind=kind, trigger=trigger, asked_at=asked,
                                       status="answered" if answered else "skipped", score=score, comment=comment,
                                       answered_at=asked + timedelta(seconds=20)))

    def kb(self, conversation: str, when: datetime, helpful: bool | None) -> None:
        with self.session.begin() as session:
            session.add(KbAnswer(conversation_id=conversation, created_at=when, query="q", outcome="answered",
                                 results=[], helpful=helpful, feedback_at=when if helpful is not None else None))


def seed(url: str) -> Seeder:
    s = Seeder(url)
    for name, channel in (("A", "web"), ("B", "telegram"), ("C", "web"), ("D", "whatsapp"), ("E", "web"),
                          ("F", "web")):
        s.conversation(name, channel)

    # E0 (outside the range): conversation F, D0.
    s.customer("F", "where is my order", at(D0, 9, 0), intent="order_status", score=0.5)
    s.reply("F", "It shipped.", at(D0, 9, 0, 2))
    s.closures.close("F", "goodbye", now=at(D0, 9, 1))
    s.survey("F", "csat", 1, at(D0, 9, 1, 1))

    # E1: conversation A, web, D1 10:00-10:05, goodbye.
    s.customer("A", "where is my order", at(D1, 10, 0), intent="order_status", score=0.1)
    s.kb("A", at(D1, 10, 1), True)
    s.reply("A", "It is on its way.", at(D1, 10, 1))
    s.customer("A", "thanks bye", at(D1, 10, 4), intent="goodbye", score=0.0)
    s.reply("A", "Bye!", at(D1, 10, 4, 2))
    s.closures.close("A", "goodbye", now=at(D1, 10, 5))
    for kind, score in (("csat", 5), ("nps", 10), ("ces", 2)):
        s.survey("A", kind, score, at(D1, 10, 5, 1))

    # E2: conversation B, Telegram, D1 11:00-11:14, handed to Alex, closed resolved.
    s.customer("B", "I want a refund", at(D1, 11, 0), intent="refund", score=0.6, channel="telegram", level="annoyed")
    s.kb("B", at(D1, 11, 1), False)
    s.reply("B", "Here is our refund policy.", at(D1, 11, 1))
    s.customer("B", "this is ridiculous, a person NOW", at(D1, 11, 2), intent="refund", score=0.9, channel="telegram",
               level="angry")
    handoff = s.handoff("B", created=at(D1, 11, 2), accepted=at(D1, 11, 4), ended=at(D1, 11, 14), agent_id=1,
                        agent="Alex Kim", disposition="resolved", reasons=["angry", "asked_for_person"])
    s.reply("B", "I'm really sorry about this, I'll sort it out.", at(D1, 11, 5), sender="agent",
            payload={"handoff_id": handoff})
    s.closures.close("B", "agent_closed", now=at(D1, 11, 14), resolved=True, handoff_id=handoff)
    for kind, score in (("csat", 4), ("nps", 9), ("ces", 3)):
        s.survey("B", kind, score, at(D1, 11, 14, 1), trigger="agent_closed")
    s.survey("B", "comment", None, at(D1, 11, 15), trigger="agent_closed", comment="Alex was great")

    # E3: conversation C, web, D1 12:00, the bot failed, the customer left (idle).
    s.customer("C", "where is my order", at(D1, 12, 0), intent="order_status", score=0.2, bot_events=["fallback"])
    s.reply("C", "Sorry, I didn't get that.", at(D1, 12, 1))

    # E4: conversation D, WhatsApp, D2 14:00-14:07, handed to Sam, closed unresolved.
    s.customer("D", "cancel my subscription", at(D2, 14, 0), intent="cancel_subscription", score=0.5,
               channel="whatsapp", level="annoyed")
    s.kb("D", at(D2, 14, 0, 30), True)
    handoff = s.handoff("D", created=at(D2, 14, 1), accepted=at(D2, 14, 2), ended=at(D2, 14, 7), agent_id=2,
                        agent="Sam Patel", disposition="unresolved", reasons=["bot_failures"])
    s.reply("D", "Let me look.", at(D2, 14, 3), sender="agent", payload={"handoff_id": handoff})
    s.closures.close("D", "agent_closed", now=at(D2, 14, 7), resolved=False, handoff_id=handoff)
    for kind, score in (("csat", 2), ("nps", 3), ("ces", None)):
        s.survey("D", kind, score, at(D2, 14, 7, 1), trigger="agent_closed")

    # E5: conversation A again, web, D2 09:00-09:03: the same intent as E1 a day later.
    s.customer("A", "where is my order now", at(D2, 9, 0), intent="order_status", score=0.3)
    s.kb("A", at(D2, 9, 1), True)
    s.reply("A", "Out for delivery.", at(D2, 9, 1))
    s.customer("A", "bye", at(D2, 9, 2), intent="goodbye", score=0.0)
    s.reply("A", "Bye!", at(D2, 9, 2, 2))
    s.closures.close("A", "goodbye", now=at(D2, 9, 3))
    for kind, score in (("csat", 3), ("nps", 7)):
        s.survey("A", kind, score, at(D2, 9, 3, 1))

    # E6: conversation E, web, D2 16:00, a greeting, then nothing (idle).
    s.customer("E", "hello", at(D2, 16, 0), intent="greet", score=0.0)
    s.reply("E", "Hi! How can I help?", at(D2, 16, 0, 5))

    # The sweeper closes C and E (idle), and nothing else: A, B, D, F have no customer message since.
    swept = s.closures.sweep(at(D2, 23, 0))
    assert sorted(c.conversation_id for c in swept) == ["C", "E"], swept
    return s
