"""Open agent-console websockets: who is online, and pushing frames to the agents who may see them.

Presence lives in this process (one hub replica); a second replica needs the Redis fan-out of the
roadmap. An agent counts as online while at least one console is open.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any, Callable

from bot.conversations.connections import Connection


class AgentConnections:
    def __init__(self, view: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None) -> None:
        self._by_agent: dict[int, set[Connection]] = defaultdict(set)
        self._agents: dict[int, Any] = {}  # agent id -> the Agent record of the open console
        # What one agent may see of a frame (the hub's health view: health details only with the permission)
        self.view = view

    def add(self, agent: Any, connection: Connection) -> None:
        self._by_agent[agent.id].add(connection)
        self._agents[agent.id] = agent

    def discard(self, agent_id: int, connection: Connection) -> None:
        peers = self._by_agent.get(agent_id)
        if peers is None:
            return
        peers.discard(connection)
        if not peers:
            del self._by_agent[agent_id]
            self._agents.pop(agent_id, None)

    def online_ids(self) -> set[int]:
        return set(self._by_agent)

    async def push(self, frame: dict[str, Any], *, to: Callable[[Any], bool] = lambda agent: True) -> int:
        """Send ``frame`` to every open console whose agent passes ``to``; returns how many got it."""
        peers = [(peer, agent) for agent_id, agent in list(self._agents.items()) if to(agent)
                 for peer in list(self._by_agent.get(agent_id, ()))]
        if not peers:
            return 0
        view = self.view or (lambda agent, frame: frame)
        results = await asyncio.gather(*(peer.send(view(agent, frame)) for peer, agent in peers),
                                       return_exceptions=True)
        return sum(1 for result in results if result is True)
