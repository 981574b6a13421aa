"""WS /ws/agent: the agent console's live connection (docs/handoff.md, "Agent websocket").

The session cookie is checked before the socket is accepted (a missing or expired session
closes it with code 4401). The console sends typing, read receipts and pings; everything else it does over REST.
"""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from bot.conversations.connections import SocketPeer
from bot.hub.routes.agent import COOKIE, session_agent
from bot.hub import json_limits
from bot.hub.routes.ws import rate_limited_frame
from bot.hub.services import get_hub

log = logging.getLogger(__name__)
router = APIRouter()

MAX_FRAME_CHARS = 10_000
NOT_LOGGED_IN = 4401
FOREIGN_ORIGIN = 4403


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    hub = get_hub(websocket)
    origin = websocket.headers.get("origin")
    if origin and urlsplit(origin).netloc != websocket.headers.get("host"):
        # Another site's page cannot open an agent's console socket with the agent's cookie.
        await websocket.close(code=FOREIGN_ORIGIN, reason="foreign origin")
        return
    agent = await session_agent(hub, websocket.cookies.get(COOKIE))
    if agent is None:
        await websocket.close(code=NOT_LOGGED_IN, reason="not logged in")
        return
    await websocket.accept()
    socket = SocketPeer(websocket)
    came_online = agent.id not in hub.agents.online_ids()
    hub.agents.add(agent, socket)
    log.info("agent console connected", extra={"event": "agent_online", "agent_id": agent.id})
    await socket.send({"type": "hello", "agent": agent.to_dict()})
    if came_online:
        await hub.handoffs.queue.notify_queue()  # waits get shorter when an agent comes online
    ip = hub.limits.ip_of(websocket)
    try:
        while True:
            try:
                raw = await websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                break
            decision = await hub.limits.take(("console_frames_per_ip",), ip=ip)  # abuse limits (bot/hub/limits)
            if not decision.allowed:
                await socket.send(rate_limited_frame(decision, "Too many frames; wait a moment."))
                continue
            if len(raw) > MAX_FRAME_CHARS:
                await socket.send({"type": "error", "code": "frame_too_large", "message": "Frame too large."})
                continue
            try:
                frame = json_limits.loads(raw)  # ValueError when malformed or too deep
            except ValueError:
                await socket.send({"type": "error", "code": "invalid_json", "message": "The frame is not valid JSON."})
                continue
            kind = frame.get("type") if isinstance(frame, dict) else None
            if kind == "ping":
                await socket.send({"type": "pong"})
            elif kind == "typing":
                await hub.handoffs.agents.agent_typing(agent, frame.get("handoff_id"), bool(frame.get("on")))
            elif kind == "read":
                await hub.handoffs.agents.agent_read(agent, frame.get("handoff_id"), frame.get("up_to"))
            else:
                await socket.send({"type": "error", "code": "unknown_type",
                                   "message": "Expected a frame of type typing, read or ping."})
    finally:
        hub.agents.discard(agent.id, socket)
        log.info("agent console disconnected", extra={"event": "agent_offline", "agent_id": agent.id})
        if agent.id not in hub.agents.online_ids():
            await asyncio.shield(hub.handoffs.queue.notify_queue())
