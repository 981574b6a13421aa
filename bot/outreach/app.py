"""Building the outreach service from the settings and file campaigns (the composition root and
`carebot outreach` call it; the hub database is migrated)."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from bot.client_file import read_client_file
from bot.outreach.campaigns import CampaignError, load_campaigns
from bot.outreach.config import outreach_config_from_client
from bot.outreach.service import OutreachService
from bot.outreach.store import OutreachStore
from bot.settings import Settings

log = logging.getLogger(__name__)


def build_service(settings: Settings, *, rasa: Any = None, connections: Any = None, store: Any,
                  channels: Any = None, crm: Any = None, client: Mapping[str, Any] | None = None) -> OutreachService:
    """``client``: the parsed client file (read here when not given)."""
    client = client if client is not None else read_client_file(settings.client_file)
    zone = client.get("timezone") or "America/New_York"
    plans = (client.get("subscription") or {}).get("plans") or {}
    outreach_store = OutreachStore(store)
    service = OutreachService(store=outreach_store, rasa=rasa, connections=connections,
                              config=outreach_config_from_client(client), crm=crm,
                              client_zone=zone, plans=plans, text_limit=settings.max_message_chars,
                              channels=channels)
    try:
        service.sync_files(load_campaigns(settings.outreach_dir))
    except CampaignError as exc:  # the hub still serves customers; the operator sees why in the log
        log.error("outreach campaign file is invalid; file campaigns not loaded",
                  extra={"event": "campaign_invalid", "error": str(exc)})
    return service
