"""The supervisors' privacy API (docs/privacy.md, "Export and erasure"): the same export, erasure and audit
log as `carebot privacy`, for a supervisor signed in to the console.

    GET  /api/supervisor/privacy/export?conversation=ID | ?email=E
    POST /api/supervisor/privacy/erase   {"conversation": ID} | {"email": E}
    GET  /api/supervisor/privacy/audit?conversation=ID&limit=N
"""
from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request

from bot.agents.directory import Agent
from bot.crm.interface import CrmError
from bot.hub.errors import ApiError
from bot.hub.routes.agent import _body
from bot.hub.routes.supervisor import _limit, current_supervisor
from bot.hub.services import Hub, get_hub
from bot.privacy.service import UnknownSubject

router = APIRouter(prefix="/api/supervisor/privacy")


def actor_of(agent: Agent) -> str:
    """How the audit log names a person of the console."""
    return f"{agent.role}:{agent.username}"


async def _request(hub: Hub, conversation: Any, email: Any) -> Any:
    if bool(conversation) == bool(email) or not isinstance(conversation or email, str):
        raise ApiError(422, "invalid_subject", "Give either 'conversation' (an id) or 'email' (an address).")
    try:
        if conversation:
            return await anyio.to_thread.run_sync(hub.privacy.for_conversation, conversation[:64])
        return await anyio.to_thread.run_sync(hub.privacy.for_email, email[:254])
    except UnknownSubject as exc:
        raise ApiError(404, "unknown_subject", str(exc)[:200]) from None
    except CrmError:  # a request by e-mail must know the CRM's customer: nothing is done without it
        raise ApiError(503, "crm_unavailable", "The CRM cannot be reached; nothing was exported or erased.") from None


@router.get("/export")
async def export(request: Request, supervisor: Agent = Depends(current_supervisor),
                 hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    query = request.query_params
    subject = await _request(hub, query.get("conversation"), query.get("email"))
    return await anyio.to_thread.run_sync(lambda: hub.privacy.export(subject, actor=actor_of(supervisor)))


@router.post("/erase")
async def erase(request: Request, supervisor: Agent = Depends(current_supervisor),
                hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    subject = await _request(hub, data.get("conversation"), data.get("email"))
    return await anyio.to_thread.run_sync(lambda: hub.privacy.erase(subject, actor=actor_of(supervisor)))


@router.get("/audit")
async def audit(request: Request, _: Agent = Depends(current_supervisor), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    conversation, limit = (request.query_params.get("conversation") or "")[:64] or None, _limit(request, default=200)
    entries = await anyio.to_thread.run_sync(lambda: hub.privacy.audit.entries(conversation_id=conversation, limit=limit))
    return {"entries": [entry.to_dict() for entry in entries]}
