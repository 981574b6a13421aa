"""The agent console's REST API (docs/handoff.md): login, the queue, context, and the handoff actions.

Thin: every route checks the session, then calls a handoff unit (`hub.handoffs`, bot/hub/services.py).
The session is an HttpOnly, SameSite=Strict cookie holding a random token; the database stores only its hash.
"""
from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from bot.agents.directory import Agent, TooManyAttempts
from bot.handoff.common import HandoffError
from bot.hub.errors import ApiError
from bot.conversations.messages import to_wire
from bot.hub.routes.conversations import read_json_body
from bot.hub.services import Hub, get_hub

router = APIRouter(prefix="/api/agent")

COOKIE = "carebot_agent"
MAX_TOKEN = 200


async def session_agent(hub: Hub, token: str | None) -> Agent | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    return await anyio.to_thread.run_sync(hub.directory.session_agent, token)


async def current_agent(request: Request, hub: Hub = Depends(get_hub)) -> Agent:
    agent = await session_agent(hub, request.cookies.get(COOKIE))
    if agent is None:
        raise ApiError(401, "not_logged_in", "Please log in to the agent console.")
    return agent


async def _body(request: Request) -> dict[str, Any]:
    data = await read_json_body(request, limit=64 * 1024)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "The request body must be a JSON object.")
    return data


async def _act(coro) -> Any:
    try:
        return await coro
    except HandoffError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@router.post("/login")
async def login(request: Request, hub: Hub = Depends(get_hub)) -> JSONResponse:
    data = await _body(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ApiError(422, "invalid_body", "Send {\"username\": \"...\", \"password\": \"...\"}.")
    try:
        agent = await anyio.to_thread.run_sync(hub.directory.authenticate, username[:100], password[:1000])
    except TooManyAttempts as exc:
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed logins. Try again in {max(1, round(exc.retry_after_s / 60))} minute(s).") from None
    if agent is None:
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    token = await anyio.to_thread.run_sync(hub.directory.start_session, agent)
    response = JSONResponse({"agent": agent.to_dict()})
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=int(hub.directory.absolute_lifetime.total_seconds()), path="/")
    return response


@router.post("/logout", status_code=204)
async def logout(request: Request, hub: Hub = Depends(get_hub)) -> Response:
    token = request.cookies.get(COOKIE)
    if token and len(token) <= MAX_TOKEN:
        await anyio.to_thread.run_sync(hub.directory.end_session, token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me")
async def me(agent: Agent = Depends(current_agent)) -> dict[str, Any]:
    return {"agent": agent.to_dict()}


@router.get("/queue")
async def queue(agent: Agent = Depends(current_agent), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    return await hub.handoffs.queue.queue_view(agent)


@router.get("/handoffs/{handoff_id}")
async def handoff_detail(handoff_id: int, agent: Agent = Depends(current_agent), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    handoff = await _act(hub.handoffs.agents.get_for(agent, handoff_id))
    return {"handoff": await hub.handoffs.queue.describe(handoff), "context": await hub.handoffs.context.context(handoff)}


@router.post("/handoffs/{handoff_id}/accept")
async def accept(handoff_id: int, agent: Agent = Depends(current_agent), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    handoff = await _act(hub.handoffs.agents.accept(agent, handoff_id))
    return {"handoff": await hub.handoffs.queue.describe(handoff)}


@router.post("/handoffs/{handoff_id}/messages")
async def send_message(handoff_id: int, request: Request, agent: Agent = Depends(current_agent),
                       hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    message = await _act(hub.handoffs.agents.send(agent, handoff_id, data.get("text"), data.get("client_message_id")))
    return {"message": to_wire(message, text_limit=hub.settings.max_message_chars)}


@router.post("/handoffs/{handoff_id}/transfer")
async def transfer(handoff_id: int, request: Request, agent: Agent = Depends(current_agent),
                   hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    handoff = await _act(hub.handoffs.agents.transfer(agent, handoff_id, skill=data.get("skill"),
                                               agent_id=data.get("agent_id"), note=data.get("note")))
    return {"handoff": await hub.handoffs.queue.describe(handoff)}


@router.post("/handoffs/{handoff_id}/handback")
async def hand_back(handoff_id: int, request: Request, agent: Agent = Depends(current_agent),
                    hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request) if request.headers.get("content-length", "0") != "0" else {}
    handoff, said = await _act(hub.handoffs.agents.hand_back(agent, handoff_id, data.get("note")))
    limit = hub.settings.max_message_chars
    return {"handoff": await hub.handoffs.queue.describe(handoff), "messages": [to_wire(m, text_limit=limit) for m in said]}


@router.post("/handoffs/{handoff_id}/close")
async def close(handoff_id: int, request: Request, agent: Agent = Depends(current_agent),
                hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    handoff = await _act(hub.handoffs.agents.close(agent, handoff_id, data.get("disposition"), data.get("note")))
    return {"handoff": await hub.handoffs.queue.describe(handoff)}


@router.get("/handoffs/{handoff_id}/suggestions")
async def suggestions(handoff_id: int, q: str | None = Query(None, max_length=2000), agent: Agent = Depends(current_agent),
                      hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    handoff = await _act(hub.handoffs.agents.get_for(agent, handoff_id))
    return await hub.handoffs.context.suggestions(handoff, q)


@router.get("/canned")
async def canned(agent: Agent = Depends(current_agent), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    return {"replies": [reply.to_dict() for reply in hub.handoffs.config.canned_replies]}
