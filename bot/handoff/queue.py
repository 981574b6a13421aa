"""Queue order, positions and expected waits: pure functions over handoffs and the agents online.

    priority = frustration_weight * frustration + priority_customer_weight * (VIP or at risk)
               + per_minute_weight * minutes waited

A customer's position counts the queued handoffs of the same skill ahead of them. The expected
wait assumes the agents who can take the skill work through the queue in parallel, each
conversation taking the median handle time measured so far.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from bot.handoff.config import HandoffConfig
from bot.handoff.store import Handoff


@dataclass(frozen=True)
class AgentLoad:
    """An agent as routing sees them."""

    id: int
    skills: tuple[str, ...]
    capacity: int
    active: int  # conversations they have now
    online: bool
    supervisor: bool = False

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.active) if self.online else 0

    def can_take(self, skill: str) -> bool:
        return self.supervisor or skill in self.skills


def is_priority_customer(handoff: Handoff) -> bool:
    customer = handoff.customer or {}
    return bool(customer.get("at_risk")) or str(customer.get("tier") or "").lower() == "vip"


def waited_s(handoff: Handoff, now: datetime) -> float:
    return max(0.0, (now - handoff.queued_at).total_seconds())


def priority(handoff: Handoff, now: datetime, config: HandoffConfig) -> float:
    return round(config.frustration_weight * handoff.frustration
                 + config.priority_customer_weight * is_priority_customer(handoff)
                 + config.per_minute_weight * waited_s(handoff, now) / 60.0, 2)


def ordered(queued: Iterable[Handoff], now: datetime, config: HandoffConfig) -> list[Handoff]:
    """Highest priority first; equal priorities by who queued first."""
    return sorted(queued, key=lambda h: (-priority(h, now, config), h.queued_at, h.id))


def position(handoff: Handoff, queued: Sequence[Handoff], now: datetime, config: HandoffConfig) -> int:
    """1-based place among the queued handoffs of the same skill."""
    same_skill = [h for h in ordered(queued, now, config) if h.skill == handoff.skill]
    for index, other in enumerate(same_skill, start=1):
        if other.id == handoff.id:
            return index
    return len(same_skill) + 1


def available(agents: Iterable[AgentLoad], skill: str) -> list[AgentLoad]:
    """Online agents who can take ``skill`` (supervisors can take anything)."""
    return [agent for agent in agents if agent.online and agent.can_take(skill)]


def expected_wait_s(place: int, agents: Iterable[AgentLoad], skill: str, handle_s: float) -> float | None:
    """Seconds until an agent should pick up the customer at ``place``; None when nobody can."""
    able = available(agents, skill)
    if not able:
        return None
    free = sum(agent.free for agent in able)
    if place <= free:
        return 30.0  # someone is free: the time it takes them to read the context and accept
    rounds = math.ceil((place - free) / len(able))
    return rounds * handle_s
