"""The care hub: the ASGI app (``app``), its routes (``routes/``, thin: parse, call, serialise), the
widget's session tokens and the ``carebot hub`` command. The conversation itself (store, messages,
connections, the turn pipeline) lives in ``bot.conversations``; the features in their own packages.
"""
