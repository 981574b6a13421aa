"""The outreach API (docs/outreach.md), for supervisors (agent console session) and, for events only,
machine clients with ``Authorization: Bearer <CAREBOT_OUTREACH_API_KEY>``. Thin over OutreachService."""
from __future__ import annotations

import hmac
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from bot.hub.errors import ApiError, error_body
from bot.hub.routes.agent import COOKIE, check_staff_write, session_agent
from bot.hub.routes.conversations import read_json_body
from bot.hub.services import Hub, get_hub
from bot.outreach.campaigns import CampaignError
from bot.outreach.service import EventError
from bot.outreach.store import STATUSES

router = APIRouter(prefix="/api/outreach")


async def _supervisor(request: Request, hub: Hub) -> None:
    check_staff_write(request)
    agent = await session_agent(hub, request.cookies.get(COOKIE))
    if agent is None:
        raise ApiError(401, "not_logged_in", "Log in as a supervisor, or send the outreach API key.")
    if agent.role != "supervisor":
        raise ApiError(403, "forbidden", "Only supervisors manage outreach.")


async def supervisor(request: Request, hub: Hub = Depends(get_hub)) -> None:
    await _supervisor(request, hub)


async def supervisor_or_key(request: Request, hub: Hub = Depends(get_hub)) -> None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        key = hub.settings.outreach_api_key
        given = header[7:].strip()
        if key and hmac.compare_digest(given.encode(), key.encode()):
            return
        raise ApiError(401, "invalid_api_key", "The outreach API key is wrong, or none is configured.")
    await _supervisor(request, hub)


def _invalid(code: str, message: str, errors: list[dict[str, Any]], status: int = 422) -> JSONResponse:
    body = error_body(code, message)
    body["error"]["errors"] = errors
    return JSONResponse(body, status_code=status)


@router.post("/events", dependencies=[Depends(supervisor_or_key)])
async def post_event(request: Request, hub: Hub = Depends(get_hub)) -> JSONResponse:
    body = await read_json_body(request, limit=1024 * 1024)
    try:
        result = await anyio.to_thread.run_sync(hub.outreach.post_event, body)
    except EventError as exc:
        return _invalid(exc.code, exc.message, exc.errors, exc.status)
    return JSONResponse(result, status_code=202)


@router.get("/campaigns", dependencies=[Depends(supervisor)])
async def list_campaigns(hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    campaigns = await anyio.to_thread.run_sync(hub.outreach.campaigns)
    counts = await anyio.to_thread.run_sync(hub.outreach.store.counts)
    return {"campaigns": [{**c.to_dict(), "jobs": counts.get(c.id, {})} for c in campaigns]}


@router.post("/campaigns", dependencies=[Depends(supervisor)])
async def save_campaign(request: Request, hub: Hub = Depends(get_hub)) -> JSONResponse:
    body = await read_json_body(request, limit=64 * 1024)
    try:
        campaign, created = await anyio.to_thread.run_sync(hub.outreach.save_campaign, body)
    except CampaignError as exc:
        return _invalid("invalid_campaign", str(exc), [{"field": exc.field, "message": exc.message}])
    return JSONResponse({"campaign": campaign.to_dict()}, status_code=201 if created else 200)


@router.get("/campaigns/{campaign_id}", dependencies=[Depends(supervisor)])
async def get_campaign(campaign_id: str, hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    campaign = await anyio.to_thread.run_sync(hub.outreach.campaign, campaign_id[:64])
    if campaign is None:
        raise ApiError(404, "unknown_campaign", f"No campaign {campaign_id[:64]!r}.")
    counts = await anyio.to_thread.run_sync(hub.outreach.store.counts, campaign.id)
    return {"campaign": campaign.to_dict(), "jobs": counts.get(campaign.id, {})}


@router.get("/jobs", dependencies=[Depends(supervisor)])
async def list_jobs(request: Request, hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    campaign_id, status = request.query_params.get("campaign"), request.query_params.get("status")
    if campaign_id is not None and await anyio.to_thread.run_sync(hub.outreach.campaign, campaign_id[:64]) is None:
        raise ApiError(404, "unknown_campaign", f"No campaign {campaign_id[:64]!r}.")
    if status is not None and status not in STATUSES:
        raise ApiError(422, "invalid_status", f"'status' must be one of: {', '.join(STATUSES)}.")
    jobs = await anyio.to_thread.run_sync(lambda: hub.outreach.store.jobs(campaign_id, status))
    return {"jobs": [job.to_dict() for job in jobs]}
