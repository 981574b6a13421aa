"""``create_app(settings)``: the care hub as an ASGI app (no module-level side effects).

The objects it serves are built by the composition root, bot/hub/wiring.py, in the app's lifespan.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from fastapi import Depends, FastAPI

from bot.channels.settings import ChannelSettings
from bot.hub import errors, wiring
from bot.hub.limits.http import api_per_ip
from bot.hub.routes import agent, agent_ws, conversations, health, static, supervisor, ws
from bot.hub.routes import privacy as privacy_routes
from bot.hub.routes import channels as channel_routes
from bot.hub.routes import outreach as outreach_routes
from bot.hub.security_headers import SecurityHeaders
from bot.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

WIDGET_DIR = PROJECT_ROOT / "widget"


def create_app(settings: Settings, *, widget_dir: Path | None = None,
               channel_settings: ChannelSettings | None = None) -> FastAPI:
    """The hub for ``settings`` (the entry point reads the environment; channels default to none)."""
    channel_settings = channel_settings or ChannelSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = app.state.hub = await wiring.build(settings, channel_settings)
        log.info("hub started", extra={"event": "hub_started", "rasa_url": settings.rasa_url,
                                       "database": hub.store.engine.url.render_as_string(hide_password=True)})
        try:
            yield
        finally:
            await wiring.close(hub)
            log.info("hub stopped", extra={"event": "hub_stopped"})

    app = FastAPI(
        title="Carebot care hub",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        responses=errors.RESPONSES,
    )
    errors.install(app)
    app.add_middleware(SecurityHeaders)  # nosniff everywhere; CSP and no framing on the staff pages
    per_ip = [Depends(api_per_ip)]  # every /api/ route: the overall per-IP ceiling (bot/hub/limits)
    app.include_router(health.router)
    app.include_router(conversations.router, dependencies=per_ip)
    app.include_router(ws.router)
    app.include_router(agent.router, dependencies=per_ip)
    app.include_router(agent_ws.router)
    app.include_router(supervisor.router, dependencies=per_ip)
    app.include_router(privacy_routes.router, dependencies=per_ip)
    app.include_router(channel_routes.router)  # the platforms' webhooks: signed, and many from few addresses
    app.include_router(outreach_routes.router, dependencies=per_ip)
    static_router, widget_files, console_files, dashboard_files, staff_files = static.build(widget_dir or WIDGET_DIR)
    app.include_router(static_router)
    app.mount("/widget", widget_files, name="widget")
    app.mount("/console", console_files, name="console")
    app.mount("/dashboard", dashboard_files, name="dashboard")
    app.mount("/staff", staff_files, name="staff")  # ES modules shared by /console/ and /dashboard/
    return app
