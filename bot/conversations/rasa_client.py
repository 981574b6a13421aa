"""Talks to Rasa's REST channel (``POST /webhooks/rest/webhook``)."""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"


class RasaFailure(Exception):
    """Base class: the bot could not produce an answer."""

    kind = "rasa_failure"

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class RasaUnavailable(RasaFailure):
    """Rasa could not be reached in time (connection refused, DNS, timeout)."""

    kind = "rasa_unavailable"


class RasaError(RasaFailure):
    """Rasa answered, but with an error status or a body that is not a list of messages."""

    kind = "rasa_error"


class RasaClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        client: httpx.AsyncClient | None = None,
        token: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        # Rasa's HTTP API (rasa run --auth-token) wants it as the `token` query parameter; the REST
        # channel's webhook does not take it (Rasa listens on 127.0.0.1 only: docs/privacy.md).
        self._params = {"token": token} if token else {}
        self._own_client = client is None
        # trust_env=False: Rasa is an internal service; never route it through an HTTP(S)_PROXY.
        self._client = client or httpx.AsyncClient(trust_env=False)

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Send one customer turn; returns Rasa's raw reply list (possibly empty)."""
        url = self.base_url + WEBHOOK_PATH
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        try:
            response = await self._client.post(url, json=body, timeout=self.timeout_s)
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(f"Rasa did not answer within {self.timeout_s:g}s") from exc
        except httpx.TransportError as exc:
            raise RasaUnavailable(f"cannot reach Rasa at {self.base_url}: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise RasaError(f"Rasa answered HTTP {response.status_code}", status_code=response.status_code)
        try:
            data = response.json()
        except ValueError as exc:
            raise RasaError("Rasa answered with a body that is not JSON", status_code=response.status_code) from exc
        if not isinstance(data, list):
            raise RasaError("Rasa answered with JSON that is not a list", status_code=response.status_code)
        return [item for item in data if isinstance(item, dict)]

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        """One call to Rasa's HTTP API (enabled with --enable-api); RasaFailure on any problem."""
        url = self.base_url + path
        try:
            response = await self._client.request(method, url, json=body, params=self._params, timeout=self.timeout_s)
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(f"Rasa did not answer within {self.timeout_s:g}s") from exc
        except httpx.TransportError as exc:
            raise RasaUnavailable(f"cannot reach Rasa at {self.base_url}: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise RasaError(f"Rasa answered HTTP {response.status_code} to {method} {path.split('?')[0]}",
                            status_code=response.status_code)
        try:
            return response.json()
        except ValueError as exc:
            raise RasaError("Rasa answered with a body that is not JSON", status_code=response.status_code) from exc

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's current state without its events: slots and the latest parsed message."""
        data = await self._call("GET", f"/conversations/{quote(sender, safe='')}/tracker?include_events=NONE")
        if not isinstance(data, dict):
            raise RasaError("Rasa's tracker is not a JSON object")
        return data

    async def add_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events (slots, bot utterances) to the tracker, e.g. what a human agent said."""
        await self._call("POST", f"/conversations/{quote(sender, safe='')}/tracker/events?include_events=NONE", events)

    async def parse(self, text: str) -> dict[str, Any]:
        """What the NLU makes of a text (intent, entities), without touching any conversation."""
        data = await self._call("POST", "/model/parse", {"text": text})
        if not isinstance(data, dict):
            raise RasaError("Rasa's parse answer is not a JSON object")
        return data

    async def trigger_intent(self, sender: str, intent: str, entities: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run the bot as if the customer had said ``intent``; returns the bot's messages."""
        data = await self._call("POST", f"/conversations/{quote(sender, safe='')}/trigger_intent?include_events=NONE",
                                {"name": intent, "entities": entities or {}})
        messages = data.get("messages") if isinstance(data, dict) else None
        if not isinstance(messages, list):
            raise RasaError("Rasa's trigger_intent answer has no message list")
        return [item for item in messages if isinstance(item, dict)]

    async def probe(self, url: str, *, timeout_s: float = 2.0) -> bool:
        """True when ``url`` answers a GET with a non-5xx status within ``timeout_s``."""
        try:
            response = await self._client.get(url, timeout=timeout_s)
        except httpx.HTTPError:
            return False
        return response.status_code < 500
