"""Which team a conversation needs, from what the customer asked for (the intents NLU saw)."""
from __future__ import annotations

from typing import Iterable

SKILLS = ("billing", "technical", "general")

_BY_INTENT = {
    "billing": ("billing_question", "double_charge", "billing_dispute", "payment_methods", "update_payment_method",
                "request_invoice", "refund_status", "subscription_pause", "subscription_cancel",
                "subscription_change_plan", "subscription_info", "promo_code_problem"),
    "technical": ("technical_issue", "account_login_problem", "password_reset", "warranty_claim", "item_damaged"),
}
SKILL_FOR_INTENT = {intent: skill for skill, intents in _BY_INTENT.items() for intent in intents}

# Intents that say nothing about the topic ("yes", "hi", asking for a person ...).
NEUTRAL_INTENTS = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "inform",
                             "chitchat_how_are_you", "chitchat_joke", "out_of_scope", "nlu_fallback",
                             "request_human", "complaint", "give_feedback", "request_callback", "handoff_returned"})


def topic_intents(intents: Iterable[str | None]) -> list[str]:
    """The intents that name a topic, oldest first."""
    return [i for i in intents if i and i not in NEUTRAL_INTENTS]


def skill_for(intents: Iterable[str | None]) -> str:
    """The skill of the most recent topical intent; "general" when there is none."""
    topical = topic_intents(intents)
    return SKILL_FOR_INTENT.get(topical[-1], "general") if topical else "general"
