"""Who a channel customer is: a platform-verified phone number or e-mail looked up in the CRM.

Only identities the platform vouches for count: WhatsApp's sender number, a Telegram contact the
customer shared of themselves (``contact.user_id == from.id``), a Slack member's e-mail (users.info).
A name, or a number typed into the chat, is never enough to join someone's history.

How strongly a conversation's customer is known (``IDENTITIES``, weakest first): not at all; by what was
typed in the chat (an order or invoice number with the account's e-mail, the bot's verification); or by a
platform that vouches for a phone number or an e-mail address. A channel conversation joins another
conversation of the same customer only when that conversation knows the customer at least as strongly as
the channel does (docs/channels.md, "One customer, one history"): whoever typed someone's order number and
e-mail in the widget must not read that person's WhatsApp messages.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


NONE = "none"
ORDER_AND_EMAIL = "order_and_email"  # typed in the chat: knowledge, which someone else may have too
PLATFORM_VERIFIED_PHONE = "platform_verified_phone"  # WhatsApp's sender, a Telegram contact of oneself
PLATFORM_VERIFIED_EMAIL = "platform_verified_email"  # a Slack member's confirmed e-mail
IDENTITIES = {NONE: 0, ORDER_AND_EMAIL: 1, PLATFORM_VERIFIED_PHONE: 2, PLATFORM_VERIFIED_EMAIL: 2}

# What a channel's CRM match rests on (``channel_bindings.customer_id`` is set only from these).
CHANNEL_IDENTITY = {"whatsapp": PLATFORM_VERIFIED_PHONE, "telegram": PLATFORM_VERIFIED_PHONE,
                    "slack": PLATFORM_VERIFIED_EMAIL}


def strength(identity: str | None) -> int:
    """The rank of an identity; an unknown or missing one (a link made before identities were recorded) is none."""
    return IDENTITIES.get(identity or NONE, 0)


def stronger(a: str | None, b: str | None) -> str:
    """The stronger of two identities (the first when they are equally strong)."""
    return (a or NONE) if strength(a) >= strength(b) else (b or NONE)


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
