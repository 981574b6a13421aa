"""What agents see of the queue, and who is told when something changes.

`QueueViews` builds the agents' queue (`queue_view`, `describe`), computes a waiting customer's
place (`queue_place`, `queue_frame`) and pushes frames: to the agents who may see a conversation
(`push_to_agents`, `tell_agents`, `customer_typing`) and, when the queue changes, to every
agent and every waiting customer (`notify_queue`). The order itself is `bot/handoff/queue.py`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from bot.conversations.agent_connections import AgentConnections
from bot.conversations.connections import Connections
from bot.conversations.store import CUSTOMER, Store, utcnow
from bot.handoff.common import HISTORY, in_thread
from bot.handoff.config import HandoffConfig
from bot.handoff.context import quote, summarize
from bot.handoff.queue import AgentLoad, expected_wait_s, ordered, position, priority, waited_s
from bot.handoff.store import ACTIVE, QUEUED, Handoff, HandoffStore


class QueueViews:
    def __init__(self, *, store: Store, handoffs: HandoffStore, customers: Connections, agents: AgentConnections,
                 directory: Any, answers: Any, config: HandoffConfig,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store, self.handoffs, self.customers, self.agents = store, handoffs, customers, agents
        self.directory = directory  # bot.agents.directory.AgentDirectory
        self.answers = answers  # bot.kb.answers.AnswerLog; None: no knowledge-base answers in the summary
        self.config, self.clock = config, clock

    # -- places and loads (blocking: database) -------------------------------------------------------
    def agent_loads(self) -> list[AgentLoad]:
        online = self.agents.online_ids()
        loads = []
        for agent in self.directory.list():
            if not agent.active:
                continue
            loads.append(AgentLoad(id=agent.id, skills=tuple(agent.skills), capacity=agent.capacity,
                                   active=self.handoffs.active_count(agent.id), online=agent.id in online,
                                   supervisor=agent.role == "supervisor"))
        return loads

    def queue_place(self, handoff: Handoff, loads: list[AgentLoad] | None = None) -> tuple[int, float | None]:
        """(1-based place among the live queue of its skill, expected wait in seconds or None)."""
        now = self.clock()
        queued = [h for h in self.handoffs.with_status(QUEUED) if not h.ticket]
        place = position(handoff, queued, now, self.config)
        handle_s = self.handoffs.median_handle_s() or self.config.expected_handle_s
        return place, expected_wait_s(place, loads if loads is not None else self.agent_loads(), handoff.skill, handle_s)

    # -- what agents see -----------------------------------------------------------------------------
    def may_view(self, agent: Any, handoff: Handoff) -> bool:
        """Supervisors see everything; an agent sees their own conversations and the queue of their skills."""
        if agent.role == "supervisor" or handoff.agent_id == agent.id:
            return True
        return handoff.status == QUEUED and handoff.skill in agent.skills

    def _describe(self, handoff: Handoff, queued: list[Handoff]) -> dict[str, Any]:
        now = self.clock()
        history = self.store.history(handoff.conversation_id, limit=HISTORY)
        turns = self.handoffs.turns(handoff.conversation_id)
        kb = self.answers.for_conversation(handoff.conversation_id) if self.answers is not None else []
        last = next((m for m in reversed(history) if m.sender == CUSTOMER), None)
        out = {
            "id": handoff.id, "conversation_id": handoff.conversation_id, "status": handoff.status,
            "skill": handoff.skill, "priority": priority(handoff, now, self.config), "reasons": handoff.reasons,
            "created_at": handoff.created_at.isoformat(), "waiting_s": round(waited_s(handoff, now)),
            "agent": {"id": handoff.agent_id, "name": handoff.agent_name} if handoff.agent_id else None,
            "customer": ({"name": handoff.customer.get("name"), "tier": handoff.customer.get("tier"),
                          "at_risk": bool(handoff.customer.get("at_risk"))} if handoff.customer else None),
            "frustration": round(handoff.frustration, 3), "level": handoff.level, "channel": handoff.channel,
            "ticket": handoff.ticket, "summary": summarize(history, turns, kb, handoff.reasons, handoff.id),
            "last_message": {"text": quote(last.text), "at": last.created_at.isoformat()} if last else None,
            "disposition": handoff.disposition,
        }
        if handoff.status == QUEUED:
            out["position"] = position(handoff, queued, now, self.config)
        return out

    def _queue_view(self, agent: Any) -> dict[str, Any]:
        now = self.clock()
        queued = self.handoffs.with_status(QUEUED)
        active = self.handoffs.with_status(ACTIVE)
        visible = [h for h in ordered(queued, now, self.config) if self.may_view(agent, h)]
        view: dict[str, Any] = {
            "queued": [self._describe(h, queued) for h in visible],
            "mine": [self._describe(h, queued) for h in active if h.agent_id == agent.id],
        }
        if agent.role == "supervisor":
            view["live"] = [self._describe(h, queued) for h in active]
            by_id = {a.id: a for a in self.directory.list()}
            view["agents"] = [{**by_id[load.id].to_dict(), "online": load.online, "active": load.active}
                              for load in self.agent_loads() if load.id in by_id]
        return view

    async def queue_view(self, agent: Any) -> dict[str, Any]:
        """``{"queued", "mine"}`` for an agent, plus ``{"live", "agents"}`` for a supervisor (docs/handoff.md)."""
        return await in_thread(self._queue_view, agent)

    async def describe(self, handoff: Handoff) -> dict[str, Any]:
        """The API's ``Handoff`` shape."""
        def run() -> dict[str, Any]:
            return self._describe(handoff, self.handoffs.with_status(QUEUED))
        return await in_thread(run)

    # -- telling agents and customers ------------------------------------------------------------------
    async def push_to_agents(self, handoff: Handoff, frame: dict[str, Any]) -> None:
        await self.agents.push(frame, to=lambda agent: self.may_view(agent, handoff))

    async def tell_agents(self, conversation_id: str, frame: dict[str, Any]) -> None:
        """Push a frame about a conversation to the agents who may see its open handoff (if any)."""
        handoff = await in_thread(self.handoffs.open_for, conversation_id)
        if handoff is not None:
            await self.push_to_agents(handoff, {**frame, "conversation_id": conversation_id,
                                                "handoff_id": handoff.id})

    async def customer_typing(self, conversation_id: str, on: bool) -> None:
        await self.tell_agents(conversation_id, {"type": "typing", "on": bool(on)})

    async def notify_queue(self) -> None:
        """Tell agents the queue changed and every waiting customer their new place."""
        await self.agents.push({"type": "queue_changed"})
        queued = await in_thread(self.handoffs.with_status, QUEUED)
        if not queued:
            return
        loads = await in_thread(self.agent_loads)
        for handoff in queued:
            if handoff.ticket:
                continue
            place, wait = await in_thread(self.queue_place, handoff, loads)
            await self.customers.push(handoff.conversation_id, {"type": "queue", "position": place, "wait_s": wait})

    async def queue_frame(self, conversation_id: str) -> dict[str, Any] | None:
        """The live queue frame for a customer who is waiting for an agent; None otherwise."""
        handoff = await in_thread(self.handoffs.open_for, conversation_id)
        if handoff is None or handoff.status != QUEUED or handoff.ticket:
            return None
        place, wait = await in_thread(self.queue_place, handoff)
        return {"type": "queue", "position": place, "wait_s": wait}
