"""Slack (a Slack app the customer writes to in a direct message): Events API in, chat.postMessage out.

Requests are signed: ``X-Slack-Signature`` = "v0=" + hex(HMAC-SHA256(signing secret,
"v0:{X-Slack-Request-Timestamp}:{raw body}")); requests older than five minutes are refused (replays).
Buttons are Block Kit ``actions`` blocks; a press comes to the interactivity URL as a form field
``payload`` holding a ``block_actions`` JSON document. The button ``value`` is
"<hub message id>:<index>", read back from the stored message like Telegram's callback data.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl

import httpx

from bot.channels.base import (
    ApiCall,
    ButtonRef,
    Inbound,
    SendError,
    WebhookError,
    buttons_of,
    perform_json,
    plain_text,
    slack_mrkdwn,
    speaker,
)
from bot.channels.settings import SlackSettings
from bot.conversations.store import StoredMessage

NAME = "slack"
SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
MAX_AGE_S = 5 * 60
_RETRYABLE = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def _json(raw: str | bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise WebhookError(400, "invalid_json", f"The Slack {what} is not valid JSON.") from None
    if not isinstance(data, dict):
        raise WebhookError(400, "invalid_payload", f"The Slack {what} must be a JSON object.")
    return data


def _str(data: dict[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise WebhookError(400, "invalid_payload", f"Slack {what}: '{key}' is missing.")
    return value


class Slack:
    name = NAME
    native_buttons = True

    def __init__(self, settings: SlackSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.bot_token}"}

    # -- in ------------------------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes, url: str = "") -> None:
        given, timestamp = headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER)
        if not given or not timestamp:
            raise WebhookError(401, "missing_signature", f"The {SIGNATURE_HEADER} and {TIMESTAMP_HEADER} headers are required.")
        # ASCII digits only: "²" is a digit to isdigit() but not to int(), and so is a 5,000-digit number
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) \
                or abs(self.clock() - int(timestamp)) > MAX_AGE_S:
            raise WebhookError(403, "stale_request", "The request timestamp is more than five minutes away from now.")
        expected = slack_signature(self.settings.signing_secret, timestamp, body)
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            raise WebhookError(403, "invalid_signature", f"The {SIGNATURE_HEADER} header does not match.")

    def challenge(self, body: bytes) -> str | None:
        """The ``url_verification`` challenge to echo when Slack checks the Events URL."""
        data = _json(body, "event")
        if data.get("type") == "url_verification":
            return _str(data, "challenge", "url_verification")
        return None

    def parse(self, body: bytes, content_type: str = "") -> Inbound | None:
        """An Events API message, or (form body) an interactivity ``block_actions`` payload."""
        if "application/x-www-form-urlencoded" in content_type:
            return self._interaction(body)
        data = _json(body, "event")
        if data.get("type") != "event_callback":
            return None
        event = data.get("event")
        if not isinstance(event, dict):
            raise WebhookError(400, "invalid_payload", "Slack event_callback: 'event' is missing.")
        if event.get("type") not in ("message", "app_mention"):
            return None
        if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
            return None  # our own posts, edits, joins...: not a customer message (a file upload is one)
        channel, user = _str(event, "channel", "message"), _str(event, "user", "message")
        ts = _str(event, "ts", "message")
        text = event.get("text") if isinstance(event.get("text"), str) else ""
        if not text.strip() and event.get("files"):
            text = None
        return Inbound(channel=NAME, address=f"{channel}/{user}", message_id=f"{NAME}:{channel}:{ts}", text=text,
                       user_id=user)

    def _interaction(self, body: bytes) -> Inbound | None:
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise WebhookError(400, "invalid_form", "The Slack interaction is not a valid form body.") from None
        if "payload" not in fields:
            raise WebhookError(400, "invalid_payload", "Slack interaction: the form field 'payload' is missing.")
        payload = _json(fields["payload"], "interaction payload")
        if payload.get("type") != "block_actions":
            return None
        user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
        channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
        container = payload.get("container") if isinstance(payload.get("container"), dict) else {}
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            raise WebhookError(400, "invalid_payload", "Slack block_actions: 'actions' is missing.")
        user_id = _str(user, "id", "block_actions user")
        channel_id = channel.get("id") or container.get("channel_id")
        if not isinstance(channel_id, str) or not channel_id:
            raise WebhookError(400, "invalid_payload", "Slack block_actions: the channel is missing.")
        action = actions[0]
        when = action.get("action_ts") or payload.get("trigger_id")
        if not isinstance(when, str) or not when:
            raise WebhookError(400, "invalid_payload", "Slack block_actions: 'action_ts' is missing.")
        return Inbound(channel=NAME, address=f"{channel_id}/{user_id}", message_id=f"{NAME}:{channel_id}:action:{when}",
                       text="", button=ButtonRef.decode(action.get("value")), user_id=user_id)

    # -- out ------------------------------------------------------------------------------------------
    def render(self, address: str, message: StoredMessage) -> list[ApiCall]:
        channel = address.split("/", 1)[0]
        text = message.text or ""
        name = speaker(message)
        blocks: list[dict[str, Any]] = []
        if text.strip():
            body = slack_mrkdwn(text)
            if name:
                body = f"*{slack_mrkdwn(name)}*: {body}"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}})
        image = message.payload.get("image")
        if image:
            blocks.append({"type": "image", "image_url": image, "alt_text": plain_text(text)[:200] or "image"})
        buttons = buttons_of(message)
        if buttons:
            blocks.append({"type": "actions", "block_id": f"carebot_{message.id}", "elements": [
                {"type": "button", "action_id": f"carebot_button_{i}", "value": ButtonRef(message.id, i).encode(),
                 "text": {"type": "plain_text", "text": b["title"][:75]}} for i, b in enumerate(buttons)]})
        if not blocks:
            return []
        fallback = plain_text(text) or ("Image" if image else "Choose an option")
        if name:
            fallback = f"{name}: {fallback}"
        return [ApiCall("POST", f"{self.settings.api_url}/chat.postMessage", headers=self._auth,
                        json={"channel": channel, "text": fallback, "blocks": blocks})]

    def user_info(self, user_id: str) -> ApiCall:
        return ApiCall("GET", f"{self.settings.api_url}/users.info?user={user_id}", headers=self._auth)

    async def call(self, http: httpx.AsyncClient, call: ApiCall) -> dict[str, Any]:
        data = await perform_json(http, call, "Slack")
        if not isinstance(data, dict) or data.get("ok") is not True:
            error = data.get("error") if isinstance(data, dict) else None
            raise SendError(f"Slack refused: {error or data}", retryable=error in _RETRYABLE)
        return data

    async def verified_email(self, http: httpx.AsyncClient, user_id: str) -> str | None:
        """The user's e-mail from users.info (Slack confirms e-mail addresses when people join)."""
        data = await self.call(http, self.user_info(user_id))
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        if user.get("is_bot") or user.get("is_email_confirmed") is False:
            return None
        email = (user.get("profile") or {}).get("email")
        return email if isinstance(email, str) and "@" in email else None
