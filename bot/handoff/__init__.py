"""Warm handoff: scoring each customer turn, the queue of conversations waiting for a person,
the context package an agent sees before accepting, and hand-back to the bot (docs/handoff.md)."""
