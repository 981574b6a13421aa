"""The hub's long-lived objects, created once per app in the lifespan and shared by the routes."""
from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from bot.hub.connections import Connections
from bot.hub.rasa_client import RasaClient
from bot.hub.router import Router
from bot.hub.store import Store
from bot.settings import Settings


@dataclass
class Hub:
    settings: Settings
    store: Store
    rasa: RasaClient
    router: Router
    connections: Connections


def get_hub(conn: HTTPConnection) -> Hub:
    """FastAPI dependency (works for HTTP requests and websockets)."""
    return conn.app.state.hub
