"""Steps shared by the outreach tests: the clock, a scheduler tick, posting an event, a verified
customer's widget conversation (imported by the tests; the fixtures are in conftest.py)."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from bot.settings import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "channels"))

from channel_payloads import CRM_NOW  # noqa: E402

# 15:00 UTC on CRM_NOW's day is 10:00 in Texas (Maria, C1001) and 08:00 in Oregon (James, C1002):
# outside the quiet hours (21:00-08:00) for both.
DAYTIME = CRM_NOW
API_KEY = "test-outreach-key-0123456789"
EVENT_CAMPAIGNS = ("order_delayed", "service_outage")


def add_campaign(folder: Path, name: str) -> None:
    (folder / f"{name}.yml").write_text((PROJECT_ROOT / "outreach" / f"{name}.yml").read_text())


def set_clock(client: TestClient, now: datetime) -> None:
    """The outreach service's injectable clock: events, replies and ticks all happen at ``now``."""
    client.app.state.hub.outreach.clock = lambda: now


def tick(client: TestClient, now: datetime = DAYTIME) -> dict[str, Any]:
    """One scheduler pass at ``now``, on the app's own event loop (as the hub's loop would run it)."""
    set_clock(client, now)
    report = client.portal.call(client.app.state.hub.outreach.tick, now)
    return report.to_dict()


def post_event(client: TestClient, body: dict[str, Any], key: str | None = API_KEY):
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return client.post("/api/outreach/events", json=body, headers=headers)


def verified_web_conversation(client: TestClient, customer_id: str, name: str = "Maria Lopez") -> str:
    """A widget conversation whose customer was verified (as the order look-up does), linked in the CRM
    lookup the channels keep."""
    hub = client.app.state.hub
    conversation_id = hub.store.create_conversation("web")
    hub.handoffs.escalation.handoffs.set_meta(conversation_id, customer={"customer_id": customer_id, "name": name,
                                                              "tier": "standard", "at_risk": False})
    hub.channels.store.link_customer(customer_id, conversation_id)
    return conversation_id


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
