"""Live customer connections, so the hub can push messages into an open conversation.

One conversation can be open in several tabs; later the agent console pushes agent
messages through the same registry.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable, Protocol

log = logging.getLogger(__name__)


class Connection(Protocol):
    async def send(self, frame: dict[str, Any]) -> bool:
        """Send one JSON frame; False when the peer is gone."""


class SocketPeer:
    """One open websocket that frames are pushed to (a customer's tab or an agent's console)."""

    def __init__(self, websocket: Any) -> None:
        self.ws = websocket
        self._open = True
        self._send_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> bool:
        if not self._open:
            return False
        async with self._send_lock:
            try:
                await self.ws.send_text(json.dumps(frame, ensure_ascii=False))
            except Exception:  # noqa: BLE001 - the peer went away
                self._open = False
                return False
        return True


Sink = Callable[[str, dict[str, Any]], Awaitable[None]]


class Connections:
    def __init__(self, sink: Sink | None = None) -> None:
        self._by_conversation: dict[str, set[Connection]] = defaultdict(set)
        # Sees every frame pushed to a customer, open tab or not: the messaging channels
        # (bot/channels/delivery.py) forward it to the customer's Telegram, WhatsApp or Slack.
        self.sink = sink

    def add(self, conversation_id: str, connection: Connection) -> None:
        self._by_conversation[conversation_id].add(connection)

    def discard(self, conversation_id: str, connection: Connection) -> None:
        peers = self._by_conversation.get(conversation_id)
        if peers is None:
            return
        peers.discard(connection)
        if not peers:
            del self._by_conversation[conversation_id]

    def count(self, conversation_id: str | None = None) -> int:
        if conversation_id is None:
            return sum(len(peers) for peers in self._by_conversation.values())
        return len(self._by_conversation.get(conversation_id, ()))

    async def push(self, conversation_id: str, frame: dict[str, Any], *, exclude: Connection | None = None) -> int:
        """Send ``frame`` to every open connection of the conversation; returns how many got it."""
        if self.sink is not None:
            try:
                await self.sink(conversation_id, frame)
            except Exception:  # noqa: BLE001 - a channel problem must not stop the web tabs getting it
                log.exception("outbound sink failed", extra={"event": "sink_failed", "conversation_id": conversation_id})
        peers = [peer for peer in self._by_conversation.get(conversation_id, ()) if peer is not exclude]
        if not peers:
            return 0
        results = await asyncio.gather(*(peer.send(frame) for peer in peers), return_exceptions=True)
        return sum(1 for result in results if result is True)
