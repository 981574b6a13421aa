"""Building the outreach service from the settings and file campaigns (the composition root and
`carebot outreach` call it; the hub database is migrated)."""
from __future__ import annotations

import logging
from typing import Any

import yaml

from bot.outreach.campaigns import CampaignError, load_campaigns
from bot.outreach.config import load_outreach_config
from bot.outreach.service import OutreachService
from bot.outreach.store import OutreachStore
from bot.settings import Settings

log = logging.getLogger(__name__)


def client_details(client_file: Any) -> tuple[str, dict[str, Any]]:
    """(the client's time zone, its subscription plans) from client.yml."""
    try:
        data = yaml.safe_load(open(client_file, encoding="utf-8")) or {}
    except OSError:
        data = {}
    return data.get("timezone") or "America/New_York", (data.get("subscription") or {}).get("plans") or {}


def build_service(settings: Settings, *, rasa: Any = None, connections: Any = None, store: Any,
                  channels: Any = None, crm: Any = None) -> OutreachService:
    zone, plans = client_details(settings.client_file)
    outreach_store = OutreachStore(store)
    service = OutreachService(store=outreach_store, rasa=rasa, connections=connections,
                              config=load_outreach_config(settings.client_file), crm=crm,
                              client_zone=zone, plans=plans, text_limit=settings.max_message_chars,
                              channels=channels)
    try:
        service.sync_files(load_campaigns(settings.outreach_dir))
    except CampaignError as exc:  # the hub still serves customers; the operator sees why in the log
        log.error("outreach campaign file is invalid; file campaigns not loaded",
                  extra={"event": "campaign_invalid", "error": str(exc)})
    return service
