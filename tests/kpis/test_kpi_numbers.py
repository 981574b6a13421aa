"""Every KPI on the seeded episodes (tests/kpis/seed.py has the table) against hand-computed values,
on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest

from bot.kpis.metrics import FIELDS, Kpis, to_csv
from tests.kpis.seed import seed

START, END = date(2026, 3, 2), date(2026, 3, 3)


@pytest.fixture
def kpis(hub_db_url):
    seeder = seed(hub_db_url)
    yield Kpis(seeder.store)
    seeder.store.close()


def test_totals_over_both_days(kpis):
    totals = kpis.report(START, END)["totals"]
    assert totals == {
        "key": "total",
        "episodes": 6,                       # E1..E6 (E0 closed on D0 is outside the range)
        "csat": 50.0, "csat_n": 4,           # 5, 4, 2, 3: two of four score 4-5 -> 2/4 = 50.0
        "csat_mean": 3.5,                    # (5+4+2+3)/4 = 3.5
        "nps": 25.0, "nps_n": 4,             # 10, 9 promoters; 7 passive; 3 detractor -> (2-1)/4 = 25.0
        "ces": 2.5, "ces_n": 2,              # 2, 3 (E4 skipped) -> 2.5
        "fcr": 50.0,                         # E2, E5, E6 resolved with no repeat; E1 repeated by E5; E3, E4 not
                                             # resolved -> 3/6
        "containment": 50.0,                 # resolved without an agent: E1, E5, E6 -> 3/6
        "escalation_rate": 33.3, "escalations": 2,   # E2, E4 -> 2/6 = 33.3
        "avg_wait_s": 90.0, "wait_n": 2,     # (120 + 60)/2
        "avg_handle_s": 450.0, "handle_n": 2,  # (600 + 300)/2
        "kb_helpful": 75.0, "kb_n": 3 + 1,   # helpful E1, E4, E5; not helpful E2 -> 3/4
        "frustration": 0.289, "frustration_n": 9,  # (0.1+0+0.6+0.9+0.2+0.5+0.3+0+0)/9 = 2.6/9 = 0.2889
        "qa_score": None, "qa_n": 0,         # the seed closed its episodes without scoring them
    }


def test_by_day(kpis):
    report = kpis.report(START, END, "day")
    d1, d2 = report["rows"]
    assert (d1["key"], d2["key"]) == ("2026-03-02", "2026-03-03")
    # D1: E1, E2, E3.
    assert d1["episodes"] == 3
    assert (d1["csat"], d1["csat_mean"], d1["csat_n"]) == (100.0, 4.5, 2)   # 5, 4
    assert (d1["nps"], d1["nps_n"]) == (100.0, 2)                           # 10, 9: (2-0)/2
    assert (d1["ces"], d1["ces_n"]) == (2.5, 2)                             # 2, 3
    assert d1["fcr"] == 33.3                                                # E2 only: 1/3
    assert d1["containment"] == 33.3                                        # E1: 1/3
    assert (d1["escalation_rate"], d1["escalations"]) == (33.3, 1)          # E2
    assert (d1["avg_wait_s"], d1["avg_handle_s"]) == (120.0, 600.0)
    assert (d1["kb_helpful"], d1["kb_n"]) == (50.0, 2)                      # E1 yes, E2 no
    assert (d1["frustration"], d1["frustration_n"]) == (0.36, 5)            # (0.1+0+0.6+0.9+0.2)/5 = 1.8/5
    # D2: E4, E5, E6.
    assert d2["episodes"] == 3
    assert (d2["csat"], d2["csat_mean"], d2["csat_n"]) == (0.0, 2.5, 2)     # 2, 3
    assert (d2["nps"], d2["nps_n"]) == (-50.0, 2)                           # 3 detractor, 7 passive: (0-1)/2
    assert (d2["ces"], d2["ces_n"]) == (None, 0)                            # E4 skipped: no data is null
    assert d2["fcr"] == 66.7 and d2["containment"] == 66.7                  # E5, E6: 2/3
    assert (d2["escalation_rate"], d2["avg_wait_s"], d2["avg_handle_s"]) == (33.3, 60.0, 300.0)
    assert (d2["kb_helpful"], d2["kb_n"]) == (100.0, 2)                     # E4, E5
    assert (d2["frustration"], d2["frustration_n"]) == (0.2, 4)             # (0.5+0.3+0+0)/4


def test_days_without_episodes_are_rows_of_nulls(kpis):
    [row] = kpis.report(date(2026, 3, 10), date(2026, 3, 10))["rows"]
    assert row["episodes"] == 0
    assert all(row[name] is None for name in ("csat", "nps", "ces", "fcr", "containment", "escalation_rate",
                                              "avg_wait_s", "avg_handle_s", "kb_helpful", "frustration"))
    # E0 alone: one CSAT of 1 -> 0.0 (not null: there is data), FCR 1/1.
    d0 = kpis.report(date(2026, 3, 1), date(2026, 3, 1))["totals"]
    assert (d0["episodes"], d0["csat"], d0["csat_n"], d0["fcr"]) == (1, 0.0, 1, 100.0)


def test_by_channel(kpis):
    rows = {r["key"]: r for r in kpis.report(START, END, "channel")["rows"]}
    assert set(rows) == {"web", "telegram", "whatsapp"}
    web = rows["web"]                                      # E1, E3, E5, E6
    assert web["episodes"] == 4
    assert (web["csat"], web["csat_mean"]) == (50.0, 4.0)  # 5, 3: 1/2; (5+3)/2
    assert web["nps"] == 50.0                              # 10 promoter, 7 passive: (1-0)/2
    assert web["fcr"] == 50.0                              # E5, E6 of 4
    assert web["containment"] == 75.0                      # E1, E5, E6 of 4
    assert web["escalation_rate"] == 0.0 and web["avg_wait_s"] is None
    assert web["frustration"] == 0.1                       # (0.1+0+0.2+0.3+0+0)/6 = 0.6/6
    telegram = rows["telegram"]                            # E2
    assert (telegram["episodes"], telegram["csat"], telegram["nps"], telegram["fcr"]) == (1, 100.0, 100.0, 100.0)
    assert (telegram["containment"], telegram["escalation_rate"], telegram["kb_helpful"]) == (0.0, 100.0, 0.0)
    assert telegram["frustration"] == 0.75                 # (0.6+0.9)/2
    whatsapp = rows["whatsapp"]                            # E4
    assert (whatsapp["csat"], whatsapp["nps"], whatsapp["ces"], whatsapp["fcr"]) == (0.0, -100.0, None, 0.0)


def test_by_intent_and_agent_and_client(kpis):
    intents = {r["key"]: r for r in kpis.report(START, END, "intent")["rows"]}
    assert set(intents) == {"order_status", "refund", "cancel_subscription", "greet"}
    order = intents["order_status"]                        # E1, E3, E5
    assert order["episodes"] == 3 and order["fcr"] == 33.3  # E5 only: E1 came back, E3 unresolved
    assert (order["csat"], order["csat_n"]) == (50.0, 2)   # 5, 3
    assert intents["greet"]["containment"] == 100.0

    agents = {r["key"]: r for r in kpis.report(START, END, "agent")["rows"]}
    assert set(agents) == {"(bot)", "Alex Kim", "Sam Patel"}
    assert agents["(bot)"]["episodes"] == 4 and agents["(bot)"]["containment"] == 75.0  # E1, E5, E6 of 4
    alex, sam = agents["Alex Kim"], agents["Sam Patel"]
    assert (alex["csat_mean"], alex["avg_wait_s"], alex["avg_handle_s"], alex["fcr"]) == (4.0, 120.0, 600.0, 100.0)
    assert (sam["csat_mean"], sam["avg_wait_s"], sam["avg_handle_s"], sam["fcr"]) == (2.0, 60.0, 300.0, 0.0)

    [client] = kpis.report(START, END, "client")["rows"]
    assert client["key"] == "larkspur" and client["episodes"] == 6 and client["nps"] == 25.0


def test_escalation_reasons(kpis):
    report = kpis.escalations(START, END)
    assert (report["episodes"], report["escalations"]) == (6, 2)
    # E2: angry + asked_for_person; E4: bot_failures; ties in name order.
    assert report["reasons"] == [{"reason": "angry", "count": 1}, {"reason": "asked_for_person", "count": 1},
                                 {"reason": "bot_failures", "count": 1}]


def test_csv(kpis):
    text = to_csv(kpis.report(START, END, "day"))
    lines = text.split("\r\n")
    assert lines[0] == ",".join(FIELDS)
    assert lines[1].startswith("2026-03-02,3,100.0,4.5,2,100.0,2,2.5,2,33.3,")
    assert lines[2].startswith("2026-03-03,3,0.0,2.5,2,-50.0,2,,0,66.7,")  # CES null: an empty cell
    assert lines[3].startswith("total,6,50.0,3.5,4,25.0,4,2.5,2,50.0,") and lines[3].endswith(",0.289,9,,0")
    assert lines[4] == ""


def test_survey_distributions_skips_and_comments(kpis):
    report = kpis.surveys(START, END)
    # CSAT 5 (E1), 4 (E2), 2 (E4), 3 (E5); E0's 1 is outside the range.
    assert report["distribution"]["csat"] == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}
    assert {k: v for k, v in report["distribution"]["nps"].items() if v} == {"3": 1, "7": 1, "9": 1, "10": 1}
    assert report["skipped"] == {"csat": 0, "ces": 1, "nps": 0}  # E4's CES
    [comment] = report["comments"]
    assert (comment["comment"], comment["csat"], comment["channel"], comment["agent"]) == (
        "Alex was great", 4, "telegram", "Alex Kim")


def test_qa_score_is_the_mean_final_scorecard_score(kpis, hub_db_url):
    from bot.conversations.closure import Closures
    from bot.kpis.metrics import day_bounds
    from bot.qa.config import qa_config_from_dict
    from bot.qa.scorecards import Scorecards
    from bot.conversations.store import Store

    store = Store(hub_db_url)
    try:
        cards = Scorecards(store, qa_config_from_dict(None))
        scored = {c.agent_name: cards.compute(c) for c in Closures(store).between(*day_bounds(START, END))
                  if c.agent_name}
        cards.review(scored["Sam Patel"]["id"], 9, "Morgan Lee", score=100)
    finally:
        store.close()
    agents = {r["key"]: r for r in kpis.report(START, END, "agent")["rows"]}
    assert (agents["Sam Patel"]["qa_score"], agents["Sam Patel"]["qa_n"]) == (100.0, 1)  # the review wins
    assert agents["Alex Kim"]["qa_score"] == scored["Alex Kim"]["score"]
    assert agents["(bot)"]["qa_n"] == 0  # only the agents' episodes were scored here


def test_csv_cells_a_spreadsheet_would_run_are_text(kpis):
    report = kpis.report(START, END, "day")
    row = {**report["rows"][1], "key": '=HYPERLINK("http://evil.example","click")'}
    lines = to_csv({**report, "rows": [row, {**row, "key": "@SUM(A1)"}, {**row, "key": "+1"}]}).split("\r\n")
    assert lines[1].startswith('"\'=HYPERLINK(""http://evil.example"",""click"")",3,0.0,2.5,2,-50.0,')  # -50.0 a number
    assert lines[2].startswith("'@SUM(A1),") and lines[3].startswith("'+1,")
