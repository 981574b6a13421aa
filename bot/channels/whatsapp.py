"""WhatsApp through Twilio: incoming-message webhooks in, the Messages API out.

Webhook: in the Twilio console (Messaging > WhatsApp sender, or the Sandbox) set "When a message comes
in" to <public>/channels/whatsapp/webhook (HTTP POST). Every request carries ``X-Twilio-Signature``:
base64(HMAC-SHA1(auth token, full URL + every POST parameter name and value, sorted by name)).
The URL must be the one Twilio called, so behind a proxy set CAREBOT_PUBLIC_URL.

WhatsApp has no free-form buttons (only pre-approved templates), so buttons become a numbered list
and a reply of "2" (or the option's exact title) chooses the second option (bot/channels/service.py).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Mapping
from urllib.parse import parse_qsl

import httpx

from bot.channels.base import (
    ApiCall,
    Inbound,
    SendError,
    WebhookError,
    buttons_of,
    numbered_options,
    perform_json,
    speaker,
    whatsapp_text,
)
from bot.channels.settings import WhatsAppSettings
from bot.conversations.store import StoredMessage

NAME = "whatsapp"
SIGNATURE_HEADER = "X-Twilio-Signature"
BODY_LIMIT = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's request signature (https://www.twilio.com/docs/usage/security#validating-requests).

    Parameters sorted by name, then value; a repeated identical pair counts once (as Twilio's helpers do)."""
    data = url + "".join(key + value for key, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _form(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise WebhookError(400, "invalid_form", "The Twilio request is not a valid form body.") from None


class WhatsApp:
    name = NAME
    native_buttons = False

    def __init__(self, settings: WhatsAppSettings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    # -- in ------------------------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes, url: str = "") -> None:
        given = headers.get(SIGNATURE_HEADER)
        if not given:
            raise WebhookError(401, "missing_signature", f"The {SIGNATURE_HEADER} header is missing.")
        expected = twilio_signature(self.settings.auth_token, url, _form(body))
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            raise WebhookError(403, "invalid_signature", f"The {SIGNATURE_HEADER} header does not match.")

    def parse(self, body: bytes, content_type: str = "") -> Inbound | None:
        fields: dict[str, str] = {}
        for key, value in _form(body):
            fields.setdefault(key, value)
        if "Body" not in fields and "MessageStatus" in fields:
            return None  # a delivery status callback (sent, delivered, read), not a customer message
        if fields.get("From") == self.settings.sender:
            return None  # our own number
        missing = [k for k in ("From", "MessageSid") if not fields.get(k)]
        if missing:
            raise WebhookError(400, "invalid_message", f"Twilio message: {', '.join(missing)} missing.")
        sender = fields["From"]
        phone = sender.removeprefix("whatsapp:")
        if not phone.startswith("+") or not phone[1:].isdigit():
            raise WebhookError(400, "invalid_message", "Twilio message: 'From' is not a whatsapp:+<number> address.")
        media = fields.get("NumMedia", "0")
        text: str | None = fields.get("Body", "")
        if not text.strip() and media.isascii() and media.isdigit() and media.strip("0"):  # a count above 0
            text = None  # a photo, voice note, location...: nothing to read
        elif not text.strip() and fields.get("Latitude"):
            text = None
        # WhatsApp itself verified the number: it is an identity hint the CRM can be asked about.
        return Inbound(channel=NAME, address=phone, message_id=f"{NAME}:{fields['MessageSid']}", text=text,
                       phone=phone, name=fields.get("ProfileName") or None, user_id=fields.get("WaId") or None)

    # -- out ------------------------------------------------------------------------------------------
    def render(self, address: str, message: StoredMessage) -> list[ApiCall]:
        body = whatsapp_text(message.text or "")
        name = speaker(message)
        if name and body:
            body = f"*{name}*: {body}"
        buttons = buttons_of(message)
        if buttons:
            body = (body + "\n\n" if body else "") + numbered_options(buttons)
        form = [("From", self.settings.sender), ("To", f"whatsapp:{address}")]
        if body:
            form.append(("Body", body[:BODY_LIMIT]))
        if message.payload.get("image"):
            form.append(("MediaUrl", message.payload["image"]))
        if len(form) == 2:
            return []
        url = f"{self.settings.api_url}/2010-04-01/Accounts/{self.settings.account_sid}/Messages.json"
        return [ApiCall("POST", url, form=form, auth=(self.settings.account_sid, self.settings.auth_token))]

    async def call(self, http: httpx.AsyncClient, call: ApiCall) -> dict[str, Any]:
        data = await perform_json(http, call, "Twilio")
        if not isinstance(data, dict) or not data.get("sid"):
            raise SendError(f"Twilio answered without a message sid: {str(data)[:200]}", retryable=False)
        return data
