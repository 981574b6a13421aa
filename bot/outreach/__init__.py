"""Proactive outreach: campaigns (files in ``outreach/`` and the hub's API), jobs in the hub database,
consent and opt-out, quiet hours, frequency caps, and the scheduler that asks Rasa for the flow
(``trigger_intent``) so the customer can answer and the conversation goes on (docs/outreach.md)."""
