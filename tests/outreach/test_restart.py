"""A hub restart during a campaign loses and duplicates nothing: the jobs are in the database, a job
claimed by the hub that stopped is taken over when its lease runs out, and a job whose messages were
already stored is not sent again."""
from __future__ import annotations

from datetime import timedelta

from outreach_steps import DAYTIME, post_event, set_clock, tick, verified_web_conversation

from sqlalchemy import update

from bot.conversations.store import Store
from bot.outreach.store import LEASE, SENDING, SENT, JobRow

CUSTOMERS = ("C1001", "C1002", "C1003", "C1004")


def outreach_messages(store: Store, conversation_id: str):
    return [m for m in store.history(conversation_id) if m.payload.get("origin") == "outreach"]


def test_restart_with_jobs_pending_and_claimed_sends_each_exactly_once(make_client, settings, rasa):
    first = make_client(settings)
    set_clock(first, DAYTIME)
    conversations = {c: verified_web_conversation(first, c) for c in CUSTOMERS}
    answer = post_event(first, {"type": "service_outage", "id": "INC-7", "customers": list(CUSTOMERS),
                                "data": {"service": "Coffee Club orders", "status": "started",
                                         "detail": "Orders can't be changed."}})
    assert answer.json()["jobs_created"] == len(CUSTOMERS)
    outreach = first.app.state.hub.outreach
    jobs = {job.customer_id: job for job in outreach.store.jobs()}
    # The hub stops in the middle of the campaign: one job claimed with nothing sent yet, one claimed
    # after its message was stored (it stopped before marking the job), the others still pending.
    claimed = outreach.store.claim(jobs["C1001"].id, DAYTIME)
    assert claimed is not None and claimed.status == SENDING
    stored_before = outreach.store.claim(jobs["C1002"].id, DAYTIME)
    first.portal.call(outreach.send, stored_before, DAYTIME)
    with outreach.store._session.begin() as session:  # what a crash before marking the job leaves
        session.execute(update(JobRow).where(JobRow.id == stored_before.id)
                        .values(status=SENDING, claimed_at=DAYTIME, sent_at=None))
    assert len(rasa.triggered) == 1
    first.__exit__(None, None, None)

    second = make_client(settings)
    # Before the lease runs out the claimed jobs still belong to the hub that stopped.
    report = tick(second, DAYTIME + timedelta(minutes=1))
    assert report["claimed"] == 2  # the two pending ones
    report = tick(second, DAYTIME + LEASE + timedelta(minutes=1))
    assert report["claimed"] == 2 and report["outcomes"] == {SENT: 1, "recovered": 1}
    assert tick(second, DAYTIME + timedelta(hours=1))["claimed"] == 0
    store = second.app.state.hub.store
    assert sorted(c for c, _ in rasa.triggered) == sorted(conversations.values())  # one trigger each
    for customer, conversation in conversations.items():
        assert len(outreach_messages(store, conversation)) == 1, customer
    assert {job.status for job in second.app.state.hub.outreach.store.jobs()} == {SENT}


def test_two_hubs_on_one_database_never_both_send(make_client, settings, rasa):
    """Two replicas tick at the same moment: the conditional claim gives each job to one of them."""
    first, second = make_client(settings), make_client(settings)
    set_clock(first, DAYTIME)
    for customer in CUSTOMERS:
        verified_web_conversation(first, customer)
    post_event(first, {"type": "order_delayed", "id": "D-1", "customers": list(CUSTOMERS), "data": {"new_date": "Friday 20 March"}})
    a, b = first.app.state.hub.outreach, second.app.state.hub.outreach
    due = a.store.due(DAYTIME)
    assert len(due) == len(CUSTOMERS)
    winners = [(a.store.claim(job_id, DAYTIME), b.store.claim(job_id, DAYTIME)) for job_id in due]
    assert all((x is None) != (y is None) for x, y in winners)
