"""A real local HTTP server standing in for the send APIs of Telegram, Twilio and Slack.

It records every request (method, path, query, headers, raw body, parsed JSON or form) and answers
as the platform documents it. ``fail(path_suffix, 500, 500)`` makes the next calls to that endpoint
fail with those statuses first; ``slack_users`` is what users.info returns.
"""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        return user, password


class PlatformStub:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.failures: dict[str, list[int]] = {}
        self.slack_users: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(500)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, path_suffix: str, *statuses: int) -> None:
        self.failures.setdefault(path_suffix, []).extend(statuses)

    def sent(self, path_suffix: str = "") -> list[Recorded]:
        """Requests that the stand-in accepted (2xx), to paths ending with ``path_suffix``."""
        return [r for r in self.requests if r.path.endswith(path_suffix) and r.status < 300]

    def wait_for(self, check: Callable[[], Any], timeout_s: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.02)
        raise AssertionError(f"timed out; requests so far: {[(r.path, r.status, r.body[:300]) for r in self.requests]}")

    def wait_sent(self, path_suffix: str, count: int = 1, timeout_s: float = 10.0) -> list[Recorded]:
        return self.wait_for(lambda: (found := self.sent(path_suffix)) and len(found) >= count and found, timeout_s)

    def _answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            for suffix, statuses in self.failures.items():
                if path.endswith(suffix) and statuses:
                    status = statuses.pop(0)
                    return status, {"ok": False, "error_code": status, "description": "stand-in failure"}
        message_id = next(self._ids)
        if "/bot" in path:  # Telegram: https://core.telegram.org/bots/api#making-requests
            if path.endswith("/answerCallbackQuery"):
                return 200, {"ok": True, "result": True}
            return 200, {"ok": True, "result": {"message_id": message_id, "date": int(time.time()),
                                                "chat": {"id": 0, "type": "private"}}}
        if path.endswith("/Messages.json"):  # Twilio Messages API: 201 Created with the message resource
            return 201, {"sid": f"SM{message_id:032d}", "status": "queued", "api_version": "2010-04-01"}
        if path.endswith("/chat.postMessage"):
            return 200, {"ok": True, "channel": "D0PNCRP9N", "ts": f"1700000000.{message_id:06d}"}
        if path.endswith("/users.info"):
            user = self.slack_users.get((query.get("user") or [""])[0])
            return (200, {"ok": True, "user": user}) if user else (200, {"ok": False, "error": "user_not_found"})
        return 404, {"ok": False, "error": "unknown_method"}

    def start(self) -> "PlatformStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                status, answer = stub._answer(parts.path, query)
                stub.requests.append(Recorded(self.command, parts.path, query,
                                              {k.lower(): v for k, v in self.headers.items()}, body, status))
                raw = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _handle

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client closing a kept-alive connection at shutdown is not a test failure

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name="platform-stub").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
