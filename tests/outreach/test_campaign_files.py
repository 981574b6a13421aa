"""Campaign files: the shipped ones load, and every mistake is reported with its file and field."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.outreach.campaigns import CampaignError, load_campaigns, parse_campaign
from bot.settings import PROJECT_ROOT
from tests.domain_file import intent_names

VALID = {"trigger": {"event": "order_delayed"}, "flow": {"intent": "EXTERNAL_order_delayed"}}


def test_the_shipped_campaigns_load_one_per_flow():
    campaigns = {c.id: c for c in load_campaigns(PROJECT_ROOT / "outreach")}
    assert {c.intent for c in campaigns.values()} == {
        "EXTERNAL_welcome", "EXTERNAL_order_delayed", "EXTERNAL_service_outage", "EXTERNAL_renewal_reminder",
        "EXTERNAL_complaint_checkin", "EXTERNAL_callback_reminder"}
    assert campaigns["welcome"].trigger.kind == "new_customer"
    assert campaigns["renewal_reminder"].trigger.daily_at == "09:00"
    assert campaigns["complaint_checkin"].trigger.after_days == 2
    assert campaigns["service_outage"].limits.quiet_hours is False


def test_the_shipped_intents_are_in_the_domain():
    intents = set(intent_names(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())))
    assert {c.intent for c in load_campaigns(PROJECT_ROOT / "outreach")} <= intents


@pytest.mark.parametrize("change, field, message", [
    ({"trigger": {}}, "trigger", "must name exactly one of"),
    ({"trigger": {"event": "order_delayed", "schedule": {"daily_at": "09:00"}}}, "trigger", "exactly one"),
    ({"trigger": {"schedule": {"daily_at": "25:00"}}}, "trigger.schedule.daily_at", "HH:MM"),
    ({"trigger": {"schedule": {}}}, "trigger.schedule", "daily_at"),
    ({"trigger": {"schedule": {"every_minutes": 0}}}, "trigger.schedule.every_minutes", "at least 1"),
    ({"trigger": {"handoff_closed": {"disposition": "maybe"}}}, "trigger.handoff_closed.disposition", "resolved"),
    ({"flow": {}}, "flow.intent", "is required"),
    ({"flow": {"intent": "EXTERNAL_x", "entities": {"order_id": ["a"]}}}, "flow.entities.order_id", "text"),
    ({"channel": "fax"}, "channel", "must be one of"),
    ({"consent": "always"}, "consent", "must be one of"),
    ({"limits": {"quiet_hours": "no"}}, "limits.quiet_hours", "true or false"),
    ({"limits": {"frequency": 3}}, "limits.frequency", "unknown field"),
    ({"audience": {"segment": "tier"}}, "audience", "names its own audience"),
    ({"colour": "red"}, "colour", "unknown field"),
    ({"id": "Bad Id!"}, "id", "lower-case"),
])
def test_errors_name_the_file_and_the_field(tmp_path: Path, change, field, message):
    (tmp_path / "delays.yml").write_text(yaml.safe_dump({**VALID, **change}))
    with pytest.raises(CampaignError) as caught:
        load_campaigns(tmp_path)
    assert caught.value.field == field
    assert message in caught.value.message
    assert str(caught.value).startswith(str(tmp_path / "delays.yml"))


def test_segment_errors():
    base = {"trigger": {"schedule": {"daily_at": "09:00"}}, "flow": {"intent": "EXTERNAL_x"}}
    with pytest.raises(CampaignError, match="audience.segment"):
        parse_campaign({**base, "id": "a", "audience": {"segment": "everyone"}})
    with pytest.raises(CampaignError, match="audience.tier"):
        parse_campaign({**base, "id": "a", "audience": {"segment": "tier", "tier": "gold"}})
    assert parse_campaign({**base, "id": "a", "audience": {"segment": "tier", "tier": "vip"}}).audience.tier == "vip"


def test_bad_yaml_and_duplicate_ids(tmp_path: Path):
    (tmp_path / "a.yml").write_text("trigger: [unclosed\n")
    with pytest.raises(CampaignError, match=r"a\.yml: \(file\): is not valid YAML"):
        load_campaigns(tmp_path)
    (tmp_path / "a.yml").write_text(yaml.safe_dump({**VALID, "id": "same"}))
    (tmp_path / "b.yml").write_text(yaml.safe_dump({**VALID, "id": "same"}))
    with pytest.raises(CampaignError, match="already used"):
        load_campaigns(tmp_path)


def test_the_file_name_is_the_default_id(tmp_path: Path):
    (tmp_path / "late-parcels.yml").write_text(yaml.safe_dump(VALID))
    [campaign] = load_campaigns(tmp_path)
    assert campaign.id == "late-parcels" and campaign.channel == "auto" and campaign.consent == "opt_out"
