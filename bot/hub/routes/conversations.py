"""REST API for the web channel: start a conversation, send a message, read the history.

``POST /api/conversations`` answers the conversation id and its session ``token`` (the same signed
token the widget gets in its welcome, widget/PROTOCOL.md); the other calls must carry it as
``Authorization: Bearer <token>``. A conversation id alone opens nothing.

Over an abuse limit (bot/hub/limits) a call answers 429 ``rate_limited`` with ``Retry-After``.
"""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from bot.db import ROW_ID_MAX
from bot.hub.errors import ApiError
from bot.conversations.messages import to_wire
from bot.conversations.accept import Inbound, InvalidInput
from bot.hub import json_limits
from bot.hub.limits.http import enforce
from bot.hub.services import Hub, get_hub
from bot.conversations.store import UnknownConversation

router = APIRouter(prefix="/api")

MAX_BODY_BYTES = 1024 * 1024

UNKNOWN_CONVERSATION = "No conversation with this id. Start a new one with POST /api/conversations."


async def read_json_body(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    """The request body as JSON, with a clear error for every way it can be wrong."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "payload_too_large", f"The request body is larger than {limit:,} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "payload_too_large", f"The request body is larger than {limit:,} bytes.")
    if not body.strip():
        raise ApiError(400, "empty_body", 'The request body is empty; send JSON like {"text": "Hello"}.')
    try:
        decoded = bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "invalid_encoding", f"The request body is not valid UTF-8 (bad byte at position {exc.start})."
        ) from None
    try:
        return json_limits.loads(decoded)
    except json_limits.TooDeep:
        raise ApiError(400, "invalid_json", f"The request body is nested more than {json_limits.MAX_DEPTH} levels "
                       "deep.") from None
    except json_limits.NumberTooLong:
        raise ApiError(400, "invalid_json", f"The request body has a number of more than {json_limits.MAX_INT_DIGITS:,} "
                       "digits.") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400, "invalid_json", f"The request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None


async def _require_conversation(hub: Hub, conversation_id: str) -> None:
    if not await hub.turns.conversation_exists(conversation_id):
        raise ApiError(404, "unknown_conversation", UNKNOWN_CONVERSATION)


def _require_token(hub: Hub, conversation_id: str, request: Request) -> None:
    """The caller holds this conversation's session token (401 without one, 403 for another's or a bad one)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "token_required", "Send the conversation's token as 'Authorization: Bearer <token>' "
                                              "(POST /api/conversations returns it).")
    verified = hub.sessions.verify(token.strip())
    if verified.problem == "expired":
        raise ApiError(403, "token_expired", "This token has expired; start a new conversation.")
    if verified.conversation_id != conversation_id:
        raise ApiError(403, "invalid_token", "This token is not valid for this conversation.")


@router.post("/conversations", status_code=201)
async def create_conversation(request: Request, hub: Hub = Depends(get_hub)) -> JSONResponse:
    await enforce(request, ("new_conversations_per_ip",), message="Too many new conversations from your network")
    conversation_id = await hub.turns.create_conversation(channel="web")
    return JSONResponse({"conversation_id": conversation_id, "token": hub.sessions.issue(conversation_id)},
                        status_code=201)


@router.post("/conversations/{conversation_id}/messages")
async def post_message(conversation_id: str, request: Request, hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    _require_token(hub, conversation_id, request)
    # not stored when refused: the client sends it again (same client_message_id) after Retry-After
    await enforce(request, ("messages_per_ip", "messages_per_conversation"), conversation=conversation_id,
                  message="You're sending messages very quickly")
    await _require_conversation(hub, conversation_id)
    data = await read_json_body(request)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", 'The request body must be a JSON object like {"text": "Hello"}.')
    if "text" not in data:
        raise ApiError(422, "missing_text", "The field 'text' is required.")
    limit = hub.settings.max_message_chars
    try:
        accepted = await hub.turns.accept(
            Inbound(conversation_id, data["text"], data.get("client_message_id"), button_payload=data.get("payload"))
        )
    except InvalidInput as exc:
        raise ApiError(422, exc.code, exc.message) from None
    except UnknownConversation:
        raise ApiError(404, "unknown_conversation", UNKNOWN_CONVERSATION) from None
    inbound = to_wire(accepted.inbound, text_limit=limit)
    if not accepted.duplicate:
        await hub.connections.push(conversation_id, inbound)  # other open tabs see the customer's message
    # Open tabs and channels get the answers (no typing indicator: this request is waiting for them);
    # a retry's answers only go back in this response.
    replies = await hub.turns.answer(accepted.inbound, push=_nowhere if accepted.duplicate else None, typing=False)
    outgoing = [to_wire(reply, text_limit=limit) for reply in replies]
    return {
        "conversation_id": conversation_id,
        "duplicate": accepted.duplicate,
        "message": inbound,
        "messages": outgoing,
    }


async def _nowhere(_conversation_id: str, _frame: dict[str, Any]) -> None:
    return None


@router.get("/conversations/{conversation_id}/messages")
async def get_messages(
    conversation_id: str,
    request: Request,
    after: int | None = Query(None, ge=0, le=ROW_ID_MAX, description="Only messages with an id greater than this."),
    limit: int = Query(200, ge=1, le=500),
    hub: Hub = Depends(get_hub),
) -> dict[str, Any]:
    _require_token(hub, conversation_id, request)
    await enforce(request, ("history_per_conversation",), conversation=conversation_id)
    try:
        history = await hub.turns.history(conversation_id, after=after, limit=limit)
    except UnknownConversation:
        raise ApiError(404, "unknown_conversation", UNKNOWN_CONVERSATION) from None
    text_limit = hub.settings.max_message_chars
    return {"conversation_id": conversation_id, "messages": [to_wire(m, text_limit=text_limit) for m in history]}
