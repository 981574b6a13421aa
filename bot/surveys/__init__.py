"""Satisfaction surveys at the end of a chat (CSAT now; CES and NPS share the same shape)."""
