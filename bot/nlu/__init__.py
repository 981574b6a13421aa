"""Custom Rasa NLU components (loaded by the Rasa environment, Python 3.10: keep them free of
imports from the rest of `bot`, which runs on 3.11)."""
