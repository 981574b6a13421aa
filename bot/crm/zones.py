"""A customer's time zone, from the state of their address (the demo CRM has no zone column; a real CRM
adapter would read the customer's own setting). Used for outreach quiet hours."""
from __future__ import annotations

DEFAULT_ZONE = "America/New_York"
_ZONES = {
    "America/New_York": "CT DC DE FL GA IN KY MA MD ME MI NC NH NJ NY OH PA RI SC VA VT WV",
    "America/Chicago": "AL AR IA IL KS LA MN MO MS ND NE OK SD TN TX WI",
    "America/Denver": "CO MT NM UT WY ID",
    "America/Phoenix": "AZ",
    "America/Los_Angeles": "CA NV OR WA",
    "America/Anchorage": "AK",
    "Pacific/Honolulu": "HI",
}
STATE_ZONES = {state: zone for zone, states in _ZONES.items() for state in states.split()}


def zone_for_state(state: str | None, default: str = DEFAULT_ZONE) -> str:
    """The IANA zone of a US state ("WA" -> "America/Los_Angeles"); ``default`` when unknown."""
    return STATE_ZONES.get((state or "").strip().upper(), default)
