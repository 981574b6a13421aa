"""A small real HTTP server standing in for Rasa (and the action server) in hub tests.

It speaks the parts of Rasa's REST channel the hub uses and can be told to misbehave:
``mode`` = "normal" | "error500" | "empty" | "not_json" | "not_list"; ``delay_s`` slows every webhook reply.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=1</script>"

GREETING_BUTTONS = [
    {"title": "Track my order", "payload": "/order_status"},
    {"title": "Start a return", "payload": "/return_request"},
    {"title": "Coffee Club", "payload": "/subscription_info"},
]


def canned_reply(sender: str, message: str) -> list[dict[str, Any]]:
    """What the stand-in bot says; deterministic so tests can assert on it."""
    lowered = message.lower()
    if message == "/order_status":
        return [{"recipient_id": sender, "text": "Sure! What's your order number? It looks like A1042."}]
    if message == "/request_human":  # what action_handoff sends
        return [{"recipient_id": sender, "custom": {"handoff": {"reason": "asked_for_person"}}}]
    if message.startswith("/"):
        return [{"recipient_id": sender, "text": f"(intent {message})"}]
    if lowered in ("bye", "goodbye", "bye!"):
        return [{"recipient_id": sender, "text": "Thanks for chatting. Have a lovely day!"}]
    if lowered in ("hi", "hello", "hey"):
        return [
            {"recipient_id": sender, "text": "Hi there! What can I help you with today?"},
            {"recipient_id": sender, "text": "Pick one, or just type your question.", "buttons": GREETING_BUTTONS},
        ]
    if "xss" in lowered:
        return [{"recipient_id": sender, "text": XSS_IMG}, {"recipient_id": sender, "text": XSS_SCRIPT}]
    if "picture" in lowered:
        return [{"recipient_id": sender, "text": "Here it is:", "image": "https://example.com/kettle.png"},
                {"recipient_id": sender, "image": "javascript:alert(1)"}]
    if "cards" in lowered:
        return [{"recipient_id": sender, "text": "Two kettles we have:", "custom": {"cards": [
            {"title": "Kettle Pro", "subtitle": "1.7 l, **$49**", "image": "https://example.com/kettle.png",
             "url": "https://example.com/kettle-pro",
             "buttons": [{"title": "Buy it", "payload": "/buy_kettle"},
                         {"title": "Specs", "url": "https://example.com/kettle-pro/specs"}]},
            {"title": XSS_IMG, "subtitle": XSS_SCRIPT, "url": "javascript:window.__xss=1",
             "image": "javascript:window.__xss=1",
             "buttons": [{"title": "Bad link", "url": "javascript:window.__xss=1"}]},
        ]}}]
    if "custom" in lowered:
        return [{"recipient_id": sender, "custom": {"card": {"title": "Kettle"}}}]
    if "options" in lowered:
        return [{"recipient_id": sender, "text": "I can help with orders, or:",
                 "buttons": [{"title": "More help", "payload": "/request_human"}]}]
    if "link" in lowered:
        return [{"recipient_id": sender, "text": "Track it here: https://www.ups.com/track?tracknum=1Z999."}]
    return [{"recipient_id": sender, "text": f"You said: {message}"}]


class RasaStub:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.events: dict[str, list[dict[str, Any]]] = {}  # tracker events the hub appended, per conversation
        self.triggered: list[tuple[str, str]] = []  # (conversation, intent) of trigger_intent calls
        self.trigger_entities: list[dict[str, Any]] = []  # the entities of each trigger_intent call, in order
        self.slots: dict[str, dict[str, Any]] = {}  # slots the stand-in tracker reports, per conversation
        self.active_loops: dict[str, str] = {}  # the form the stand-in tracker reports as active, per conversation
        self.gets: list[str] = []
        self.mode = "normal"
        self.delay_s = 0.0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def messages(self) -> list[str]:
        """The texts the hub forwarded to the bot, in order."""
        return [request["message"] for request in self.requests]

    def start(self) -> "RasaStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                stub.gets.append(self.path)
                if self.path == "/":
                    self._send(200, b"Hello from Rasa: 3.6.21 (stub)", "text/plain")
                elif self.path == "/health":
                    self._send(200, b'{"status": "ok"}')
                elif self.path.startswith("/conversations/") and "/tracker" in self.path:
                    sender = self.path.split("/")[2]
                    said = [r["message"] for r in stub.requests if r["sender"] == sender]
                    last = said[-1].lower() if said else ""
                    intent = ("nlu_fallback" if "gibberish" in last else
                              "goodbye" if last in ("bye", "goodbye", "bye!") else "order_status")
                    body = {"sender_id": sender, "slots": stub.slots.get(sender, {}),
                            "active_loop": {"name": stub.active_loops[sender]} if sender in stub.active_loops else {},
                            "latest_message": {"text": said[-1] if said else None,
                                               "intent": {"name": intent, "confidence": 0.91},
                                               "entities": [{"entity": "order_id", "value": "A1042",
                                                             "confidence_entity": 0.99}]}}
                    self._send(200, json.dumps(body).encode("utf-8"))
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path == "/model/parse":
                    text = json.loads(raw.decode("utf-8"))["text"]
                    intent = "double_charge" if "charged" in text.lower() else "request_human"
                    body = {"text": text, "intent": {"name": intent, "confidence": 0.88}, "entities": []}
                    self._send(200, json.dumps(body).encode("utf-8"))
                    return
                if self.path.startswith("/conversations/"):
                    sender, rest = self.path.split("/")[2], self.path.split("?")[0]
                    if stub.mode == "error500":
                        self._send(500, b'{"error": "boom"}')
                    elif rest.endswith("/tracker/events"):
                        stub.events.setdefault(sender, []).extend(json.loads(raw.decode("utf-8")))
                        self._send(200, b"{}")
                    elif rest.endswith("/trigger_intent"):
                        request = json.loads(raw.decode("utf-8"))
                        name = request["name"]
                        stub.triggered.append((sender, name))
                        stub.trigger_entities.append(request.get("entities") or {})
                        reply = {"tracker": {}, "messages": [{"recipient_id": sender, "text": f"Welcome back ({name})."}]}
                        self._send(200, json.dumps(reply).encode("utf-8"))
                    else:
                        self._send(404, b"{}")
                    return
                if self.path != "/webhooks/rest/webhook":
                    self._send(404, b"{}")
                    return
                body = json.loads(raw.decode("utf-8"))
                stub.requests.append(body)
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                if stub.mode == "error500":
                    self._send(500, b'{"error": "boom"}')
                elif stub.mode == "empty":
                    self._send(200, b"[]")
                elif stub.mode == "not_json":
                    self._send(200, b"<html>proxy error</html>", "text/html")
                elif stub.mode == "not_list":
                    self._send(200, b'{"text": "hi"}')
                else:
                    reply = canned_reply(body["sender"], body["message"])
                    self._send(200, json.dumps(reply, ensure_ascii=False).encode("utf-8"))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="rasa-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def closed_port_url() -> str:
    """A localhost URL nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def records(caplog: Any, event: str) -> list[logging.LogRecord]:
    """Log records carrying the structured field ``event``."""
    return [record for record in caplog.records if getattr(record, "event", None) == event]
