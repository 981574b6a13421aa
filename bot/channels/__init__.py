"""Messaging channels (Telegram, WhatsApp through Twilio, Slack) in front of the turn pipeline.

The composition root (bot/hub/wiring.py) builds them; docs/channels.md explains the setup per platform.
"""
from __future__ import annotations

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


def open_delivery(settings: ChannelSettings, store: ChannelStore) -> ChannelDelivery:
    """The platforms and their outbox (the delivery loop is started by the caller)."""
    platforms = {"telegram": Telegram(settings.telegram), "whatsapp": WhatsApp(settings.whatsapp),
                 "slack": Slack(settings.slack)}
    return ChannelDelivery(store, platforms, http=httpx.AsyncClient(), max_attempts=settings.max_attempts,
                           retry_base_s=settings.retry_base_s)
