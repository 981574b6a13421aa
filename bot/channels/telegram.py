"""Telegram Bot API: webhook updates in, sendMessage / sendPhoto out, inline keyboards for buttons.

Webhook: set with ``setWebhook(url=<public>/channels/telegram/webhook, secret_token=...)``; Telegram
then sends the secret in ``X-Telegram-Bot-Api-Secret-Token`` on every update (compared constant-time).
Button presses arrive as ``callback_query`` updates; ``callback_data`` (at most 64 bytes) carries
"<hub message id>:<button index>", and the payload is read back from the stored message, so a
forged callback can only choose among the buttons the hub really offered.
"""
from __future__ import annotations

import hmac
import html
import json
from typing import Any, Mapping

import httpx

from bot.channels.base import (
    ApiCall,
    ButtonRef,
    Inbound,
    SendError,
    WebhookError,
    buttons_of,
    perform_json,
    rating_scale,
    speaker,
    telegram_html,
)
from bot.channels.settings import TelegramSettings
from bot.conversations.store import StoredMessage

NAME = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096


def _int(value: Any, what: str) -> int:
    # Telegram's ids fit in 64 bits; a longer number would not fit the columns that keep them
    if isinstance(value, bool) or not isinstance(value, int) or not -2**63 <= value < 2**63:
        raise WebhookError(400, "invalid_update", f"Telegram update: {what} must be an integer.")
    return value


def keyboard(message_id: int, buttons: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """One button a row; a rating question's scores side by side (at most 6 a row), then "Skip"."""
    keys = [{"text": b["title"][:64], "callback_data": ButtonRef(message_id, i).encode()} for i, b in enumerate(buttons)]
    if rating_scale(buttons) is None:
        return [[key] for key in keys]
    scores = [key for key, b in zip(keys, buttons) if b["title"].strip().isdigit()]
    rows = -(-len(scores) // 6)
    per_row = -(-len(scores) // rows)
    return [scores[i:i + per_row] for i in range(0, len(scores), per_row)] + [
        [key] for key, b in zip(keys, buttons) if not b["title"].strip().isdigit()]


class Telegram:
    name = NAME
    native_buttons = True

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    @property
    def _base(self) -> str:
        return f"{self.settings.api_url}/bot{self.settings.bot_token}"

    # -- in ------------------------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes, url: str = "") -> None:
        given = headers.get(SECRET_HEADER)
        if not given:
            raise WebhookError(401, "missing_signature", f"The {SECRET_HEADER} header is missing.")
        if not hmac.compare_digest(given.encode("utf-8"), self.settings.secret_token.encode("utf-8")):
            raise WebhookError(403, "invalid_signature", f"The {SECRET_HEADER} header does not match.")

    def parse(self, body: bytes, content_type: str = "") -> Inbound | None:
        """The update as an ``Inbound``; None for updates the hub does not handle (edits, member changes)."""
        try:
            update = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested thousands deep
            raise WebhookError(400, "invalid_json", "The Telegram update is not valid JSON.") from None
        if not isinstance(update, dict):
            raise WebhookError(400, "invalid_update", "A Telegram update must be a JSON object.")
        _int(update.get("update_id"), "update_id")
        query = update.get("callback_query")
        if query is not None:
            return self._callback(query)
        message = update.get("message")
        if message is None:
            return None
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            raise WebhookError(400, "invalid_update", "Telegram message: 'chat' is missing.")
        chat_id = _int(message["chat"].get("id"), "message.chat.id")
        message_id = _int(message.get("message_id"), "message.message_id")
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        text = message.get("text") if isinstance(message.get("text"), str) else message.get("caption")
        contact = message.get("contact") if isinstance(message.get("contact"), dict) else None
        # A contact is only the customer's own, verified number when Telegram says it belongs to the sender.
        own = contact is not None and sender.get("id") is not None and contact.get("user_id") == sender.get("id")
        return Inbound(
            channel=NAME, address=str(chat_id), message_id=f"{NAME}:{chat_id}:{message_id}",
            text=text if isinstance(text, str) else None,
            phone=str(contact.get("phone_number")) if own and contact.get("phone_number") else None,
            contact_shared=own,
            name=" ".join(str(sender[k]) for k in ("first_name", "last_name") if sender.get(k)) or None,
            user_id=str(sender["id"]) if sender.get("id") is not None else None,
        )

    def _callback(self, query: Any) -> Inbound:
        if not isinstance(query, dict) or not isinstance(query.get("id"), str):
            raise WebhookError(400, "invalid_update", "Telegram callback_query: 'id' is missing.")
        sender = query.get("from") if isinstance(query.get("from"), dict) else {}
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        chat_id = chat.get("id", sender.get("id"))
        _int(chat_id, "callback_query.message.chat.id")
        return Inbound(channel=NAME, address=str(chat_id), message_id=f"{NAME}:callback:{query['id']}", text="",
                       button=ButtonRef.decode(query.get("data")), callback_id=query["id"],
                       user_id=str(sender["id"]) if sender.get("id") is not None else None)

    # -- out ------------------------------------------------------------------------------------------
    def render(self, address: str, message: StoredMessage) -> list[ApiCall]:
        chat_id: int | str = int(address) if address.lstrip("-").isdigit() else address
        body = telegram_html(message.text or "")
        name = speaker(message)
        if name and body:
            body = f"<b>{html.escape(name, quote=False)}</b>\n{body}"
        buttons = buttons_of(message)
        markup = {"inline_keyboard": keyboard(message.id, buttons)} if buttons else None
        calls: list[ApiCall] = []
        image = message.payload.get("image")
        if image:
            photo: dict[str, Any] = {"chat_id": chat_id, "photo": image}
            if body and len(body) <= CAPTION_LIMIT:
                photo.update(caption=body, parse_mode="HTML")
                body = ""
                if markup:
                    photo["reply_markup"], markup = markup, None
            calls.append(ApiCall("POST", f"{self._base}/sendPhoto", json=photo))
        if body:
            send: dict[str, Any] = {"chat_id": chat_id, "text": body[:TEXT_LIMIT], "parse_mode": "HTML"}
            if markup:
                send["reply_markup"] = markup
            calls.append(ApiCall("POST", f"{self._base}/sendMessage", json=send))
        return calls

    def typing(self, address: str) -> ApiCall:
        """"typing…" under the chat title for about five seconds (the bot or an agent is writing)."""
        chat_id: int | str = int(address) if address.lstrip("-").isdigit() else address
        return ApiCall("POST", f"{self._base}/sendChatAction", json={"chat_id": chat_id, "action": "typing"})

    def answer_callback(self, callback_id: str) -> ApiCall:
        """Stops the spinner on the pressed button (Telegram asks for it within seconds)."""
        return ApiCall("POST", f"{self._base}/answerCallbackQuery", json={"callback_query_id": callback_id})

    async def call(self, http: httpx.AsyncClient, call: ApiCall) -> dict[str, Any]:
        data = await perform_json(http, call, "Telegram")
        if not isinstance(data, dict) or data.get("ok") is not True:
            description = data.get("description") if isinstance(data, dict) else None
            raise SendError(f"Telegram refused: {description or data}", retryable=False)
        return data
