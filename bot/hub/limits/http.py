"""The limits on REST routes: 429 ``rate_limited`` with ``Retry-After`` (whole seconds) over a limit."""
from __future__ import annotations

import math
from typing import Iterable

from starlette.requests import Request

from bot.hub.errors import ApiError
from bot.hub.limits.counters import Decision
from bot.hub.services import get_hub


def retry_after(decision: Decision) -> int:
    return max(1, math.ceil(decision.retry_after_s))


def in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def too_many(decision: Decision, message: str = "Too many requests", code: str = "rate_limited") -> ApiError:
    wait = retry_after(decision)
    return ApiError(429, code, f"{message}; please try again in {in_words(wait)}.",
                    headers={"Retry-After": str(wait)})


async def enforce(request: Request, names: Iterable[str], *, conversation: str | None = None,
                  message: str = "Too many requests") -> None:
    limits = get_hub(request).limits
    decision = await limits.take(names, ip=limits.ip_of(request), conversation=conversation)
    if not decision.allowed:
        raise too_many(decision, message)


async def api_per_ip(request: Request) -> None:
    """Dependency of every /api/ router: the overall per-IP ceiling."""
    await enforce(request, ("api_per_ip",), message="Too many requests from your network")
