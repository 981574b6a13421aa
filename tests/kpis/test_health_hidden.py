"""Health details stay out of the supervisors' KPI views (issue 15): survey comments are shown with them
hidden, the CSV carries no free text, and the QA transcript hides them (tests/hub/test_hub_health.py
drives the same through the hub)."""
from __future__ import annotations

from datetime import date

from bot.conversations.closure import Closures
from bot.health import HIDDEN
from bot.kpis.metrics import Kpis, day_bounds, to_csv
from bot.qa.config import qa_config_from_dict
from bot.qa.scorecards import Scorecards
from tests.kpis.seed import D1, at, seed

START, END = date(2026, 3, 2), date(2026, 3, 3)


def test_survey_comments_and_the_csv_carry_no_health_details(hub_db_url):
    seeder = seed(hub_db_url)
    seeder.survey("B", "comment", None, at(D1, 11, 16), trigger="agent_closed",
                  comment="Thanks Alex, with my chemo this week the quick refund really helped")
    kpis = Kpis(seeder.store)
    comments = [c["comment"] for c in kpis.surveys(START, END)["comments"]]
    assert f"Thanks Alex, with my {HIDDEN} this week the quick refund really helped" in comments
    assert "Alex was great" in comments  # nothing else changes
    for by in ("day", "channel", "intent", "agent", "client"):
        assert "chemo" not in to_csv(kpis.report(START, END, by))
    seeder.store.close()


def test_the_qa_transcript_hides_flagged_spans_and_their_echoes(hub_db_url):
    seeder = seed(hub_db_url)
    with seeder.session.begin() as session:  # as accept marks it
        from bot.conversations.store import Message
        first = session.query(Message).filter_by(conversation_id="A", sender="customer").order_by(Message.id).first()
        first.text = "my wife has lupus, where is my order A1042"
        first.payload = {"health": [[12, 17]]}
    seeder.reply("A", "Sorry to hear about the lupus. Your order ships today.", at(D1, 9, 3))
    cards = Scorecards(seeder.store, qa_config_from_dict(None))
    for closure in Closures(seeder.store).between(*day_bounds(date(2026, 3, 1), date(2026, 3, 3))):
        cards.compute(closure)
    card = next(c for c in cards.lowest(*day_bounds(START, END), limit=50) if c["conversation_id"] == "A")
    texts = [m.text for m in cards.transcript(card["id"])]
    assert not any("lupus" in (t or "") for t in texts)
    assert texts[0] == f"my wife has {HIDDEN}, where is my order A1042"
    seeder.store.close()
