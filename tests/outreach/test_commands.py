"""`carebot outreach list|status|run|event` against a real hub database, CRM and the stand-in Rasa."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.channels.store import ChannelStore
from bot.conversations.store import Store
from bot.settings import PROJECT_ROOT


@pytest.fixture
def env(monkeypatch, settings):
    for name, value in {"CAREBOT_HUB_DB_URL": settings.hub_db_url, "CAREBOT_CRM_URL": settings.crm_url,
                        "CAREBOT_RASA_URL": settings.rasa_url, "CAREBOT_CLIENT_FILE": str(settings.client_file),
                        "CAREBOT_OUTREACH_DIR": str(settings.outreach_dir), "CAREBOT_LOG_FORMAT": "text",
                        "CAREBOT_LOG_LEVEL": "WARNING"}.items():
        monkeypatch.setenv(name, value)
    return settings


def carebot(*argv: str) -> tuple[int, str, str]:
    """The command in its own process, as an operator runs it (the environment comes from ``env``)."""
    run = subprocess.run([sys.executable, "-m", "bot.cli", "outreach", *argv], capture_output=True, text=True,
                         cwd=PROJECT_ROOT, timeout=120)
    return run.returncode, run.stdout, run.stderr


def web_conversation(settings, customer_id: str) -> str:
    store = Store(settings.hub_db_url)
    try:
        store.create_schema()
        channels = ChannelStore(store)
        channels.create_schema()
        conversation = store.create_conversation("web")
        channels.link_customer(customer_id, conversation)
        return conversation
    finally:
        store.close()


def test_event_run_status_and_list(env, rasa):
    conversation = web_conversation(env, "C1001")
    code, out, _ = carebot("event", "order_delayed", "--id", "D-1", "--orders", "A1045",
                           "--data", "new_date=Friday 20 March")
    assert code == 0 and json.loads(out)["jobs_created"] == 1
    # tomorrow 15:00 UTC: daytime in Texas (Maria), and after the event (posted now, by the real clock)
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)
    code, out, _ = carebot("run", "--now", tomorrow.isoformat())
    assert code == 0 and json.loads(out)["outcomes"] == {"sent": 1}
    assert rasa.triggered == [(conversation, "EXTERNAL_order_delayed")]
    assert rasa.trigger_entities == [{"order_id": "A1045", "new_date": "Friday 20 March"}]
    code, out, _ = carebot("status", "--campaign", "order_delayed", "--json")
    status = json.loads(out)
    assert code == 0 and status["campaigns"] == {"order_delayed": {"sent": 1}}
    assert [j["conversation_id"] for j in status["jobs"]] == [conversation]
    code, out, _ = carebot("status")
    assert code == 0 and "order_delayed" in out and "sent" in out
    code, out, _ = carebot("list", "--json")
    listed = {c["id"]: c for c in map(json.loads, out.splitlines())}
    assert listed["order_delayed"]["jobs"] == {"sent": 1} and "service_outage" in listed
    code, out, _ = carebot("list")
    assert code == 0 and "event order_delayed" in out


def test_user_errors_exit_1_with_a_clear_message(env, campaign_dir: Path):
    code, _, err = carebot("status", "--campaign", "nope")
    assert code == 1 and "no campaign 'nope'" in err
    code, _, err = carebot("event", "parcel_eaten", "--id", "X", "--orders", "A1045")
    assert code == 1 and "No enabled campaign" in err
    code, _, err = carebot("run", "--now", "yesterday")
    assert code == 1 and "ISO 8601" in err
    (campaign_dir / "broken.yml").write_text("trigger: {event: order_delayed}\nflow: {entities: {}}\n")
    code, _, err = carebot("list")
    assert code == 1 and "broken.yml: flow.intent: is required" in err
