"""What the hub itself says to the customer about the handoff (the bot's own words live in domain.yml)."""
from __future__ import annotations

import math
from datetime import datetime

# Buttons the hub answers itself (never sent to Rasa): the customer's choice when nobody is online.
OPEN_TICKET = "/handoff_ticket"
KEEP_BOT = "/handoff_cancel"
CALLBACK = "/request_callback"  # Rasa's callback form
HUB_PAYLOADS = frozenset({OPEN_TICKET, KEEP_BOT})


def wait_phrase(wait_s: float | None) -> str:
    if wait_s is None:
        return ""
    if wait_s <= 60:
        return "less than a minute"
    minutes = math.ceil(wait_s / 60)
    return f"about {minutes} minutes" if minutes < 90 else f"about {math.ceil(minutes / 60)} hours"


def queued(position: int, wait_s: float | None) -> str:
    place = "You're next in line" if position == 1 else f"You're number {position} in the queue"
    wait = wait_phrase(wait_s)
    when = f" ({wait})" if wait else ""
    return (f"I'm connecting you with a member of our team. {place}{when}. They'll see everything we've "
            "talked about, so you won't have to repeat yourself.")


def agent_joined(name: str) -> str:
    return f"{name} joined the chat."


def transferred(skill: str | None, name: str | None) -> str:
    if name:
        return f"I'm passing you to {name}, who can help with this. They can see our conversation."
    team = {"billing": "billing", "technical": "technical support"}.get(skill or "", "customer care")
    return f"I'm passing you to our {team} team. They can see our conversation, so no need to start over."


def handed_back(name: str) -> str:
    return f"{name} handed the conversation back to the assistant."


def closed(name: str) -> str:
    return f"{name} closed the chat. Thanks for contacting us!"


def offline(next_open: datetime | None, open_now: bool) -> str:
    if open_now:
        reason = "All of our team are busy or away at the moment."
    else:
        reason = "Our team is offline right now."
    if next_open is not None:
        when = f"They'll answer by {next_open.strftime('%A')} {next_open.strftime('%I:%M %p').lstrip('0')}" \
               f" ({next_open.tzname()})."
    else:
        when = "They'll answer as soon as they are back."
    return (f"{reason} {when} I can open a ticket with everything we've discussed, or arrange a call "
            "back, so you won't have to explain it again.")


def ticket_opened(reference: str, next_open: datetime | None) -> str:
    when = (f"by {next_open.strftime('%A')} {next_open.strftime('%I:%M %p').lstrip('0')} ({next_open.tzname()})"
            if next_open is not None else "as soon as they're back")
    return (f"Done: ticket {reference} is open with our whole conversation attached. Our team will reply here "
            f"{when}. Meanwhile I'm still here if you need anything else.")


def ticket_pending(reference: str) -> str:
    return (f"Your ticket {reference} is open with our whole conversation attached; our team will reply here as "
            "soon as they're back. Meanwhile I'm happy to help with anything else.")


def keep_bot() -> str:
    return "No problem, I'm still here. What can I help you with?"


def ticket_reference(handoff_id: int) -> str:
    return f"H-{handoff_id:05d}"
