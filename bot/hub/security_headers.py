"""Security headers on every HTTP response of the hub (issue 15, docs/privacy.md).

Everywhere: ``X-Content-Type-Options: nosniff`` and a referrer policy that never sends a path to another
site. On the staff pages (the agent console, the dashboard and their shared modules), which show
customers' conversations: a Content-Security-Policy that allows only the hub's own scripts and
connections and forbids framing (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older
browsers). The widget and the demo page are left without one: the widget runs inside the client's own
pages, under the client's policy.

A plain ASGI middleware: websockets pass through untouched.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

STAFF_PREFIXES = ("/console", "/dashboard", "/staff")
STAFF_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
             "frame-ancestors 'none'")
EVERYWHERE = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"))
STAFF = ((b"content-security-policy", STAFF_CSP.encode()), (b"x-frame-options", b"DENY"))

Scope = dict[str, Any]
Message = dict[str, Any]


class SecurityHeaders:
    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path") or ""
        extra = EVERYWHERE + (STAFF if path.startswith(STAFF_PREFIXES) else ())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers") or []}
                message["headers"] = [*(message.get("headers") or []),
                                      *((name, value) for name, value in extra if name not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
