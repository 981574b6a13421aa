"""The outreach tables on SQLite and PostgreSQL: one row per idempotency key, the conditional claim, the
lease, consent, replies, counts; and the complaint check-in planned from a closed handoff."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.handoff.store import HandoffRow
from bot.conversations.store import Store
from bot.outreach.campaigns import load_campaigns
from bot.outreach.config import OutreachConfig
from bot.outreach.service import OutreachService
from bot.outreach.store import LEASE, PENDING, REPLIED, SENDING, SENT, NewJob, OutreachStore
from bot.settings import PROJECT_ROOT

NOW = datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def stores(hub_db_url):
    store = Store(hub_db_url)
    store.create_schema()
    first, second = OutreachStore(store), OutreachStore(store)  # two hubs (replicas) on one database
    first.create_schema()
    yield store, first, second
    store.close()


def new_job(customer="C1001", occurrence="E-1", at=NOW):
    return NewJob("order_delayed", occurrence, customer, {"order_id": "A1045"}, at, at + timedelta(hours=48))


def test_one_job_per_key_and_one_claim(stores):
    store, first, second = stores
    assert first.add_jobs([new_job(), new_job(), new_job("C1002")]) == 2
    assert second.add_jobs([new_job()]) == 0
    assert len(first.due(NOW)) == 2 and first.due(NOW - timedelta(seconds=1)) == []
    job_id = first.due(NOW)[0]
    claimed = first.claim(job_id, NOW)
    assert claimed.status == SENDING and claimed.attempts == 1
    assert second.claim(job_id, NOW) is None  # the other replica loses
    assert second.claim(job_id, NOW + LEASE - timedelta(seconds=1)) is None
    taken_over = second.claim(job_id, NOW + LEASE + timedelta(seconds=1))  # the first hub stopped
    assert taken_over is not None and taken_over.attempts == 2
    first.finish(job_id, SENT, conversation_id="conv-1", channel="web", sent_at=NOW)
    assert first.reached_since("C1001", NOW - timedelta(days=7)) == 1
    assert first.counts() == {"order_delayed": {SENT: 1, PENDING: 1}}


def test_defer_keeps_the_attempt_count_for_quiet_hours(stores):
    _, store, _ = stores
    store.add_jobs([new_job()])
    [job_id] = store.due(NOW)
    store.claim(job_id, NOW)
    store.defer(job_id, NOW + timedelta(hours=10), "quiet_hours")
    job = store.get_job(job_id)
    assert (job.status, job.attempts, job.reason) == (PENDING, 0, "quiet_hours")
    assert store.due(NOW + timedelta(hours=9)) == [] and store.due(NOW + timedelta(hours=10)) == [job_id]


def test_consent_and_replies(stores):
    hub, store, _ = stores
    store.set_consent(["customer:C1001", "whatsapp:+15552013344"], "opted_out", "whatsapp")
    store.set_consent(["customer:C1001"], "opted_in", "web")
    assert store.consent(["customer:C1001", "whatsapp:+15552013344", "customer:C1002"]) == {
        "customer:C1001": "opted_in", "whatsapp:+15552013344": "opted_out"}
    conversation = hub.create_conversation("web")
    store.add_jobs([new_job()])
    [job_id] = store.due(NOW)
    store.claim(job_id, NOW)
    store.finish(job_id, SENT, conversation_id=conversation, channel="web", sent_at=NOW)
    assert store.mark_replied(conversation, NOW) == 1
    assert store.get_job(job_id).status == REPLIED
    assert store.mark_replied(conversation, NOW) == 0


def test_complaint_checkin_is_planned_two_days_after_a_resolved_billing_handoff(stores):
    hub, store, _ = stores
    conversation = hub.create_conversation("web")
    closed = NOW - timedelta(days=1)
    with store._session.begin() as session:
        session.add(HandoffRow(conversation_id=conversation, status="closed", skill="billing", disposition="resolved",
                               customer={"customer_id": "C1001", "name": "Maria Lopez"}, ended_at=closed))
        session.add(HandoffRow(conversation_id=conversation, status="closed", skill="technical",
                               disposition="resolved", customer={"customer_id": "C1002", "name": "James"},
                               ended_at=closed))
    service = OutreachService(store=store, rasa=None, connections=None, config=OutreachConfig(), crm=None)
    campaigns = [c for c in load_campaigns(PROJECT_ROOT / "outreach") if c.id == "complaint_checkin"]
    service.sync_files(campaigns)
    assert service.plan(NOW) == 1
    [job] = store.jobs("complaint_checkin")
    assert job.customer_id == "C1001" and job.next_attempt_at == closed + timedelta(days=2)
    assert job.context["conversation_id"] == conversation and job.context["first_name"] == "Maria"
    assert service.plan(NOW + timedelta(hours=1)) == 0  # the next run finds the same handoff: no new job
