"""Messaging channels (Telegram, WhatsApp through Twilio, Slack) in front of the hub's router.

``open_channels`` builds them in the hub's lifespan; docs/channels.md explains the setup per platform.
"""
from __future__ import annotations

from typing import Any, Callable

import httpx

from bot.channels.delivery import ChannelDelivery
from bot.channels.service import ChannelService
from bot.channels.settings import ChannelSettings
from bot.channels.slack import Slack
from bot.channels.store import ChannelStore
from bot.channels.telegram import Telegram
from bot.channels.whatsapp import WhatsApp


class Channels(ChannelService):
    """The running channels: the service the webhooks call, plus the delivery loop and its HTTP client."""

    async def close(self) -> None:
        await self.delivery.stop()
        await self.http.aclose()


async def open_channels(settings: ChannelSettings, *, store: Any, router: Any, connections: Any,
                        spawn: Callable[..., Any], crm_url: str | None, text_limit: int = 4000) -> Channels:
    """Hook delivery into ``connections`` and start the delivery loop (the hub database is migrated)."""
    channel_store = ChannelStore(store)
    platforms = {"telegram": Telegram(settings.telegram), "whatsapp": WhatsApp(settings.whatsapp),
                 "slack": Slack(settings.slack)}
    http = httpx.AsyncClient()
    delivery = ChannelDelivery(channel_store, platforms, http=http, max_attempts=settings.max_attempts,
                               retry_base_s=settings.retry_base_s)
    channels = Channels(settings=settings, store=channel_store, router=router, connections=connections,
                        delivery=delivery, platforms=platforms, http=http, spawn=spawn, crm_url=crm_url,
                        text_limit=text_limit)
    connections.sink = delivery.sink
    if router.handoffs is not None:
        router.handoffs.on_customer = channel_store.link_customer_of
    delivery.start()
    return channels
