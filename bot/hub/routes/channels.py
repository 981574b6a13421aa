"""The platforms' webhooks: verify, parse, store, answer 200 fast (the bot answers in the background).

    POST /channels/telegram/webhook      Telegram updates (messages, button presses, shared contacts)
    POST /channels/whatsapp/webhook      Twilio's incoming WhatsApp messages (form-encoded)
    POST /channels/slack/events          Slack Events API (and its url_verification challenge)
    POST /channels/slack/interactions    Slack interactivity (button presses, form field ``payload``)

404 ``channel_not_configured`` when the channel has no secrets, 401 without a signature, 403 with a
wrong one (or a Slack timestamp over five minutes old), 400 for a malformed payload (nothing stored).
A 5xx (e.g. the database is down) makes the platform retry later, which is what we want.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from bot.channels.base import WebhookError
from bot.channels.whatsapp import EMPTY_TWIML
from bot.hub.errors import ApiError
from bot.conversations.accept import InvalidInput
from bot.hub.services import Hub, get_hub

log = logging.getLogger(__name__)
router = APIRouter(prefix="/channels")

MAX_BODY_BYTES = 1024 * 1024


async def _body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, "payload_too_large", f"The request body is larger than {MAX_BODY_BYTES:,} bytes.")
    return bytes(body)


def _platform(hub: Hub, name: str) -> Any:
    service = getattr(hub, "channels", None)
    platform = service.platforms.get(name) if service is not None else None
    if platform is None or not platform.enabled:
        raise ApiError(404, "channel_not_configured", f"The {name} channel is not configured on this hub.")
    return platform


def _public_url(hub: Hub, request: Request) -> str:
    """The URL the platform called (Twilio signs it): CAREBOT_PUBLIC_URL + path, or the URL as received."""
    base = hub.channels.settings.public_url
    if not base:
        return str(request.url)
    query = request.url.query
    return base + request.url.path + (f"?{query}" if query else "")


async def _receive(hub: Hub, request: Request, name: str, *, slack_events: bool = False) -> Any:
    platform = _platform(hub, name)
    body = await _body(request)
    try:
        platform.verify(request.headers, body, _public_url(hub, request))
        if slack_events:
            challenge = platform.challenge(body)
            if challenge is not None:
                return {"challenge": challenge}
        inbound = platform.parse(body, request.headers.get("content-type", ""))
    except WebhookError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    if inbound is None:
        log.info("webhook event ignored", extra={"event": "channel_event_ignored", "channel": name})
        return None
    try:
        await hub.channels.receive(inbound)
    except InvalidInput as exc:
        raise ApiError(400, exc.code, exc.message) from None
    return None


@router.post("/telegram/webhook")
async def telegram_webhook(request: Request, hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    await _receive(hub, request, "telegram")
    return {"ok": True}


@router.post("/whatsapp/webhook")
async def whatsapp_webhook(request: Request, hub: Hub = Depends(get_hub)) -> Response:
    await _receive(hub, request, "whatsapp")
    # Empty TwiML: Twilio sends nothing itself; the answers go out through the Messages API.
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/slack/events")
async def slack_events(request: Request, hub: Hub = Depends(get_hub)) -> Response:
    answer = await _receive(hub, request, "slack", slack_events=True)
    if answer is not None:
        return JSONResponse(answer)
    return Response(status_code=200)


@router.post("/slack/interactions")
async def slack_interactions(request: Request, hub: Hub = Depends(get_hub)) -> Response:
    await _receive(hub, request, "slack")
    return Response(status_code=200)
