"""The outreach API: who may call it (supervisors; the API key for events), clear 422s, 404s."""
from __future__ import annotations

import pytest
from outreach_steps import API_KEY, post_event, tick, verified_web_conversation

PASSWORD = "correct horse battery"


@pytest.fixture
def staff(client):
    directory = client.app.state.hub.directory
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general",), capacity=2)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general",))
    return client


def login(client, username):
    client.cookies.clear()
    response = client.post("/api/agent/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


EVENT = {"type": "order_delayed", "id": "D-1", "orders": ["A1045"], "data": {"new_date": "Friday 20 March"}}


def test_events_need_the_api_key_or_a_supervisor(staff):
    client = staff
    assert post_event(client, EVENT, key=None).status_code == 401
    wrong = post_event(client, EVENT, key="not-the-key")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    login(client, "alex")
    forbidden = post_event(client, EVENT, key=None)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    assert client.get("/api/outreach/campaigns").status_code == 403
    login(client, "morgan")
    assert post_event(client, EVENT, key=None).status_code == 202
    client.cookies.clear()
    assert post_event(client, {**EVENT, "id": "D-2"}).status_code == 202
    assert client.get("/api/outreach/campaigns").status_code == 401  # the key is for events only


def test_without_a_configured_key_only_supervisors_post_events(make_client, settings):
    client = make_client(settings, outreach_api_key="")
    assert post_event(client, EVENT, key="").status_code == 401
    assert post_event(client, EVENT, key="anything").status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"id": "D-1", "orders": ["A1045"]}, "type"),
    ({"type": "order_delayed", "orders": ["A1045"], "data": {"new_date": "Friday 20 March"}}, "id"),
    ({"type": "order_delayed", "id": "D-1", "orders": "A1045", "data": {"new_date": "Friday 20 March"}}, "orders"),
    ({"type": "order_delayed", "id": "D-1", "customers": [7], "data": {"new_date": "Friday 20 March"}}, "customers"),
    ({"type": "order_delayed", "id": "D-1", "orders": ["A1045"], "data": []}, "data"),
    ({"type": "order_delayed", "id": "D-1", "data": {"new_date": "Friday 20 March"}}, "customers"),
    ({"type": "Order Delayed!", "id": "D-1", "orders": ["A1045"]}, "type"),
])
def test_bad_events_are_422_naming_the_field(client, body, field):
    response = post_event(client, body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["error"]["errors"]]


def test_event_edge_cases(client):
    assert post_event(client, {"type": "parcel_eaten", "id": "X", "orders": ["A1045"]}).status_code == 404
    not_json = client.post("/api/outreach/events", content=b"{nope", headers={"authorization": f"Bearer {API_KEY}"})
    assert not_json.status_code == 400
    listed = post_event(client, {"type": "order_delayed", "id": "D-9", "orders": ["A1045", "Z9999"],
                                 "customers": ["C9999"], "data": {"new_date": "Friday 20 March"}})
    assert listed.status_code == 202
    assert listed.json()["jobs_created"] == 1 and sorted(listed.json()["unknown"]) == ["C9999", "Z9999"]


def test_campaigns_through_the_api(staff, rasa):
    client = staff
    login(client, "morgan")
    listed = client.get("/api/outreach/campaigns").json()["campaigns"]
    assert {c["id"] for c in listed} == {"order_delayed", "service_outage"}
    assert listed[0]["source"].endswith(".yml")
    campaign = {"id": "vip-stock", "name": "VIP: back in stock", "trigger": {"event": "back_in_stock"},
                "flow": {"intent": "EXTERNAL_welcome", "entities": {"first_name": "{first_name}"}},
                "limits": {"quiet_hours": False}}
    created = client.post("/api/outreach/campaigns", json=campaign)
    assert created.status_code == 201, created.text
    assert client.post("/api/outreach/campaigns", json={**campaign, "name": "renamed"}).status_code == 200
    bad = client.post("/api/outreach/campaigns", json={**campaign, "channel": "carrier-pigeon"})
    assert bad.status_code == 422 and bad.json()["error"]["errors"] == [
        {"field": "channel", "message": "must be one of: auto, web, telegram, whatsapp, slack"}]
    clash = client.post("/api/outreach/campaigns", json={**campaign, "id": "order_delayed"})
    assert clash.status_code == 422 and "edit the file" in clash.json()["error"]["message"]
    assert client.get("/api/outreach/campaigns/nope").status_code == 404
    assert client.get("/api/outreach/jobs?campaign=nope").status_code == 404
    assert client.get("/api/outreach/jobs?status=weird").status_code == 422
    # the new campaign fires on its event
    verified_web_conversation(client, "C1001")
    assert post_event(client, {"type": "back_in_stock", "id": "kettle", "customers": ["C1001"]}).status_code == 202
    assert tick(client)["outcomes"] == {"sent": 1}
    jobs = client.get("/api/outreach/jobs?campaign=vip-stock").json()["jobs"]
    assert [(j["customer_id"], j["status"]) for j in jobs] == [("C1001", "sent")]
    detail = client.get("/api/outreach/campaigns/vip-stock").json()
    assert detail["campaign"]["name"] == "renamed" and detail["jobs"] == {"sent": 1}


def test_an_event_without_the_data_its_message_needs_is_refused(client, rasa):
    answer = post_event(client, {"type": "order_delayed", "id": "D-NODATE", "orders": ["A1045"]})
    assert answer.status_code == 422
    assert answer.json()["error"]["errors"] == [{"field": "data.new_date",
                                                 "message": "required by campaign 'order_delayed'"}]
    assert tick(client)["planned"] == 0 and rasa.triggered == []  # nobody was told "arrives by None"


def test_a_card_number_in_an_events_data_is_hidden_before_it_is_stored(client, settings):
    import sqlite3

    event = {**EVENT, "id": "D-card", "data": {"new_date": "Friday 20 March", "note": "paid with 4111 1111 1111 1111"}}
    assert post_event(client, event).status_code == 202
    with sqlite3.connect(settings.hub_db_url.removeprefix("sqlite:///")) as db:
        dumped = "\n".join(str(row) for table in [t for (t,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")] for row in db.execute(f"SELECT * FROM {table}"))
    assert "D-card" in dumped and "[card ending 1111]" in dumped
    assert "4111 1111 1111 1111" not in dumped
