"""Who a channel customer is: a platform-verified phone number or e-mail looked up in the CRM.

Only identities the platform vouches for count: WhatsApp's sender number, a Telegram contact the
customer shared of themselves (``contact.user_id == from.id``), a Slack member's e-mail (users.info).
A name, or a number typed into the chat, is never enough to join someone's history.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class LookupFailed(Exception):
    """The CRM could not be asked (down, misconfigured): try again with the next message."""


def crm_customer_id(crm: Any, *, phone: str | None = None, email: str | None = None) -> str | None:
    """The CRM customer with this verified phone (preferred) or e-mail; None when there is none."""
    if crm is None or not (phone or email):
        return None
    from bot.crm.interface import InvalidRequest

    try:
        customer = crm.find_customer(phone=phone) if phone else None
        if customer is None and email:
            customer = crm.find_customer(email=email)
    except InvalidRequest:  # e.g. a number the CRM cannot hold (not a US number in the demo CRM)
        return None
    except Exception as exc:  # noqa: BLE001
        log.warning("CRM lookup for a channel customer failed", extra={"event": "crm_failed", "error": str(exc)[:200]})
        raise LookupFailed(str(exc)) from exc
    return customer.customer_id if customer is not None else None
