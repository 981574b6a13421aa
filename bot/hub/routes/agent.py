"""The agent console's REST API (docs/handoff.md): login, the queue, context, and the handoff actions.

Thin: every route checks the session, then calls a handoff unit (`hub.handoffs`, bot/hub/services.py).
The session is an HttpOnly, SameSite=Strict cookie holding a random token; the database stores only its hash.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from bot.agents.directory import Agent, TooManyAttempts
from bot.handoff.common import HandoffError
from bot.hub.errors import ApiError
from bot.hub.health_view import for_agent, handoff_for_agent, queue_for_agent
from bot.hub.limits.http import too_many
from bot.conversations.messages import to_wire
from bot.hub.routes.conversations import read_json_body
from bot.hub.routes.ids import RowId
from bot.hub.services import Hub, get_hub
from bot.privacy.audit import CONTEXT

router = APIRouter(prefix="/api/agent")

COOKIE = "carebot_agent"
MAX_TOKEN = 200


async def session_agent(hub: Hub, token: str | None) -> Agent | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    return await anyio.to_thread.run_sync(hub.directory.session_agent, token)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})


def check_staff_write(request: Request) -> None:
    """A change made with the staff session cookie comes from the hub's own pages (issue 15): when the
    browser names the page's origin (every browser does on a POST), its host is this hub's; a body is
    not of a type a plain HTML form sends. SameSite=Strict already keeps the cookie off other sites' requests; this is the second lock.
    Hosts are compared, not schemes, so a TLS proxy in front does not matter."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None:
        hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")} - {""}
        if urlsplit(origin).netloc not in hosts:
            raise ApiError(403, "cross_origin", "This request came from another site's page.")
    # the body types another site's plain HTML form can send without asking first (no CORS preflight)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in FORM_TYPES:
        raise ApiError(415, "json_required", "Send the request body as JSON (Content-Type: application/json).")


async def current_agent(request: Request, hub: Hub = Depends(get_hub)) -> Agent:
    check_staff_write(request)
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
    check_staff_write(request)  # no logging in from another site's page
    data = await _body(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ApiError(422, "invalid_body", "Send {\"username\": \"...\", \"password\": \"...\"}.")
    # Per IP on top of the per-username throttle: one address trying many usernames. Every attempt
    # counts (so parallel guesses cannot slip through); a successful one is given back.
    ip = hub.limits.ip_of(request)
    decision = await hub.limits.take(("logins_per_ip",), ip=ip)
    if not decision.allowed:
        raise too_many(decision, "Too many failed logins from your network", code="too_many_attempts")
    try:
        agent = await anyio.to_thread.run_sync(hub.directory.authenticate, username[:100], password[:1000])
    except TooManyAttempts as exc:
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed logins. Try again in {max(1, round(exc.retry_after_s / 60))} minute(s).") from None
    if agent is None:
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    await hub.limits.give_back("logins_per_ip", ip=ip)
    token = await anyio.to_thread.run_sync(hub.directory.start_session, agent)
    response = JSONResponse({"agent": agent.to_dict()})
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=int(hub.directory.absolute_lifetime.total_seconds()), path="/")
    return response


@router.post("/logout", status_code=204)
async def logout(request: Request, hub: Hub = Depends(get_hub)) -> Response:
    check_staff_write(request)
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
    return await queue_for_agent(hub, agent, await hub.handoffs.queue.queue_view(agent))


@router.get("/handoffs/{handoff_id}")
async def handoff_detail(handoff_id: RowId, agent: Agent = Depends(current_agent), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    handoff = await _act(hub.handoffs.agents.get_for(agent, handoff_id))
    detail = {"handoff": await hub.handoffs.queue.describe(handoff),
              "context": await hub.handoffs.context.context(handoff)}
    await audit(hub, agent, CONTEXT, handoff.conversation_id, {"handoff": handoff.id})
    return await for_agent(hub, agent, handoff.conversation_id, detail)


async def audit(hub: Hub, agent: Agent, action: str, conversation_id: str, detail: dict[str, Any]) -> None:
    """Write who opened which transcript to the privacy audit log (docs/privacy.md)."""
    if hub.privacy is not None:
        await anyio.to_thread.run_sync(lambda: hub.privacy.audit.record(
            f"{agent.role}:{agent.username}", action, conversation_ids=[conversation_id], detail=detail))


@router.post("/handoffs/{handoff_id}/accept")
async def accept(handoff_id: RowId, agent: Agent = Depends(current_agent), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    handoff = await _act(hub.handoffs.agents.accept(agent, handoff_id))
    return {"handoff": await handoff_for_agent(hub, agent, await hub.handoffs.queue.describe(handoff))}


@router.post("/handoffs/{handoff_id}/messages")
async def send_message(handoff_id: RowId, request: Request, agent: Agent = Depends(current_agent),
                       hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    message = await _act(hub.handoffs.agents.send(agent, handoff_id, data.get("text"), data.get("client_message_id")))
    return {"message": to_wire(message, text_limit=hub.settings.max_message_chars)}


@router.post("/handoffs/{handoff_id}/transfer")
async def transfer(handoff_id: RowId, request: Request, agent: Agent = Depends(current_agent),
                   hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    handoff = await _act(hub.handoffs.agents.transfer(agent, handoff_id, skill=data.get("skill"),
                                               agent_id=data.get("agent_id"), note=data.get("note")))
    return {"handoff": await handoff_for_agent(hub, agent, await hub.handoffs.queue.describe(handoff))}


@router.post("/handoffs/{handoff_id}/handback")
async def hand_back(handoff_id: RowId, request: Request, agent: Agent = Depends(current_agent),
                    hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request) if request.headers.get("content-length", "0") != "0" else {}
    handoff, said = await _act(hub.handoffs.agents.hand_back(agent, handoff_id, data.get("note")))
    limit = hub.settings.max_message_chars
    return {"handoff": await handoff_for_agent(hub, agent, await hub.handoffs.queue.describe(handoff)),
            "messages": [to_wire(m, text_limit=limit) for m in said]}


@router.post("/handoffs/{handoff_id}/close")
async def close(handoff_id: RowId, request: Request, agent: Agent = Depends(current_agent),
                hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    handoff = await _act(hub.handoffs.agents.close(agent, handoff_id, data.get("disposition"), data.get("note")))
    return {"handoff": await handoff_for_agent(hub, agent, await hub.handoffs.queue.describe(handoff))}


@router.get("/handoffs/{handoff_id}/suggestions")
async def suggestions(handoff_id: RowId, q: str | None = Query(None, max_length=2000), agent: Agent = Depends(current_agent),
                      hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    handoff = await _act(hub.handoffs.agents.get_for(agent, handoff_id))
    return await for_agent(hub, agent, handoff.conversation_id, await hub.handoffs.context.suggestions(handoff, q))


@router.get("/canned")
async def canned(agent: Agent = Depends(current_agent), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    return {"replies": [reply.to_dict() for reply in hub.handoffs.config.canned_replies]}
