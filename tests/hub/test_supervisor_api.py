"""The supervisors' API on the real app over the seeded episodes (tests/kpis/seed.py): auth, params, JSON, CSV, QA."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from bot.agents.directory import AgentDirectory
from bot.conversations.closure import Closures
from bot.kpis.metrics import day_bounds
from bot.qa.config import qa_config_from_dict
from bot.qa.scorecards import Scorecards
from tests.kpis.seed import seed

PASSWORD = "correct horse battery"
RANGE = {"from": "2026-03-02", "to": "2026-03-03"}


@pytest.fixture
def api(make_client, settings, hub_db_url):
    seeder = seed(hub_db_url)
    cards = Scorecards(seeder.store, qa_config_from_dict(None))
    for closure in Closures(seeder.store).between(*day_bounds(date(2026, 3, 1), date(2026, 3, 3))):
        cards.compute(closure)  # the hub scores episodes as they close; the seed closed them without it
    seeder.store.close()
    directory = AgentDirectory(hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor")
    directory.close()
    return make_client(settings, hub_db_url=hub_db_url)


def login(client, username):
    response = client.post("/api/agent/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


PATHS = ["/api/supervisor/kpis", "/api/supervisor/kpis.csv", "/api/supervisor/escalations", "/api/supervisor/qa",
         "/api/supervisor/surveys",
         "/api/supervisor/qa/1"]


def test_only_supervisors(api):
    for path in PATHS:
        assert api.get(path).status_code == 401
    assert api.post("/api/supervisor/qa/1/review", json={"comment": "x"}).status_code == 401
    login(api, "alex")
    for path in PATHS:
        response = api.get(path)
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert api.post("/api/supervisor/qa/1/review", json={"comment": "x"}).status_code == 403


def test_bad_parameters_are_422_with_a_reason(api):
    login(api, "morgan")
    cases = [({"from": "2026-13-01"}, "invalid_date"), ({"to": "yesterday"}, "invalid_date"),
             ({"from": "2026-3-1"}, "invalid_date"),
             ({"from": "2026-03-05", "to": "2026-03-01"}, "invalid_range"),
             ({"from": "2025-01-01", "to": "2026-01-02"}, "invalid_range"),  # 367 days
             ({**RANGE, "by": "week"}, "invalid_by")]
    for params, code in cases:
        for path in ("/api/supervisor/kpis", "/api/supervisor/kpis.csv"):
            response = api.get(path, params=params)
            assert response.status_code == 422 and response.json()["error"]["code"] == code, (params, response.text)
    assert api.get("/api/supervisor/qa", params={"limit": "0"}).json()["error"]["code"] == "invalid_limit"
    assert api.get("/api/supervisor/kpis", params={"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200


def test_kpis_json_and_csv(api):
    login(api, "morgan")
    report = api.get("/api/supervisor/kpis", params={**RANGE, "by": "channel"}).json()
    assert (report["from"], report["to"], report["by"], report["client"]) == ("2026-03-02", "2026-03-03", "channel",
                                                                             "larkspur")
    assert [r["key"] for r in report["rows"]] == ["web", "telegram", "whatsapp"]  # most episodes first
    assert report["totals"]["nps"] == 25.0 and report["totals"]["episodes"] == 6  # tests/kpis has the arithmetic
    assert set(report["definitions"]) >= {"csat", "nps", "ces", "fcr", "containment", "escalation_rate"}

    response = api.get("/api/supervisor/kpis.csv", params=RANGE)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="kpis-2026-03-02-2026-03-03-day.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["key"] for r in rows] == ["2026-03-02", "2026-03-03", "total"]
    assert rows[1]["ces"] == "" and rows[1]["nps"] == "-50.0" and rows[2]["csat"] == "50.0"

    surveys = api.get("/api/supervisor/surveys", params=RANGE).json()
    assert surveys["distribution"]["csat"]["5"] == 1 and surveys["comments"][0]["comment"] == "Alex was great"

    escalations = api.get("/api/supervisor/escalations", params=RANGE).json()
    assert escalations["escalations"] == 2 and {r["reason"] for r in escalations["reasons"]} == {
        "angry", "asked_for_person", "bot_failures"}


def test_qa_lowest_first_detail_and_review(api):
    login(api, "morgan")
    cards = api.get("/api/supervisor/qa", params={**RANGE, "limit": 10}).json()["scorecards"]
    assert len(cards) == 6
    scores = [c["final_score"] for c in cards]
    assert scores == sorted(scores)
    worst = cards[0]
    assert worst["conversation_id"] in ("C", "D") and worst["resolved"] is False
    detail = api.get(f"/api/supervisor/qa/{worst['id']}").json()
    assert detail["scorecard"]["criteria"] == worst["criteria"] and detail["scorecard"]["reviews"] == []
    assert detail["transcript"][0]["type"] == "customer"
    reviewed = api.post(f"/api/supervisor/qa/{worst['id']}/review", json={"score": 100, "comment": "Fine by me."})
    assert reviewed.status_code == 200
    assert reviewed.json()["scorecard"]["review"]["reviewer"] == "Morgan Lee"
    again = api.get("/api/supervisor/qa", params={**RANGE, "limit": 10}).json()["scorecards"]
    assert again[0]["id"] != worst["id"] and [c["final_score"] for c in again][-1] == 100  # no longer the worst
    assert next(c for c in again if c["id"] == worst["id"])["final_score"] == 100
    assert api.post(f"/api/supervisor/qa/{worst['id']}/review", json={"score": 101}).status_code == 422
    assert api.post("/api/supervisor/qa/9999/review", json={"comment": "x"}).status_code == 404
    assert api.get("/api/supervisor/qa/9999").status_code == 404
