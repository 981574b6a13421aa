"""``create_app(settings)``: the care hub as an ASGI app (no module-level side effects)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import anyio
from fastapi import FastAPI

from bot.agents.directory import AgentDirectory
from bot.channels import open_channels

from bot.channels.settings import ChannelSettings
from bot.client_profile import load_client_profile
from bot.conversations.closure import Closures, load_client_id, load_idle_minutes
from bot.frustration.config import load_escalation_config
from bot.handoff.config import load_handoff_config
from bot.handoff.service import HandoffService
from bot.handoff.store import HandoffStore
from bot.hub import errors
from bot.conversations.agent_connections import AgentConnections
from bot.conversations.connections import Connections
from bot.conversations.rasa_client import RasaClient
from bot.conversations.receipts import Receipts
from bot.hub.router import Router
from bot.hub.routes import agent, agent_ws, conversations, health, static, supervisor, ws
from bot.hub.routes import channels as channel_routes
from bot.hub.routes import outreach as outreach_routes
from bot.kb.answers import AnswerLog
from bot.kpis.metrics import Kpis

from bot.outreach.app import open_outreach
from bot.qa.config import load_qa_config
from bot.qa.scorecards import Scorecards
from bot.hub.services import Hub
from bot.hub.session_tokens import SessionTokens, stored_key
from bot.conversations.store import Store, utcnow
from bot.db import prepare as prepare_database
from bot.settings import PROJECT_ROOT, Settings
from bot.surveys.config import load_survey_config
from bot.surveys.service import SurveyService
from bot.surveys.store import SurveyStore

log = logging.getLogger(__name__)

WIDGET_DIR = PROJECT_ROOT / "widget"


async def sweep_idle(closures: Closures) -> None:
    """Close idle conversations now and then (no survey: the customer has gone; docs/kpis.md)."""
    period_s = max(5.0, min(60.0, closures.idle.total_seconds() / 2))
    while True:
        await anyio.sleep(period_s)
        try:
            await anyio.to_thread.run_sync(closures.sweep, utcnow())
        except Exception:  # a database hiccup must not stop the sweeper for good
            log.exception("idle sweep failed", extra={"event": "idle_sweep_failed"})


def create_app(settings: Settings | None = None, *, widget_dir: Path | None = None,
               channel_settings: ChannelSettings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    channel_settings = channel_settings or ChannelSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(prepare_database, settings.hub_db_url, settings.db_upgrade)
        store = Store(settings.hub_db_url)
        directory = AgentDirectory(settings.hub_db_url)
        answers = await anyio.to_thread.run_sync(AnswerLog, settings.hub_db_url)
        rasa = RasaClient(settings.rasa_url, timeout_s=settings.rasa_timeout_s)
        router = Router(settings, store, rasa)
        connections, agents = Connections(), AgentConnections()
        receipts = Receipts(store, connections)
        router.surveys = SurveyService(SurveyStore(store), load_survey_config(settings.client_file))
        router.handoffs = HandoffService(
            store=store, handoffs=HandoffStore(store), rasa=rasa, customers=connections, agents=agents,
            directory=directory, answers=answers, escalation=load_escalation_config(settings.client_file),
            config=load_handoff_config(settings.client_file), client=load_client_profile(settings.client_file),
            crm_url=settings.crm_url, kb_index=settings.kb_index,
            text_limit=settings.max_message_chars, receipts=receipts, surveys=router.surveys,
        )
        receipts.tell_agents = router.handoffs.tell_agents
        closures = Closures(store, client=load_client_id(settings.client_file),
                            idle_minutes=load_idle_minutes(settings.client_file))
        router.closures = router.handoffs.closures = closures
        scorecards = Scorecards(store, load_qa_config(settings.client_file))
        closures.listeners.append(scorecards.on_closed)
        await anyio.to_thread.run_sync(router.handoffs.warm_up)
        key = settings.session_secret.encode() or await anyio.to_thread.run_sync(stored_key, store)
        sessions = SessionTokens(key, ttl_s=settings.session_ttl_days * 86400)
        app.state.hub = Hub(
            settings=settings,
            store=store,
            rasa=rasa,
            router=router,
            connections=connections,
            agents=agents,
            directory=directory,
            handoffs=router.handoffs,
            sessions=sessions,
            receipts=receipts,
            closures=closures,
            scorecards=scorecards,
            kpis=await anyio.to_thread.run_sync(Kpis, store),
        )
        app.state.hub.spawn(sweep_idle(closures), name="idle-sweeper")
        app.state.hub.channels = await open_channels(
            channel_settings, store=store, router=router, connections=connections, spawn=app.state.hub.spawn,
            crm_url=settings.crm_url, text_limit=settings.max_message_chars)
        app.state.hub.outreach = await open_outreach(settings, app.state.hub)
        log.info("hub started", extra={"event": "hub_started", "rasa_url": settings.rasa_url,
                                       "database": store.engine.url.render_as_string(hide_password=True)})
        try:
            yield
        finally:
            for task in [t for t in app.state.hub.background if t.get_name() == "idle-sweeper"]:
                task.cancel()
            await app.state.hub.outreach.stop()  # no new sends; a job mid-send is finished or its claim expires
            await app.state.hub.drain(timeout_s=settings.rasa_timeout_s + 5)
            await app.state.hub.channels.close()  # after the drain: answers produced meanwhile are in the outbox
            await rasa.aclose()
            answers.close()
            directory.close()
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
    app.include_router(agent.router)
    app.include_router(agent_ws.router)
    app.include_router(supervisor.router)
    app.include_router(channel_routes.router)
    app.include_router(outreach_routes.router)
    static_router, widget_files, console_files, dashboard_files = static.build(widget_dir or WIDGET_DIR)
    app.include_router(static_router)
    app.mount("/widget", widget_files, name="widget")
    app.mount("/console", console_files, name="console")
    app.mount("/dashboard", dashboard_files, name="dashboard")
    return app
