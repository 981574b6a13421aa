"""WS /ws: the web widget's live connection.

The full protocol, with examples and error codes, is widget/PROTOCOL.md. In short:

Client -> server: ``hello`` (optional ``token`` from an earlier welcome, ``language``),
``message`` (``id``, ``text``, optional ``payload`` of a button offered), ``typing``, ``read``
(``up_to``: the last message id the customer has seen), ``ping``.

Server -> client: ``welcome`` (``conversation_id``, a fresh signed ``token``, ``resumed``,
``history``), ``ack``, ``receipt``, ``typing``, ``bot`` / ``agent`` / ``system`` / ``customer``
messages, ``queue``, ``error``, ``pong``.

Messages are acknowledged as soon as they are stored; answers are produced in order by a
per-connection worker, so a slow bot never delays the next acknowledgement. A client resends
unacknowledged messages with the same id after reconnecting; the hub answers those idempotently.

Every frame counts against the abuse limits (bot/hub/limits): over one, the frame is dropped and the
client gets ``rate_limited`` with ``retry_after_s`` (and the message's ``id``: it was not stored, the
widget sends it again); a socket over the per-IP socket or new-conversation limit is closed with 4429.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from bot.conversations.connections import SocketPeer
from bot.conversations.messages import to_wire
from bot.conversations.accept import Accepted, Inbound, InvalidInput
from bot.hub import json_limits
from bot.hub.limits import Decision
from bot.hub.limits.rules import SOCKET_LEASE_S
from bot.hub.services import Hub, get_hub
from bot.conversations.store import UnknownConversation

log = logging.getLogger(__name__)
router = APIRouter()

# A frame holds one message of at most Settings.max_message_chars plus its envelope: about 16 KB with
# the default 4,000 characters (issue 15: a socket must not make the hub parse megabytes).
MAX_FRAME_CHARS = 16_384


def frame_limit(max_message_chars: int) -> int:
    return max(MAX_FRAME_CHARS, max_message_chars + 1_000)
HISTORY_LIMIT = 200

# The abuse limits each frame type counts against (bot/hub/limits/rules.py); `hello` is counted in
# _on_hello, since a resumed conversation and a new one count differently.
FRAME_LIMITS = {
    "message": ("frames_per_ip", "messages_per_ip", "messages_per_conversation"),
    "typing": ("frames_per_ip", "typing_per_ip", "typing_per_conversation"),
    "read": ("frames_per_ip", "read_per_ip", "read_per_conversation"),
    "ping": ("frames_per_ip", "ping_per_ip", "ping_per_conversation"),
}
OTHER_FRAMES = ("frames_per_ip",)  # malformed frames and unknown types
# Closing code when the socket itself is over a limit (too many sockets or new conversations from one
# IP): the widget reconnects with back-off, as after any drop.
TRY_LATER = 4429
_KEEP = object()


def rate_limited_frame(decision: Decision, message: str, client_id: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": "rate_limited", "limit": decision.limit,
                             "retry_after_s": max(0.1, round(decision.retry_after_s, 1)), "message": message}
    if client_id is not None:
        frame["id"] = client_id
    return frame


class CustomerSocket(SocketPeer):
    """One customer websocket connection."""

    def __init__(self, websocket: WebSocket, hub: Hub, ip: str = "unknown") -> None:
        super().__init__(websocket)
        self.hub = hub
        self.ip = ip
        self.conversation_id: str | None = None
        self._queue: asyncio.Queue[Accepted | None] = asyncio.Queue()
        self._closing = False  # we closed the socket (over a limit): stop reading

    async def _allowed(self, names: tuple[str, ...], message: str, *, client_id: Any = None,
                       conversation: Any = _KEEP) -> bool:
        """Count this frame against ``names``; over a limit the client is told when to try again."""
        decision = await self.hub.limits.take(
            names, ip=self.ip, conversation=self.conversation_id if conversation is _KEEP else conversation)
        if not decision.allowed:
            await self.send(rate_limited_frame(decision, message, client_id))
        return decision.allowed

    async def _bad_frame(self, code: str, message: str, *, client_id: Any = None) -> None:
        """A frame refused as malformed still counts against the IP's frames."""
        if await self._allowed(OTHER_FRAMES, "You're sending too many frames; wait a moment.", client_id=client_id):
            await self.error(code, message, client_id=client_id)

    async def _try_later(self, reason: str) -> None:
        self._closing = True
        await self.ws.close(code=TRY_LATER, reason=reason)

    async def error(self, code: str, message: str, *, client_id: Any = None) -> None:
        log.warning("websocket frame rejected", extra={"event": "ws_error", "error_code": code,
                                                        "conversation_id": self.conversation_id})
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if client_id is not None:
            frame["id"] = client_id
        await self.send(frame)

    # -- receiving -------------------------------------------------------------------------
    async def run(self) -> None:
        # The worker belongs to the hub, not to this connection: if the connection is torn down
        # (even cancelled), messages already stored are still answered and the answers stored.
        worker = self.hub.spawn(self._work(), name="ws-answers")
        try:
            while True:
                try:
                    event = await self.ws.receive()
                except (WebSocketDisconnect, RuntimeError):
                    break
                if event["type"] == "websocket.disconnect":
                    break
                if event.get("bytes") is not None:
                    await self._bad_frame("binary_not_supported",
                                          "Binary frames are not supported; send JSON text frames.")
                    continue
                raw = event.get("text")
                if raw is None:
                    continue
                try:
                    await self._on_text(raw)
                except Exception:  # noqa: BLE001 - e.g. the database is down; keep the socket open
                    log.exception("failed to handle websocket frame",
                                  extra={"event": "ws_internal_error", "conversation_id": self.conversation_id})
                    await self.error("internal_error", "Sorry, something went wrong on our side. "
                                     "Please try again in a moment.")
                if self._closing:
                    break
        finally:
            self._open = False
            if self.conversation_id is not None:
                self.hub.connections.discard(self.conversation_id, self)
            self._queue.put_nowait(None)
            await asyncio.shield(worker)

    async def _on_text(self, raw: str) -> None:
        limit = frame_limit(self.hub.settings.max_message_chars)
        if len(raw) > limit:
            await self._bad_frame("frame_too_large", f"Frames must be at most {limit:,} characters.")
            return
        try:
            frame = json_limits.loads(raw)  # ValueError when malformed or too deep
        except ValueError:
            await self._bad_frame("invalid_json", "The frame is not valid JSON.")
            return
        if not isinstance(frame, dict):
            await self._bad_frame("invalid_frame", "Each frame must be a JSON object with a 'type'.")
            return
        kind = frame.get("type")
        if kind == "hello":
            await self._on_hello(frame)
            return
        if kind == "message":
            await self._on_message(frame)
            return
        if kind is None:
            await self._bad_frame("missing_type", "The frame has no 'type'.")
            return
        if not isinstance(kind, str) or kind not in FRAME_LIMITS:
            await self._bad_frame("unknown_type", f"Unknown frame type {str(kind)[:40]!r}; expected hello, message, "
                                  "typing, read or ping.")
            return
        if not await self._allowed(FRAME_LIMITS[kind], f"Too many '{kind}' frames; wait a moment before sending more."):
            return
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "read":
            await self._on_read(frame)
        elif self.conversation_id is not None:  # typing
            await self.hub.handoffs.queue.customer_typing(self.conversation_id, bool(frame.get("on")))

    async def _on_hello(self, frame: dict[str, Any]) -> None:
        turns, hub = self.hub.turns, self.hub
        token = frame.get("token")
        if token is not None and not isinstance(token, str):
            await self._bad_frame("invalid_token", "'token' must be a string (the token from an earlier welcome).")
            return
        if "conversation_id" in frame:
            await self._bad_frame("token_required", "Resume a conversation with the 'token' from its welcome frame; "
                                  "conversation ids are not accepted.")
            return
        if not await self._allowed(("frames_per_ip", "hello_per_ip"), "Too many connections from your network "
                                   "in a short time; please try again in a moment.", conversation=None):
            await self._try_later("too many hello frames")
            return
        language = frame.get("language")
        language = language[:16] if isinstance(language, str) and language.strip() else None
        verified = hub.sessions.verify(token) if token else None
        requested = verified.conversation_id if verified else None
        resumed = requested is not None and await turns.conversation_exists(requested)
        # Resuming (a reconnect, another tab) is not a new conversation; anything else creates one.
        if resumed:
            allowed = await self._allowed(("hello_per_conversation",), "This conversation is reconnecting too often; "
                                          "please try again in a moment.", conversation=requested)
        else:
            allowed = await self._allowed(("new_conversations_per_ip",), "Too many new conversations from your "
                                          "network; please try again later.", conversation=None)
        if not allowed:
            await self._try_later("too many new conversations" if not resumed else "reconnecting too often")
            return
        if resumed:
            conversation_id = requested
        else:
            conversation_id = await turns.create_conversation(channel="web", meta={"language": language or "en"})
        if self.conversation_id is not None:
            self.hub.connections.discard(self.conversation_id, self)
        self.conversation_id = conversation_id
        self.hub.connections.add(conversation_id, self)
        history = await turns.history(conversation_id, limit=HISTORY_LIMIT)
        limit = self.hub.settings.max_message_chars
        welcome: dict[str, Any] = {
            "type": "welcome",
            "conversation_id": conversation_id,
            "token": hub.sessions.issue(conversation_id),  # fresh: the session lives on while it is used
            "resumed": resumed,
            "history": [to_wire(message, text_limit=limit) for message in history],
        }
        if token and not resumed:  # tell the widget why its conversation did not come back
            welcome["session"] = (verified.problem if verified and verified.problem else "unknown_conversation")
        await self.send(welcome)
        receipt = await hub.receipts.welcome_state(conversation_id)
        if receipt is not None:
            await self.send(receipt)
        queue = await self.hub.handoffs.queue.queue_frame(conversation_id)
        if queue is not None:  # waiting for an agent: the place now, not the one in the history
            await self.send(queue)

    async def _on_read(self, frame: dict[str, Any]) -> None:
        up_to = frame.get("up_to")
        if isinstance(up_to, bool) or not isinstance(up_to, int) or up_to < 1:
            await self.error("invalid_field", "'up_to' must be a positive message id.")
            return
        if self.conversation_id is None:
            await self.error("hello_required", "Send a 'hello' frame first.")
            return
        await self.hub.receipts.read_by_customer(self.conversation_id, up_to)

    async def _on_message(self, frame: dict[str, Any]) -> None:
        client_id = frame.get("id")
        if client_id is None:
            await self._bad_frame("missing_field", "A message frame needs an 'id' (your message id).")
            return
        if isinstance(client_id, bool) or not isinstance(client_id, (str, int)):
            await self._bad_frame("invalid_field", "'id' must be a string.")
            return
        if self.conversation_id is None:
            await self._bad_frame("hello_required", "Send a 'hello' frame before sending messages.",
                                  client_id=client_id)
            return
        if "text" not in frame:
            await self._bad_frame("missing_field", "A message frame needs a 'text'.", client_id=client_id)
            return
        # Not stored when over a limit: the widget keeps it and sends it again after retry_after_s.
        if not await self._allowed(FRAME_LIMITS["message"], "You're sending messages very quickly; this one will be "
                                   "sent in a moment.", client_id=client_id):
            return
        try:
            accepted = await self.hub.turns.accept(
                Inbound(self.conversation_id, frame["text"], str(client_id), button_payload=frame.get("payload"))
            )
        except InvalidInput as exc:
            await self.error(exc.code, exc.message, client_id=client_id)
            return
        except UnknownConversation:
            await self.error("unknown_conversation", "This conversation no longer exists; send 'hello' again.",
                             client_id=client_id)
            return
        except Exception:  # noqa: BLE001 - e.g. database down: tell the client so it keeps and resends the message
            log.exception("could not store customer message", extra={"event": "store_failed",
                                                                      "conversation_id": self.conversation_id})
            await self.error("store_failed", "Sorry, we couldn't save your message. Please try again in a moment.",
                             client_id=client_id)
            return
        await self.send({"type": "ack", "id": client_id, "message_id": accepted.inbound.id,
                         "duplicate": accepted.duplicate})
        if not accepted.duplicate:
            limit = self.hub.settings.max_message_chars
            await self.hub.connections.push(self.conversation_id, to_wire(accepted.inbound, text_limit=limit),
                                            exclude=self)
        await self._queue.put(accepted)

    # -- answering ---------------------------------------------------------------------------
    async def _work(self) -> None:
        while True:
            accepted = await self._queue.get()
            if accepted is None:
                return
            try:
                await self._answer(accepted)
            except Exception:  # noqa: BLE001
                log.exception("failed to answer customer message",
                              extra={"event": "answer_failed", "conversation_id": accepted.conversation_id,
                                     "message_id": accepted.inbound.id})
                await self.error("internal_error", "Sorry, something went wrong while answering. "
                                 "Your message is saved; please try again in a moment.")

    async def _answer(self, accepted: Accepted) -> None:
        if accepted.duplicate:
            # A retry: this connection missed the answers, the others already have them.
            await self.hub.turns.answer(accepted.inbound, push=self._send_to_self)
            return
        await self.hub.turns.answer(accepted.inbound)  # receipts, typing and replies to every tab and channel

    async def _send_to_self(self, _conversation_id: str, frame: dict[str, Any]) -> None:
        if frame.get("type") != "typing":
            await self.send(frame)


FOREIGN_ORIGIN = 4403


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Pages of the sites the operator listed, and the hub's own pages, may open the widget's socket."""
    if not allowed or not origin:  # no list: any site; no Origin header: not a browser page
        return True
    if urlsplit(origin).netloc == host:
        return True
    return origin.rstrip("/").lower() in {site.lower() for site in allowed}


@router.websocket("/ws")
async def customer_socket(websocket: WebSocket) -> None:
    hub = get_hub(websocket)
    origin = websocket.headers.get("origin")
    if not origin_allowed(origin, websocket.headers.get("host"), hub.settings.widget_origins):
        log.warning("widget socket from a site that is not allowed", extra={"event": "ws_foreign_origin",
                                                                            "origin": origin[:200]})
        # Accept, then close with the code: a refused handshake reaches the page only as 1006, and the
        # widget must know not to retry.
        await websocket.accept()
        await websocket.close(code=FOREIGN_ORIGIN, reason="this site may not embed the widget")
        return
    await websocket.accept()
    limits = hub.limits
    ip, holder = limits.ip_of(websocket), limits.socket_holder()
    decision = await limits.open_socket(ip, holder)
    if not decision.allowed:
        await websocket.send_json(rate_limited_frame(decision, "Too many open chats from your network; "
                                                     "please try again in a moment."))
        await websocket.close(code=TRY_LATER, reason="too many sockets from this address")
        return
    keeper = asyncio.create_task(_keep_slot(hub, ip, holder), name="ws-slot")
    try:
        await CustomerSocket(websocket, hub, ip).run()
    finally:
        keeper.cancel()
        await asyncio.shield(limits.close_socket(ip, holder))


async def _keep_slot(hub: Hub, ip: str, holder: str) -> None:
    """Renew the socket's slot while it is open (a replica that dies leaves it for one lease at most)."""
    while True:
        await asyncio.sleep(SOCKET_LEASE_S / 3)
        try:
            await hub.limits.keep_socket(ip, holder)
        except Exception:  # noqa: BLE001 - a lost renewal only lets the count drop early
            log.exception("could not renew a socket slot", extra={"event": "limits_renew_failed"})
