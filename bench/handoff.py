"""Handoff benchmark: what the hub's handoff layer adds to a customer turn and to an agent's queue view.

    .venv/bin/python bench/handoff.py                 # prints a table (SQLite hub database in a temp folder)
    .venv/bin/python bench/handoff.py --db postgresql+psycopg://postgres@127.0.0.1/bench_handoff

Measured in process, one call at a time after warm-up, with the shipped frustration model on 1 torch thread:

- assess: scoring a customer message and running the escalation policy over the conversation so far
  (what every customer turn pays before Rasa is asked), at conversation lengths 1, 10 and 40 turns;
- queue view: an agent's GET /api/agent/queue work (priority, positions, summaries) with 1, 20 and 100 waiting;
- context: the package an agent reads before accepting (transcript, NLU, frustration, knowledge base; no CRM);
- accept: the conditional update that gives a queued conversation to an agent.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CUSTOMER_LINES = [
    "Hi, where is my order A1042?", "It was supposed to arrive on Monday.", "The tracking hasn't changed in days.",
    "Can you check with the carrier please?", "I need it for a birthday on Saturday.",
    "Is there any way to send another one?", "What about a refund instead?", "OK, and how long would that take?",
]


class _Agent:
    def __init__(self, id_: int, role: str = "agent") -> None:
        self.id, self.name, self.initials, self.role = id_, f"Agent {id_}", "AG", role
        self.skills, self.capacity, self.active, self.username = ("general", "billing", "technical"), 500, True, f"a{id_}"

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name}


class _Directory:
    def __init__(self, agents: list[_Agent]) -> None:
        self.agents = agents

    def list(self) -> list[_Agent]:
        return self.agents


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _row(name: str, n: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return f"| {name} | {n} | {statistics.median(samples):.1f} | {p95:.1f} | {len(samples)} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="hub database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per row (default 30)")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from bot.frustration.config import load_escalation_config
    from bot.handoff.config import HandoffConfig
    from bot.handoff.agent_actions import AgentActions
    from bot.handoff.common import in_thread
    from bot.handoff.context import HandoffContext
    from bot.handoff.escalation import Escalation
    from bot.handoff.queue_views import QueueViews
    from bot.handoff.store import QUEUED, HandoffStore
    from bot.conversations.agent_connections import AgentConnections
    from bot.conversations.connections import Connections
    from bot.conversations.store import OutboundDraft, Store
    from bot.kb.answers import AnswerLog
    from bot.settings import PROJECT_ROOT

    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'hub.db'}"
    store = Store(url)
    store.create_schema()
    answers = AnswerLog(url)
    handoffs = HandoffStore(store)
    agents = [_Agent(1), _Agent(2, "supervisor")]
    customers, online, directory, config = Connections(), AgentConnections(), _Directory(agents), HandoffConfig()
    queue = QueueViews(store=store, handoffs=handoffs, customers=customers, agents=online, directory=directory,
                       answers=answers, config=config)
    escalation = Escalation(store=store, handoffs=handoffs, rasa=None, queue=queue, answers=answers,
                            policy=load_escalation_config(PROJECT_ROOT / "client.yml"), config=config)
    actions = AgentActions(store=store, handoffs=handoffs, rasa=None, customers=customers, agents=online,
                           directory=directory, queue=queue)
    context = HandoffContext(store=store, handoffs=handoffs, rasa=None, answers=answers)
    escalation.warm_up()

    def conversation(turns: int) -> str:
        conversation_id = store.create_conversation("web")
        for i in range(turns):
            inbound = store.add_inbound(conversation_id, CUSTOMER_LINES[i % len(CUSTOMER_LINES)] + f" ({i})").message
            escalation._assess(inbound)
            store.add_outbound(conversation_id, [OutboundDraft(text="Let me check that for you.", payload={})],
                               reply_to=inbound.id, inbound_status="answered")
        return conversation_id

    rows = []
    for length in (1, 10, 40):
        conversation_id = conversation(length - 1)
        texts = [CUSTOMER_LINES[i % len(CUSTOMER_LINES)] for i in range(args.repeat)]
        samples = []
        for text in texts:
            inbound = store.add_inbound(conversation_id, text).message
            start = time.perf_counter()
            escalation._assess(inbound)
            samples.append((time.perf_counter() - start) * 1000)
            store.set_status(inbound.id, "rejected")  # keep the conversation at this length for the next sample
        rows.append(_row("assess a customer message (score + policy)", f"{length} turns", samples))

    for waiting in (1, 20, 100):
        present = len(handoffs.with_status(QUEUED))
        for _ in range(waiting - present):
            handoffs.create(conversation(4), status=QUEUED, skill="general", reasons=[{"name": "asked_for_person"}],
                            frustration=0.7, level="annoyed", customer=None)
        rows.append(_row("agent queue view", f"{waiting} waiting",
                         _timed(lambda: queue._queue_view(agents[0]), max(5, args.repeat // (1 + waiting // 20)))))

    target = handoffs.with_status(QUEUED)[0]
    rows.append(_row("context package (no CRM)", "5 turns", _timed(lambda: context._context(target, {}), args.repeat)))
    queued = handoffs.with_status(QUEUED)[: args.repeat]

    async def accept_all() -> list[float]:
        out = []
        for handoff in queued:
            start = time.perf_counter()
            await in_thread(actions._transition, handoff, kind="accepted", by=agents[0], detail=None,
                            handled_by="agent", values=dict(status="active", agent_id=1, agent_name="Agent 1"))
            out.append((time.perf_counter() - start) * 1000)
        return out
    rows.append(_row("accept (conditional update + event)", "1", asyncio.run(accept_all())))

    print(f"database: {store.engine.url.render_as_string(hide_password=True).split('?')[0]}")
    print("| operation | size | median ms | p95 ms | n |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    answers.close()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
