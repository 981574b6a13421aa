"""The conversation of record and one customer turn.

- ``store``             conversations and messages (SQLAlchemy 2, SQLite or PostgreSQL)
- ``messages``          the JSON shapes sent to customers (REST, websocket, channels)
- ``connections``       live customer sockets per conversation (and the channel outbox sink)
- ``agent_connections`` live agent sockets
- ``receipts``          read receipts both ways
- ``rasa_client``       the dialogue engine, reached over Rasa's REST channel
- ``closure``           when a conversation closes: the episodes KPIs and QA are computed on
"""
