"""The real hub on a real port (uvicorn in a thread), so tests use real websockets and can restart it."""
from __future__ import annotations

import asyncio
import re
import threading
import time

import uvicorn

from bot.channels.settings import ChannelSettings
from bot.hub.app import create_app
from bot.runner.stack import client_file  # noqa: F401 (the tests import it from here)
from bot.hub.limits.rules import DEFAULT_RULES
from bot.settings import Settings

# Every abuse limit off (Settings.limits): for the fuzzers, which send far more frames than a person and
# test what the hub answers; tests/hub/test_hub_limits.py tests the limits.
NO_LIMITS = (*(f"{rule.name}=off" for rule in DEFAULT_RULES), "sockets_per_ip=off")
from tests.ports import free_port


class LiveHub:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "LiveHub":
        # As `carebot hub serve` does: the channels are configured by the environment.
        app = create_app(self.settings, channel_settings=ChannelSettings.from_env())
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", ws="websockets")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve()), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the hub did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """A clean shutdown, as a deploy or a crash-restart by the supervisor would do."""
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = None


def token_for(settings: Settings, conversation_id: str) -> str:
    """A valid widget session token for a conversation (what its welcome frame handed out)."""
    from bot.hub.session_tokens import SessionTokens, stored_key
    from bot.conversations.store import Store

    key = settings.session_secret.encode()
    if not key:
        store = Store(settings.hub_db_url)
        try:
            key = stored_key(store)
        finally:
            store.close()
    return SessionTokens(key, ttl_s=settings.session_ttl_days * 86400).issue(conversation_id)


CONVERSATION_PATH = re.compile(r"^/api/conversations/([^/]+)/")


def as_conversation_owner(client) -> None:  # a starlette TestClient
    """Requests to /api/conversations/{id}/... carry that conversation's token, as its owner's would,
    unless the test sets its own Authorization header (tests/hub/test_hub_api.py tests the token)."""
    def authorize(request) -> None:
        match = CONVERSATION_PATH.match(request.url.path)
        if match and "authorization" not in request.headers:
            token = client.app.state.hub.sessions.issue(match.group(1))
            request.headers["Authorization"] = f"Bearer {token}"

    client.event_hooks["request"].append(authorize)
