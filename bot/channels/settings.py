"""Each messaging channel's configuration, read from the environment (documented in docs/channels.md).

A channel whose secrets are not set is disabled: its webhook answers 404 ``channel_not_configured``.
The API base URLs are overridable so tests (and a proxy, if one is needed) can stand in for the platform.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(environ: dict[str, str], name: str, default: str = "") -> str:
    return (environ.get(name) or "").strip() or default


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: str = ""
    secret_token: str = ""
    api_url: str = "https://api.telegram.org"

    @property
    def enabled(self) -> bool:
        # The secret token is what verifies webhooks: without it anybody could post updates.
        return bool(self.bot_token and self.secret_token)


@dataclass(frozen=True)
class WhatsAppSettings:
    """WhatsApp through Twilio's Messages API."""

    account_sid: str = ""
    auth_token: str = ""
    whatsapp_from: str = ""  # "whatsapp:+14155238886" (the "whatsapp:" prefix is added when missing)
    api_url: str = "https://api.twilio.com"

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.whatsapp_from)

    @property
    def sender(self) -> str:
        return self.whatsapp_from if self.whatsapp_from.startswith("whatsapp:") else f"whatsapp:{self.whatsapp_from}"


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = ""
    signing_secret: str = ""
    api_url: str = "https://slack.com/api"

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token and self.signing_secret)


@dataclass(frozen=True)
class ChannelSettings:
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    whatsapp: WhatsAppSettings = field(default_factory=WhatsAppSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    # The hub's address as the platforms reach it (https://care.example.com); Twilio signs the full URL.
    public_url: str = ""
    # Delivery: tries per message and the first pause between tries (doubled each time, at most 5 minutes).
    max_attempts: int = 8
    retry_base_s: float = 2.0
    # A customer verified on a new channel continues a conversation active within this many days.
    continue_days: float = 7.0

    def webhooks(self, base_url: str) -> list[tuple[str, str]]:
        """(channel, the URL to give the platform) for each configured channel."""
        base = self.public_url or base_url
        urls = [("Telegram", "/channels/telegram/webhook", self.telegram.enabled),
                ("WhatsApp (Twilio)", "/channels/whatsapp/webhook", self.whatsapp.enabled),
                ("Slack events", "/channels/slack/events", self.slack.enabled),
                ("Slack interactivity", "/channels/slack/interactions", self.slack.enabled)]
        return [(name, base + path) for name, path, enabled in urls if enabled]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "ChannelSettings":
        env = dict(os.environ if environ is None else environ)
        return cls(
            telegram=TelegramSettings(
                bot_token=_env(env, "CAREBOT_TELEGRAM_BOT_TOKEN"),
                secret_token=_env(env, "CAREBOT_TELEGRAM_SECRET_TOKEN"),
                api_url=_env(env, "CAREBOT_TELEGRAM_API_URL", TelegramSettings.api_url).rstrip("/"),
            ),
            whatsapp=WhatsAppSettings(
                account_sid=_env(env, "CAREBOT_TWILIO_ACCOUNT_SID"),
                auth_token=_env(env, "CAREBOT_TWILIO_AUTH_TOKEN"),
                whatsapp_from=_env(env, "CAREBOT_TWILIO_WHATSAPP_FROM"),
                api_url=_env(env, "CAREBOT_TWILIO_API_URL", WhatsAppSettings.api_url).rstrip("/"),
            ),
            slack=SlackSettings(
                bot_token=_env(env, "CAREBOT_SLACK_BOT_TOKEN"),
                signing_secret=_env(env, "CAREBOT_SLACK_SIGNING_SECRET"),
                api_url=_env(env, "CAREBOT_SLACK_API_URL", SlackSettings.api_url).rstrip("/"),
            ),
            public_url=_env(env, "CAREBOT_PUBLIC_URL").rstrip("/"),
            max_attempts=max(1, int(_env(env, "CAREBOT_CHANNEL_MAX_ATTEMPTS", str(cls.max_attempts)))),
            retry_base_s=float(_env(env, "CAREBOT_CHANNEL_RETRY_BASE_S", str(cls.retry_base_s))),
            continue_days=float(_env(env, "CAREBOT_CHANNEL_CONTINUE_DAYS", str(cls.continue_days))),
        )
