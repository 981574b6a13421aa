"""What the agent console shows of health details (issue 15, "minimum necessary"; bot/health.py).

A customer message keeps its health details as typed, marked at accept (``payload["health"]``). An
agent whose skills include the permission (client.yml ``privacy: health: permission:``, default
``health``) sees them; every other agent and supervisor sees "[health detail hidden]" in their
place: in the transcript, the summary, the queue's last message, the NLU and frustration rows and the
live message frames. Texts derived from a message (quotes, summaries) no longer have its offsets, so
the REST views hide the flagged phrases wherever they occur in the response (`scrub`).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import anyio

from bot.health import HealthConfig, hide_spans, scrub


async def _phrases(hub: Any, conversation_ids: Iterable[str]) -> set[str]:
    phrases: set[str] = set()
    for conversation_id in sorted(set(conversation_ids)):
        phrases |= await anyio.to_thread.run_sync(hub.store.health_phrases, conversation_id)
    return phrases


async def for_agent(hub: Any, agent: Any, conversation_id: str, value: Any) -> Any:
    """``value`` (a JSON response about one conversation) as ``agent`` may see it."""
    if hub.health.may_see(agent):
        return value
    return scrub(value, await _phrases(hub, [conversation_id]))


async def handoff_for_agent(hub: Any, agent: Any, handoff: dict[str, Any]) -> dict[str, Any]:
    """The API's ``Handoff`` shape (summary, last message) as ``agent`` may see it."""
    return await for_agent(hub, agent, handoff["conversation_id"], handoff)


async def queue_for_agent(hub: Any, agent: Any, view: dict[str, Any]) -> dict[str, Any]:
    """The queue view: each handoff scrubbed with its own conversation's phrases."""
    if hub.health.may_see(agent):
        return view
    out = dict(view)
    for key in ("queued", "mine", "live"):
        if key in view:
            out[key] = [await handoff_for_agent(hub, agent, item) for item in view[key]]
    return out


def console_frame(config: HealthConfig) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    """The live frames' view (bot.conversations.agent_connections.AgentConnections): a customer
    message frame carries its spans (``frame["health"]``); they are hidden for an agent without the
    permission and never sent on."""
    def view(agent: Any, frame: dict[str, Any]) -> dict[str, Any]:
        spans = frame.get("health")
        if spans is None:
            return frame
        frame = {k: v for k, v in frame.items() if k != "health"}
        if config.may_see(agent) or not isinstance(frame.get("message"), dict):
            return frame
        message = dict(frame["message"])
        text = message.get("text") or ""
        message["text"] = hide_spans(text, [s for s in spans if int(s[0]) < len(text)])
        return {**frame, "message": message}
    return view
