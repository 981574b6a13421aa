"""Skills from intents, the `handoff:` client section, and the hub's own customer-facing texts."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.handoff import texts
from bot.handoff.config import HandoffConfigError, handoff_config_from_dict, load_handoff_config
from bot.handoff.skills import skill_for
from bot.settings import PROJECT_ROOT
from tests.domain_file import intent_names


@pytest.mark.parametrize("intents, skill", [
    (["greet", "double_charge", "affirm"], "billing"),
    (["order_status", "technical_issue", "request_human"], "technical"),
    (["billing_question", "order_status"], "general"),  # the latest topic counts
    (["greet", None, "request_human"], "general"),
    ([], "general"),
])
def test_skill_is_the_latest_topic(intents, skill):
    assert skill_for(intents) == skill


def test_every_domain_intent_is_either_neutral_or_has_a_skill_or_is_general():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert {skill_for([intent]) for intent in intent_names(domain)} == {"billing", "technical", "general"}


def test_the_shipped_client_file_has_canned_replies():
    config = load_handoff_config(PROJECT_ROOT / "client.yml")
    assert len(config.canned_replies) >= 5
    assert all(reply.text and reply.title for reply in config.canned_replies)


@pytest.mark.parametrize("section, message", [
    ({"frustration_weight": -1}, "frustration_weight"),
    ({"per_minute_weight": "fast"}, "per_minute_weight"),
    ({"speed": 1}, "unknown key"),
    ({"canned_replies": [{"title": "x"}]}, r"canned_replies\[0\]"),
    ({"at_risk_open_tickets": 0}, "at_risk_open_tickets"),
])
def test_bad_config_names_the_key(section, message):
    with pytest.raises(HandoffConfigError, match=message):
        handoff_config_from_dict(section)


def test_customer_texts_say_place_wait_and_no_repeating():
    text = texts.queued(2, 240)
    assert "number 2" in text and "about 4 minutes" in text and "won't have to repeat yourself" in text
    assert "next in line" in texts.queued(1, 30) and "less than a minute" in texts.queued(1, 30)
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    offline = texts.offline(monday, open_now=False)
    assert "offline" in offline and "Monday 8:00 AM (EST)" in offline
    assert "as soon as they are back" in texts.offline(None, open_now=True)
    assert texts.ticket_reference(42) == "H-00042"
