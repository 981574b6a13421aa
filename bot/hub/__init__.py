"""The care hub: the one gateway between customers and the assistant.

Layers (each later feature plugs into one of them):

- ``store``       persistence (conversations, messages); SQLAlchemy 2, SQLite or PostgreSQL
- ``rasa_client`` the dialogue engine, reached over Rasa's REST channel
- ``router``      decides what happens to an inbound customer message (validation, storage, who answers)
- ``messages``    the JSON shapes sent to customers (REST and websocket)
- ``connections`` live websocket connections per conversation (push to customers)
- ``routes``      HTTP / websocket endpoints (thin: parse, call the router, serialise)
- ``app``         ``create_app(settings)`` wires everything together
"""
