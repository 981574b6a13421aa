"""The scheduler with an injected clock: nothing sleeps. Due and not due, quiet hours in the customer's
own zone, the frequency cap, opt-out, idempotency, Rasa down (retries with back-off, then failed)."""
from __future__ import annotations

from datetime import timedelta

from outreach_steps import DAYTIME, add_campaign, post_event, set_clock, tick, utc, verified_web_conversation

from bot.outreach.store import DELIVERED, FAILED, PENDING, SENT, SKIPPED


def jobs(client, campaign=None):
    return client.app.state.hub.outreach.store.jobs(campaign)


def delay_event(client, event_id="DELAY-1", orders=("A1045",)):
    response = post_event(client, {"type": "order_delayed", "id": event_id, "orders": list(orders),
                                   "data": {"new_date": "Friday 20 March"}})
    assert response.status_code == 202, response.text
    return response.json()


def test_the_same_event_twice_and_a_second_tick_send_once(client, rasa):
    verified_web_conversation(client, "C1001")
    assert delay_event(client)["jobs_created"] == 1
    assert delay_event(client)["jobs_created"] == 0  # the event's retry: same idempotency key
    assert tick(client)["outcomes"] == {SENT: 1}
    assert tick(client)["outcomes"] == {}
    assert len(rasa.triggered) == 1


def test_quiet_hours_defer_to_the_morning_in_the_customers_zone(client, rasa):
    verified_web_conversation(client, "C1002")  # James, Oregon: America/Los_Angeles
    late = utc(2026, 3, 15, 5, 30)  # 22:30 the evening before in Oregon (PDT, UTC-7)
    set_clock(client, late)
    post_event(client, {"type": "order_delayed", "id": "D-NIGHT", "customers": ["C1002"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client, late)["outcomes"] == {"deferred:quiet_hours": 1}
    [job] = jobs(client)
    assert job.status == PENDING and job.reason == "quiet_hours"
    assert job.next_attempt_at == utc(2026, 3, 15, 15, 0)  # 08:00 in Oregon
    assert tick(client, utc(2026, 3, 15, 14, 59))["claimed"] == 0  # still night there
    assert rasa.triggered == []
    assert tick(client, utc(2026, 3, 15, 15, 0))["outcomes"] == {SENT: 1}
    assert len(rasa.triggered) == 1


def test_frequency_cap_skips_the_fourth_message_in_seven_days(client, rasa):
    verified_web_conversation(client, "C1001")
    for day in range(3):
        now = DAYTIME + timedelta(days=day)
        set_clock(client, now)
        post_event(client, {"type": "order_delayed", "id": f"D-{day}", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
        assert tick(client, now)["outcomes"] == {SENT: 1}
    now = DAYTIME + timedelta(days=3)
    set_clock(client, now)
    post_event(client, {"type": "order_delayed", "id": "D-3", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client, now)["outcomes"] == {"skipped:frequency_cap": 1}
    # a week after the first, there is room again
    now = DAYTIME + timedelta(days=7, hours=1)
    set_clock(client, now)
    post_event(client, {"type": "order_delayed", "id": "D-7", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client, now)["outcomes"] == {SENT: 1}
    assert len(rasa.triggered) == 4


def test_an_opted_out_customer_gets_nothing(client, rasa):
    conversation = verified_web_conversation(client, "C1001")
    response = client.post(f"/api/conversations/{conversation}/messages", json={"text": "STOP"},
                           headers={"authorization": f"Bearer {client.app.state.hub.sessions.issue(conversation)}"})
    assert response.status_code == 200
    assert "Send START to subscribe again" in response.json()["messages"][0]["text"]
    assert rasa.messages == []  # the hub answered; the bot never saw it
    post_event(client, {"type": "order_delayed", "id": "D-1", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {"skipped:opted_out": 1}
    assert rasa.triggered == []
    # START subscribes again
    client.post(f"/api/conversations/{conversation}/messages", json={"text": "start"},
                headers={"authorization": f"Bearer {client.app.state.hub.sessions.issue(conversation)}"})
    post_event(client, {"type": "order_delayed", "id": "D-2", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {SENT: 1}


def test_a_customer_with_no_conversation_and_no_channel_is_skipped_with_the_reason(client, rasa):
    post_event(client, {"type": "order_delayed", "id": "D-1", "customers": ["C1003"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {"skipped:no_channel": 1}
    [job] = jobs(client)
    assert (job.status, job.reason) == (SKIPPED, "no_channel")


def test_rasa_down_retries_with_back_off_then_fails_with_the_reason(client, rasa):
    verified_web_conversation(client, "C1001")
    rasa.mode = "error500"
    post_event(client, {"type": "order_delayed", "id": "D-1", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
    config = client.app.state.hub.outreach.config
    now = DAYTIME
    waits = []
    for attempt in range(1, config.max_attempts):
        assert tick(client, now)["outcomes"] == {"retry": 1}
        [job] = jobs(client)
        assert (job.status, job.attempts, job.reason) == (PENDING, attempt, "rasa_error")
        waits.append((job.next_attempt_at - now).total_seconds())
        assert tick(client, job.next_attempt_at - timedelta(seconds=1))["claimed"] == 0  # not due yet
        now = job.next_attempt_at
    assert waits == [config.retry_base_s * 2 ** i for i in range(config.max_attempts - 1)]
    assert tick(client, now)["outcomes"] == {"failed:rasa_error": 1}
    [job] = jobs(client)
    assert (job.status, job.attempts, job.reason) == (FAILED, config.max_attempts, "rasa_error")
    assert "HTTP 500" in job.last_error
    assert tick(client, now + timedelta(days=1))["claimed"] == 0


def test_rasa_back_before_the_last_attempt_delivers(client, rasa):
    verified_web_conversation(client, "C1001")
    rasa.mode = "error500"
    post_event(client, {"type": "order_delayed", "id": "D-1", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {"retry": 1}
    rasa.mode = "normal"
    assert tick(client, jobs(client)[0].next_attempt_at)["outcomes"] == {SENT: 1}


def test_renewal_reminder_runs_daily_at_nine_in_the_clients_zone(client, make_client, settings, campaign_dir, rasa):
    add_campaign(campaign_dir, "renewal_reminder")
    client = make_client(settings)
    outreach = client.app.state.hub.outreach
    crm = outreach._crm()
    try:
        today = DAYTIME.date()
        renewing = crm.subscriptions_renewing(today, today + timedelta(days=3))
    finally:
        crm.close()
    assert renewing, "the seeded CRM has Coffee Club renewals in the next 3 days"
    for sub in renewing:
        verified_web_conversation(client, sub.customer_id)
    early = utc(2026, 3, 14, 12, 59)  # 08:59 in New York (EDT)
    assert tick(client, early)["planned"] == 0
    report = tick(client, utc(2026, 3, 14, 13, 0))
    assert report["planned"] == len(renewing)
    assert report["outcomes"].get(SENT, 0) + report["outcomes"].get("deferred:quiet_hours", 0) == len(renewing)
    assert tick(client, utc(2026, 3, 14, 18, 0))["planned"] == 0  # once a day
    assert tick(client, utc(2026, 3, 15, 13, 0))["planned"] == 0  # the same renewals are not reminded again
    triggered = [intent for _, intent in rasa.triggered]
    assert set(triggered) <= {"EXTERNAL_renewal_reminder"}
    assert all(set(e) == {"plan", "renewal_date", "renewal_amount"} for e in rasa.trigger_entities)


def test_a_job_waits_while_the_bot_is_in_the_middle_of_a_form(client, rasa):
    conversation = verified_web_conversation(client, "C1001")
    post_event(client, {"type": "order_delayed", "id": "D-1", "customers": ["C1001"], "data": {"new_date": "Friday 20 March"}})
    rasa.active_loops[conversation] = "order_lookup_form"
    assert tick(client)["outcomes"] == {"deferred:bot_busy": 1}
    assert rasa.triggered == []
    del rasa.active_loops[conversation]
    busy = client.app.state.hub.outreach.config.busy_defer_s
    assert tick(client, DAYTIME + timedelta(seconds=busy))["outcomes"] == {SENT: 1}
    assert rasa.triggered == [(conversation, "EXTERNAL_order_delayed")]
