"""What every platform adapter shares: the inbound message, the outgoing API call, send errors,
and the small Markdown subset the bot writes (**bold**, [links](https://...), "- " lists) turned into
each platform's own format.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.conversations.store import AGENT, StoredMessage

TEXT_ONLY = ("Sorry, I can only read text messages here. Could you type your question?")

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BULLET = re.compile(r"^([ \t]*)[-*][ \t]+", re.MULTILINE)


@dataclass(frozen=True)
class ButtonRef:
    """A native button press: the hub message that offered the buttons, and which one (0-based)."""

    message_id: int
    index: int

    def encode(self) -> str:
        return f"{self.message_id}:{self.index}"

    @classmethod
    def decode(cls, value: Any) -> "ButtonRef | None":
        if not isinstance(value, str) or value.count(":") != 1:
            return None
        message_id, index = value.split(":")
        if not (message_id.isdigit() and index.isdigit()) or len(value) > 40:
            return None
        return cls(int(message_id), int(index))


@dataclass(frozen=True)
class Inbound:
    """One customer event from a platform, in the hub's terms."""

    channel: str
    address: str  # where answers go: Telegram chat id, WhatsApp phone (E.164), Slack "channel/user"
    message_id: str  # the platform's id: the hub's client_message_id, so a platform retry is no second message
    text: str | None  # None: nothing the hub can read (a sticker, a photo without caption...)
    button: ButtonRef | None = None  # a native button was pressed
    phone: str | None = None  # verified by the platform (identity hint)
    email: str | None = None  # verified by the platform (identity hint)
    name: str | None = None
    user_id: str | None = None  # the platform's user id (Slack: to read the verified e-mail)
    contact_shared: bool = False  # Telegram: the customer shared their own phone number
    callback_id: str | None = None  # Telegram: the callback query to acknowledge


@dataclass(frozen=True)
class ApiCall:
    """One request to a platform's send API (rendered first, so tests and retries see the same thing)."""

    method: str
    url: str
    json: dict[str, Any] | None = None
    form: list[tuple[str, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None


class SendError(Exception):
    """A platform refused or failed a send. ``retryable``: worth trying again later (5xx, 429, network)."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class WebhookError(Exception):
    """A webhook request to refuse: ``status`` 400 (malformed), 401 (unsigned) or 403 (bad signature)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def perform(http: httpx.AsyncClient, call: ApiCall, *, timeout_s: float = 15.0) -> httpx.Response:
    """Make the call; network trouble and 5xx / 429 are retryable, other 4xx are not."""
    headers, content = dict(call.headers), None
    if call.form is not None:  # a list of pairs keeps repeated fields and their order
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        content = urlencode(call.form).encode("utf-8")
    try:
        response = await http.request(call.method, call.url, json=call.json, content=content, headers=headers,
                                      auth=call.auth, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise SendError(f"network: {exc.__class__.__name__}", retryable=True) from exc
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise SendError(f"HTTP {response.status_code}: {response.text[:200]}", retryable=True)
    if response.status_code >= 400:
        raise SendError(f"HTTP {response.status_code}: {response.text[:200]}", retryable=False)
    return response


async def perform_json(http: httpx.AsyncClient, call: ApiCall, platform: str) -> Any:
    """``perform`` and the answer's JSON (a body that is not JSON is a retryable failure)."""
    response = await perform(http, call)
    try:
        return response.json()
    except ValueError:
        raise SendError(f"{platform} answered with a body that is not JSON", retryable=True) from None


# -- text -------------------------------------------------------------------------------------------
def _bullets(text: str) -> str:
    return _BULLET.sub(lambda m: f"{m.group(1)}• ", text)


def telegram_html(text: str) -> str:
    """Telegram ``parse_mode=HTML``: everything escaped first, then only our own tags added."""
    out = html.escape(_bullets(text), quote=False)
    out = _LINK.sub(lambda m: f'<a href="{m.group(2).replace(chr(34), "&quot;")}">{m.group(1)}</a>', out)
    return _BOLD.sub(r"<b>\1</b>", out)


def whatsapp_text(text: str) -> str:
    """WhatsApp formats *bold*; links are shown as their address (WhatsApp links them itself)."""
    out = _LINK.sub(lambda m: m.group(2) if m.group(1).strip() == m.group(2) else f"{m.group(1)} ({m.group(2)})",
                    _bullets(text))
    return _BOLD.sub(r"*\1*", out)


def slack_mrkdwn(text: str) -> str:
    """Slack mrkdwn: &, <, > escaped as Slack asks, then *bold* and <url|title> links."""
    out = _bullets(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", out)
    return _BOLD.sub(r"*\1*", out)


def plain_text(text: str) -> str:
    """No formatting at all (notification previews, Slack's fallback ``text``)."""
    out = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", _bullets(text))
    return _BOLD.sub(r"\1", out)


def speaker(message: StoredMessage) -> str | None:
    """The agent's name for agent messages (the customer should know a person is writing)."""
    if message.sender != AGENT:
        return None
    agent = message.payload.get("agent") if isinstance(message.payload.get("agent"), dict) else {}
    return str(agent.get("name") or "Agent")


def buttons_of(message: StoredMessage) -> list[dict[str, str]]:
    return [b for b in message.payload.get("buttons") or [] if isinstance(b, dict) and b.get("title")]


def rating_scale(buttons: list[dict[str, str]]) -> tuple[list[int], list[str]] | None:
    """A rating question (survey): consecutive whole-number titles plus other buttons ("Skip")."""
    numbers = [int(b["title"]) for b in buttons if b["title"].strip().isdigit()]
    others = [b["title"] for b in buttons if not b["title"].strip().isdigit()]
    if len(numbers) >= 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers))) and len(others) <= 2:
        return numbers, others
    return None


def numbered_options(buttons: list[dict[str, str]]) -> str:
    scale = rating_scale(buttons)
    if scale is not None:  # "1. 0", "2. 1"... would be a trap on a 0-10 scale: the number is the answer
        numbers, others = scale
        rest = "".join(f", or {title}" for title in others)
        return f"Reply with a number from {numbers[0]} to {numbers[-1]}{rest}."
    lines = [f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1)]
    return "Reply with a number:\n" + "\n".join(lines)


_NUMBER = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


def pick_option(text: str, buttons: list[dict[str, str]]) -> dict[str, str] | None:
    """The button a typed reply chooses: its exact title (any case), or its number ("2", "2.").

    On a rating scale (titles are the scores) only the title counts: "9" is the score 9."""
    wanted = " ".join((text or "").split()).casefold()
    titled = next((b for b in buttons if " ".join(b["title"].split()).casefold() == wanted), None) if wanted else None
    if titled is not None or rating_scale(buttons) is not None:
        return titled
    match = _NUMBER.match(text or "")
    if match:
        index = int(match.group(1)) - 1
        return buttons[index] if 0 <= index < len(buttons) else None
    return None
