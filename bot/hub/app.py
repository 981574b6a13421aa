"""``create_app(settings)``: the care hub as an ASGI app (no module-level side effects)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import anyio
from fastapi import FastAPI

from bot.hub import errors
from bot.hub.connections import Connections
from bot.hub.rasa_client import RasaClient
from bot.hub.router import Router
from bot.hub.routes import conversations, health, static, ws
from bot.hub.services import Hub
from bot.hub.store import Store
from bot.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

WIDGET_DIR = PROJECT_ROOT / "widget"


def create_app(settings: Settings | None = None, *, widget_dir: Path | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.hub_db_url)
        await anyio.to_thread.run_sync(store.create_schema)
        rasa = RasaClient(settings.rasa_url, timeout_s=settings.rasa_timeout_s)
        app.state.hub = Hub(
            settings=settings,
            store=store,
            rasa=rasa,
            router=Router(settings, store, rasa),
            connections=Connections(),
        )
        log.info("hub started", extra={"event": "hub_started", "rasa_url": settings.rasa_url,
                                       "database": store.engine.url.render_as_string(hide_password=True)})
        try:
            yield
        finally:
            await app.state.hub.drain(timeout_s=settings.rasa_timeout_s + 5)
            await rasa.aclose()
            store.close()
            log.info("hub stopped", extra={"event": "hub_stopped"})

    app = FastAPI(
        title="Carebot care hub",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(conversations.router)
    app.include_router(ws.router)
    static_router, widget_files = static.build(widget_dir or WIDGET_DIR)
    app.include_router(static_router)
    app.mount("/widget", widget_files, name="widget")
    return app
