"""Queue order, positions and wait estimates (pure functions)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.handoff.config import HandoffConfig
from bot.handoff.queue import AgentLoad, expected_wait_s, ordered, position, priority
from bot.handoff.store import QUEUED, Handoff

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc)
CONFIG = HandoffConfig(frustration_weight=50, priority_customer_weight=30, per_minute_weight=2)


def handoff(id_: int, *, frustration=0.0, waited_min=0.0, tier=None, at_risk=False, skill="general") -> Handoff:
    queued = NOW - timedelta(minutes=waited_min)
    return Handoff(id=id_, conversation_id=f"c{id_}", status=QUEUED, skill=skill, reasons=[], frustration=frustration,
                   level="calm", customer={"tier": tier, "at_risk": at_risk} if tier or at_risk else None, ticket=False,
                   agent_id=None, agent_name=None, created_at=queued, queued_at=queued, accepted_at=None,
                   ended_at=None, disposition=None, note=None)


def test_priority_adds_frustration_priority_customers_and_minutes_waited():
    assert priority(handoff(1, frustration=0.5), NOW, CONFIG) == 25.0
    assert priority(handoff(2, tier="vip"), NOW, CONFIG) == 30.0
    assert priority(handoff(3, at_risk=True, waited_min=5), NOW, CONFIG) == 40.0
    assert priority(handoff(4, tier="standard", waited_min=1.5), NOW, CONFIG) == 3.0


def test_order_is_by_priority_then_by_who_came_first():
    calm_early = handoff(1, waited_min=10)  # 20 points
    angry = handoff(2, frustration=0.9, waited_min=1)  # 47
    vip = handoff(3, tier="vip", waited_min=2)  # 34
    calm_late = handoff(4, waited_min=10)  # 20, same as calm_early but id later
    assert [h.id for h in ordered([calm_early, angry, vip, calm_late], NOW, CONFIG)] == [2, 3, 1, 4]


def test_a_long_wait_eventually_beats_frustration():
    patient = handoff(1, waited_min=30)  # 60 points
    angry_newcomer = handoff(2, frustration=1.0)  # 50
    assert [h.id for h in ordered([angry_newcomer, patient], NOW, CONFIG)] == [1, 2]


def test_position_counts_only_the_same_skill():
    queue = [handoff(1, frustration=0.9), handoff(2, skill="billing", frustration=1.0), handoff(3, frustration=0.1)]
    assert position(queue[2], queue, NOW, CONFIG) == 2
    assert position(queue[1], queue, NOW, CONFIG) == 1


def test_expected_wait_uses_free_capacity_then_rounds_of_handle_time():
    alex = AgentLoad(id=1, skills=("general",), capacity=2, active=1, online=True)
    sam = AgentLoad(id=2, skills=("general",), capacity=1, active=1, online=True)
    away = AgentLoad(id=3, skills=("general",), capacity=5, active=0, online=False)
    boss = AgentLoad(id=4, skills=(), capacity=1, active=1, online=True, supervisor=True)
    assert expected_wait_s(1, [alex, sam, away], "general", 300) == 30.0  # Alex has a free slot
    assert expected_wait_s(2, [alex, sam, away], "general", 300) == 300  # one round of two agents
    assert expected_wait_s(4, [alex, sam, away], "general", 300) == 600
    assert expected_wait_s(1, [away], "general", 300) is None  # nobody online
    assert expected_wait_s(1, [alex], "billing", 300) is None  # nobody with the skill
    assert expected_wait_s(2, [boss], "billing", 300) == 600  # supervisors take any skill
