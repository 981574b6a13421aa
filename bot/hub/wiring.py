"""The composition root: the one place that builds the hub's objects and orders a customer turn.

`build(settings, channel_settings)` opens the database once, reads the client file, builds the stores,
the services and the turn pipeline (steps in order, amenders, after-turn subscribers), and returns
the `Hub` the routes use. Library code receives what it needs from here; nothing below reads the
environment or opens its own engine. docs/architecture.md draws the turn.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

import anyio

from bot.agents.directory import KNOWN_SKILLS, AgentDirectory
from bot.channels import Channels, open_delivery
from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore
from bot.client_file import ClientFileError, read_client_file
from bot.client_profile import profile_from_dict
from bot.conversations.accept import Acceptor
from bot.conversations.agent_connections import AgentConnections
from bot.conversations.bot_step import BotStep, UnreadableStep
from bot.conversations.closure import Closures, client_id_of, idle_minutes_of
from bot.conversations.connections import Connections
from bot.conversations.rasa_client import RasaClient
from bot.conversations.receipts import Receipts
from bot.conversations.store import Store, utcnow
from bot.conversations.turns import Pipeline, TurnAnswerer, Turns
from bot.db import PersonalTable, make_engine
from bot.db import prepare as prepare_database
from bot.frustration.config import escalation_config_from_dict
from bot.handoff import steps as handoff_steps
from bot.handoff.config import handoff_config_from_dict
from bot.handoff.agent_actions import AgentActions
from bot.handoff.context import HandoffContext
from bot.handoff.escalation import Escalation
from bot.handoff.queue_views import QueueViews
from bot.handoff.store import HandoffStore
from bot.health import HealthConfig, HealthDetector
from bot.hub.health_view import console_frame
from bot.hub.limits import open_limits
from bot.hub.services import Background, HandoffUnits, Hub
from bot.hub.session_tokens import SessionTokens, stored_key
from bot.kb.answers import AnswerLog
from bot.kpis.metrics import Kpis
from bot.outreach import steps as outreach_steps
from bot.outreach.app import build_service as build_outreach
from bot.privacy.audit import AuditLog
from bot.privacy.notice import PrivacyNotice
from bot.privacy.records import Records
from bot.privacy.service import PrivacyService, retention_days_of
from bot.privacy.trackers import RasaTrackers
from bot.qa.config import qa_config_from_client
from bot.qa.scorecards import Scorecards
from bot.redaction import PrivacyConfig, Redactor
from bot.settings import Settings
from bot.surveys import steps as survey_steps
from bot.surveys.config import survey_config_from_dict
from bot.surveys.service import SurveyService
from bot.surveys.store import SurveyStore

log = logging.getLogger(__name__)


def redactor_from_client(client: Mapping[str, Any], path: Any) -> Redactor:
    """The redaction of client.yml `privacy:` (every category on when the section is missing)."""
    try:
        return Redactor(PrivacyConfig.from_mapping(client.get("privacy")))
    except ValueError as exc:
        raise ClientFileError(f"client file {path}: {exc}") from None


def personal_tables() -> list[PersonalTable]:
    """Every table of the hub database that holds a customer's words or identity, children before their
    parents (the order erasure deletes in); each declared by the module that owns the table."""
    from bot.channels.store import PERSONAL_BINDINGS, PERSONAL_CUSTOMER_LINKS, PERSONAL_OUTBOX
    from bot.conversations.closure import PERSONAL_CLOSURES
    from bot.conversations.store import PERSONAL_CONVERSATIONS, PERSONAL_MESSAGES
    from bot.handoff.store import PERSONAL_HANDOFF_EVENTS, PERSONAL_HANDOFFS, PERSONAL_TURNS
    from bot.kb.answers import PERSONAL_KB_ANSWERS
    from bot.outreach.store import PERSONAL_OUTREACH_JOBS
    from bot.qa.scorecards import PERSONAL_REVIEWS, PERSONAL_SCORECARDS
    from bot.surveys.store import PERSONAL_SURVEYS

    return [PERSONAL_OUTBOX, PERSONAL_TURNS, PERSONAL_HANDOFF_EVENTS, PERSONAL_HANDOFFS, PERSONAL_SURVEYS,
            PERSONAL_REVIEWS, PERSONAL_SCORECARDS, PERSONAL_CLOSURES, PERSONAL_KB_ANSWERS, PERSONAL_OUTREACH_JOBS,
            PERSONAL_BINDINGS, PERSONAL_CUSTOMER_LINKS, PERSONAL_MESSAGES, PERSONAL_CONVERSATIONS]


def privacy_service(settings: Settings, store: Store, *, crm: Any, client: Mapping[str, Any]) -> PrivacyService:
    """Export, erasure and the purge over the hub database, Rasa's tracker store and the CRM."""
    try:
        retention = retention_days_of(client)
    except ValueError as exc:
        raise ClientFileError(f"client file {settings.client_file}: {exc}") from None
    return PrivacyService(store=store, records=Records(store.engine, personal_tables()),
                          audit=AuditLog(store.engine, (settings.privacy_key or "carebot-test").encode()),
                          trackers=RasaTrackers(settings.rasa_tracker_url), crm=crm, retention_days=retention)


def health_from_client(client: Mapping[str, Any], path: Any) -> HealthConfig:
    """client.yml `privacy: health:` (flagged, permission `health`, when the section is missing)."""
    try:
        config = HealthConfig.from_client(client)
    except ValueError as exc:
        raise ClientFileError(f"client file {path}: {exc}") from None
    if config.permission not in KNOWN_SKILLS:
        raise ClientFileError(f"client file {path}: privacy: health: permission must be an agent skill, one of "
                              f"{', '.join(KNOWN_SKILLS)} (got {config.permission!r})")
    return config


def turn_pipeline(*, surveys: SurveyService, outreach, escalation: Escalation, closures: Closures, store: Store,
                  rasa: RasaClient, text_limit: int) -> Pipeline:
    """The order of a customer turn: the first step that claims a message and answers it wins."""
    return Pipeline(
        steps=[
            survey_steps.SurveyAnswer(surveys),  # the hub's own question, whoever is talking
            outreach_steps.ConsentKeyword(outreach),  # STOP / START on every channel, whoever is talking
            survey_steps.SurveyComment(surveys, store),  # the answer to the survey's "anything to add?"
            handoff_steps.PersonOwnsChat(escalation),  # a person answers: the bot stays silent
            handoff_steps.HubButtons(escalation),  # open a ticket / keep talking to the bot
            UnreadableStep(text_limit),  # empty or too long: the hub says why
            handoff_steps.EscalationCheck(escalation),  # frustration and policy: hand over now, or set the tone
            BotStep(rasa),  # ask the bot
        ],
        amenders=[handoff_steps.BotHandover(escalation),  # the bot asked for a person
                  PrivacyNotice(store)],  # something typed was hidden: say so, once
        after_turn=[handoff_steps.TurnAnalysis(escalation), survey_steps.GoodbyeSurvey(surveys, closures)],
    )


async def build(settings: Settings, channel_settings: ChannelSettings) -> Hub:
    """Everything the hub runs, built once in its lifespan (`Hub.close` releases it)."""
    client = read_client_file(settings.client_file)  # parsed once; each feature gets its section
    limits = await open_limits(settings)  # first: a wrong CAREBOT_LIMITS stops the start before anything opens
    engine = make_engine(settings.hub_db_url, keys=settings.data_keys)  # the one engine of the hub database; every store shares it
    # Migrate when asked (CAREBOT_DB_UPGRADE); otherwise refuse to run on an older schema (docs/database.md).
    await anyio.to_thread.run_sync(prepare_database, engine, settings.db_upgrade)
    store, directory, answers = Store(engine), AgentDirectory(engine), AnswerLog(engine)
    rasa = RasaClient(settings.rasa_url, timeout_s=settings.rasa_timeout_s, token=settings.rasa_token)

    channel_store = ChannelStore(store)
    delivery = open_delivery(channel_settings, channel_store)
    health = health_from_client(client, settings.client_file)
    connections, agents = Connections(sink=delivery.sink), AgentConnections(view=console_frame(health))
    surveys = SurveyService(SurveyStore(store), survey_config_from_dict(client.get("surveys")))
    handoff_store = HandoffStore(store)
    scorecards = Scorecards(store, qa_config_from_client(client))
    closures = Closures(store, client=client_id_of(client), idle_minutes=idle_minutes_of(client),
                        handoffs=handoff_store, listeners=[scorecards.on_closed])
    crm = open_crm_once(settings.crm_url)
    # The handoff (docs/handoff.md, "Code"): the queue first, since the other units tell it what changed.
    handoff_config, text_limit = handoff_config_from_dict(client.get("handoff")), settings.max_message_chars
    redactor = redactor_from_client(client, settings.client_file)
    queue = QueueViews(store=store, handoffs=handoff_store, customers=connections, agents=agents,
                       directory=directory, answers=answers, config=handoff_config)
    receipts = Receipts(store, connections, tell_agents=queue.tell_agents)
    handoffs = HandoffUnits(
        escalation=Escalation(store=store, handoffs=handoff_store, rasa=rasa, queue=queue, answers=answers,
                              policy=escalation_config_from_dict(client.get("escalation")), config=handoff_config,
                              client=profile_from_dict(dict(client)), crm=crm,
                              on_customer=channel_store.link_customer_of, text_limit=text_limit),
        agents=AgentActions(store=store, handoffs=handoff_store, rasa=rasa, customers=connections, agents=agents,
                            directory=directory, queue=queue, receipts=receipts, surveys=surveys,
                            closures=closures, text_limit=text_limit, redactor=redactor),
        queue=queue,
        context=HandoffContext(store=store, handoffs=handoff_store, rasa=rasa, answers=answers, crm=crm,
                               kb_index=settings.kb_index, text_limit=text_limit),
        config=handoff_config,
    )
    await anyio.to_thread.run_sync(handoffs.escalation.warm_up)
    outreach = await anyio.to_thread.run_sync(
        lambda: build_outreach(settings, rasa=rasa, connections=connections, store=store, channels=delivery,
                               crm=crm, client=client))

    pipeline = turn_pipeline(surveys=surveys, outreach=outreach, escalation=handoffs.escalation, closures=closures,
                             store=store, rasa=rasa, text_limit=text_limit)
    answerer = TurnAnswerer(store, pipeline, push=connections.push, read_by_bot=receipts.read_by_hub,
                            notify_queue=queue.notify_queue)
    turns = Turns(store, Acceptor(store, redactor=redactor, text_limit=text_limit,
                                  health=HealthDetector() if health.flag else None,
                                  on_accepted=[outreach_steps.reply_listener(outreach)]), answerer)
    key = settings.session_secret.encode() or await anyio.to_thread.run_sync(stored_key, store)
    background = Background()
    channels = Channels(settings=channel_settings, store=channel_store, turns=turns, connections=connections,
                        delivery=delivery, platforms=delivery.platforms, http=delivery.http, spawn=background.spawn,
                        crm=crm, text_limit=text_limit, remember_customer=handoffs.escalation.remember_customer)
    hub = Hub(
        settings=settings, store=store, rasa=rasa, turns=turns, connections=connections, agents=agents,
        directory=directory, handoffs=handoffs, sessions=SessionTokens(key, ttl_s=settings.session_ttl_days * 86400),
        receipts=receipts, closures=closures, scorecards=scorecards, outreach=outreach, answers=answers,
        kpis=await anyio.to_thread.run_sync(Kpis, store), channels=channels, background=background, crm=crm,
        privacy=privacy_service(settings, store, crm=crm, client=client),
        health=health,
        limits=limits,
    )
    delivery.start()
    hub.spawn(sweep_idle(closures), name="idle-sweeper")
    if settings.outreach_loop:
        outreach.start()
    return hub


def open_crm_once(url: str):
    """The CRM the hub looks customers up in, opened once (nothing connects before the first look-up).

    None when the URL cannot be used: the hub still serves customers, agents see no CRM card."""
    from bot.crm import CrmError
    from bot.crm.sql import SqlCrm

    try:
        return SqlCrm(url)
    except CrmError as exc:
        log.error("the CRM cannot be opened; agents will see no customer cards",
                  extra={"event": "crm_failed", "error": str(exc)[:200]})
        return None


async def sweep_idle(closures: Closures) -> None:
    """Close idle conversations now and then (no survey: the customer has gone; docs/kpis.md)."""
    period_s = max(5.0, min(60.0, closures.idle.total_seconds() / 2))
    while True:
        await anyio.sleep(period_s)
        try:
            await anyio.to_thread.run_sync(closures.sweep, utcnow())
        except Exception:  # a database hiccup must not stop the sweeper for good
            log.exception("idle sweep failed", extra={"event": "idle_sweep_failed"})


async def close(hub: Hub) -> None:
    """Stop in order: no new outreach, finish answers being produced, then close the channels and the database."""
    hub.background.cancel("idle-sweeper")
    await hub.outreach.stop()  # no new sends; a job mid-send is finished or its claim expires
    await hub.drain(timeout_s=hub.settings.rasa_timeout_s + 5)
    await hub.channels.close()  # after the drain: answers produced meanwhile are in the outbox
    await hub.rasa.aclose()
    await hub.limits.close()
    hub.answers.close()
    hub.directory.close()
    if hub.crm is not None:
        hub.crm.close()
    if hub.privacy is not None and hub.privacy.trackers is not None:
        hub.privacy.trackers.close()
    hub.store.close()
    hub.store.engine.dispose()
