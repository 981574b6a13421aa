"""A conversation's life beyond its messages: when it closes (closure.py)."""
