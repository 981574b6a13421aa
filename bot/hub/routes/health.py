"""GET /health: is the hub able to do its job, and are Rasa and the action server reachable?"""
from __future__ import annotations

import asyncio
import logging

import anyio
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from bot.hub.services import Hub, get_hub

log = logging.getLogger(__name__)
router = APIRouter()

PROBE_TIMEOUT_S = 2.0


async def _database_ok(hub: Hub) -> bool:
    try:
        with anyio.fail_after(PROBE_TIMEOUT_S * 2):
            await anyio.to_thread.run_sync(hub.store.ping)
        return True
    except Exception:  # noqa: BLE001 - any failure means "down"
        log.exception("database health check failed", extra={"event": "health_database_down"})
        return False


@router.get("/health")
async def health(hub: Hub = Depends(get_hub)) -> JSONResponse:
    settings = hub.settings
    database, rasa, actions = await asyncio.gather(
        _database_ok(hub),
        hub.rasa.probe(settings.rasa_url.rstrip("/") + "/", timeout_s=PROBE_TIMEOUT_S),
        hub.rasa.probe(settings.actions_url.rstrip("/") + "/health", timeout_s=PROBE_TIMEOUT_S),
    )
    checks = {
        "database": "ok" if database else "down",
        "rasa": "ok" if rasa else "down",
        "actions": "ok" if actions else "down",
    }
    if not database:
        # Without its database the hub cannot keep its promise (never lose a message).
        return JSONResponse({"status": "down", "checks": checks}, status_code=503)
    status = "ok" if rasa and actions else "degraded"
    return JSONResponse({"status": status, "checks": checks}, status_code=200)
