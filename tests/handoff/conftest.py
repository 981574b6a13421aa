"""The handoff units on a real SQLite hub database, with a stand-in for Rasa (an external service).

``units`` builds them the way the hub's lifespan does (bot/hub/app.py), with a clock the test
moves and consoles / customer tabs that record what was pushed to them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.agents.directory import AgentDirectory
from bot.conversations.agent_connections import AgentConnections
from bot.conversations.closure import Closures
from bot.conversations.connections import Connections
from bot.conversations.rasa_client import RasaUnavailable
from bot.conversations.receipts import Receipts
from bot.conversations.store import Store
from bot.frustration.config import load_escalation_config
from bot.handoff.agent_actions import AgentActions
from bot.handoff.config import HandoffConfig
from bot.handoff.context import HandoffContext
from bot.handoff.escalation import Escalation
from bot.handoff.queue_views import QueueViews
from bot.handoff.store import HandoffStore
from bot.kb.answers import AnswerLog
from bot.settings import PROJECT_ROOT

PASSWORD = "correct horse battery"


class FakeRasa:
    """The async methods of bot.conversations.rasa_client.RasaClient: records calls, answers from canned data."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.trackers: dict[str, dict[str, Any]] = {}  # conversation -> tracker to report
        self.parsed: dict[str, dict[str, Any]] = {}  # text -> parse result (default: intent "request_human")
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.down = False  # every call raises RasaUnavailable

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if self.down:
            raise RasaUnavailable("cannot reach Rasa (test)")

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self._call("send", sender, message)
        return [{"recipient_id": sender, "text": f"You said: {message}"}]

    async def tracker(self, sender: str) -> dict[str, Any]:
        self._call("tracker", sender)
        return self.trackers.get(sender, {"sender_id": sender, "slots": {}, "latest_message": {}})

    async def add_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        self._call("add_events", sender, events)
        self.events.setdefault(sender, []).extend(events)

    async def parse(self, text: str) -> dict[str, Any]:
        self._call("parse", text)
        return self.parsed.get(text, {"text": text, "intent": {"name": "request_human", "confidence": 0.9},
                                      "entities": []})

    async def trigger_intent(self, sender: str, intent: str, entities: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self._call("trigger_intent", sender, intent)
        return [{"recipient_id": sender, "text": f"Welcome back ({intent})."}]

    async def aclose(self) -> None:
        pass


class Peer:
    """An open websocket (customer tab or agent console) that keeps what it was sent."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> bool:
        self.frames.append(frame)
        return True

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == kind]


class Clock:
    """Starts now (the database stamps a handoff's queued_at itself); tests move it on."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def fake_encoder(texts: list[str]) -> np.ndarray:
    """Bag-of-words vectors instead of the sentence encoder: the same words make the same request."""
    vectors = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().split():
            vectors[row, sum(map(ord, word.strip("?!.,"))) % 64] += 1.0
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


@pytest.fixture(scope="session")
def scorer():
    """The real frustration model (bot/frustration); only the sentence encoder is replaced."""
    from bot.frustration.scorer import FrustrationScorer

    return FrustrationScorer(config=load_escalation_config(PROJECT_ROOT / "client.yml"), embed=fake_encoder)


@dataclass
class Units:
    store: Store
    handoffs: HandoffStore
    directory: AgentDirectory
    answers: AnswerLog
    rasa: FakeRasa
    customers: Connections
    agents: AgentConnections
    clock: Clock
    queue: QueueViews
    escalation: Escalation
    actions: AgentActions
    context: HandoffContext
    closures: Closures
    linked: list[tuple[str, str]] = field(default_factory=list)  # on_customer calls

    def agent(self, username: str):
        return self.directory.by_username(username)

    def online(self, username: str) -> Peer:
        """Open a console for the agent; returns it."""
        peer = Peer()
        self.agents.add(self.agent(username), peer)
        return peer

    def tab(self, conversation_id: str) -> Peer:
        """Open a customer tab on the conversation; returns it."""
        peer = Peer()
        self.customers.add(conversation_id, peer)
        return peer


def build_units(tmp_path: Path, *, scorer: Any = None, crm: Any = None, client: Any = None) -> Units:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    store = Store(url)
    store.create_schema()
    directory = AgentDirectory(url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general", "billing"), capacity=2)
    directory.add("sam", "Sam Patel", PASSWORD, skills=("technical",), capacity=1)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "billing", "technical"))
    answers = AnswerLog(url)
    handoffs = HandoffStore(store)
    rasa, customers, agents, clock = FakeRasa(), Connections(), AgentConnections(), Clock()
    config = HandoffConfig()
    linked: list[tuple[str, str]] = []
    queue = QueueViews(store=store, handoffs=handoffs, customers=customers, agents=agents, directory=directory,
                       answers=answers, config=config, clock=clock)
    receipts = Receipts(store, customers, tell_agents=queue.tell_agents)
    closures = Closures(store, client="larkspur", idle_minutes=30, handoffs=handoffs)
    escalation = Escalation(store=store, handoffs=handoffs, rasa=rasa, queue=queue, answers=answers,
                            policy=load_escalation_config(PROJECT_ROOT / "client.yml"), config=config, client=client,
                            crm=crm, scorer=scorer, on_customer=lambda c, k: linked.append((c, k)), clock=clock)
    actions = AgentActions(store=store, handoffs=handoffs, rasa=rasa, customers=customers, agents=agents,
                           directory=directory, queue=queue, receipts=receipts, closures=closures, clock=clock)
    context = HandoffContext(store=store, handoffs=handoffs, rasa=rasa, answers=answers, crm=crm)
    return Units(store, handoffs, directory, answers, rasa, customers, agents, clock, queue, escalation, actions,
                 context, closures, linked)


@pytest.fixture
def make_units(tmp_path: Path, scorer):
    """``make_units(crm=..., client=...)``: the units with a CRM or business hours."""
    built: list[Units] = []

    def make(**options: Any) -> Units:
        built.append(build_units(tmp_path, scorer=scorer, **options))
        return built[-1]

    yield make
    for one in built:
        one.answers.close()
        one.directory.close()
        one.store.close()


@pytest.fixture
def units(make_units) -> Units:
    return make_units()


@pytest.fixture
def crm(tmp_path: Path):
    """The demo CRM (bot/crm/seed.py) in a SQLite file, open for the test."""
    from bot.crm.seed import seed
    from bot.crm.sql import SqlCrm

    crm = SqlCrm(f"sqlite:///{tmp_path / 'crm.db'}")
    seed(crm)
    yield crm
    crm.close()


@pytest.fixture
def anyio_backend():
    return "asyncio"
