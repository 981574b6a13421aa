"""Frustration: how upset is the customer, and is it time for a person?

    signals.py     named cues a word model misses (capitals, "!!!", profanity, "third time", sarcasm, ...)
    words.py       hashed TF-IDF word / character n-gram logistic regression
    encoder.py     MiniLM with LoRA adapters on its top layers and a linear head
    text_model.py  the trained model file (data/model.npz): encoder and word model blended
    scorer.py      per-message score = model + signals; a conversation assessed turn by turn
    policy.py      pure escalation rules: escalate now?, tone level, the reasons that fired
    config.py      the thresholds: client.yml `escalation:` section
    goemotions.py  the vendored GoEmotions splits, grouped frustrated / not
    training.py    `carebot frustration train`
    commands.py    `carebot frustration score|train`

Nothing heavy is imported here: torch and the model load on first use.
"""
