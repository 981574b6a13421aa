"""Outreach tests: the real hub app (TestClient, lifespan included) with the scheduler loop off, so each
test drives ``tick(now)`` itself with the time it chooses; a stand-in Rasa, a seeded CRM and the
channels' platform stand-in. Nothing of ours is mocked."""
from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from bot.channels.settings import ChannelSettings, SlackSettings, TelegramSettings, WhatsAppSettings
from bot.hub.app import create_app
from bot.settings import PROJECT_ROOT, Settings

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "channels"))
sys.path.insert(0, str(HERE.parent / "hub"))

from channel_payloads import (  # noqa: E402
    CRM_NOW, PUBLIC_URL, SLACK_SECRET, SLACK_TOKEN, TG_SECRET, TG_TOKEN, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN)
from hub_stubs import RasaStub  # noqa: E402
from live_hub import client_file  # noqa: E402
from platform_stub import PlatformStub  # noqa: E402

sys.path.insert(0, str(HERE))
from outreach_steps import API_KEY, DAYTIME, EVENT_CAMPAIGNS, set_clock  # noqa: E402

@pytest.fixture
def rasa() -> Iterator[RasaStub]:
    stub = RasaStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def platform() -> Iterator[PlatformStub]:
    stub = PlatformStub().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="session")
def crm_url(tmp_path_factory) -> str:
    from bot.crm.seed import seed
    from bot.crm.sql import SqlCrm

    url = f"sqlite:///{tmp_path_factory.mktemp('crm') / 'crm.db'}"
    crm = SqlCrm(url, clock=lambda: CRM_NOW)
    seed(crm, CRM_NOW)
    crm.close()
    return url


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    """The shipped event campaigns (outreach/*.yml), copied; a test of a schedule adds that file."""
    folder = tmp_path / "outreach"
    folder.mkdir()
    for path in [PROJECT_ROOT / "outreach" / f"{name}.yml" for name in EVENT_CAMPAIGNS]:
        (folder / path.name).write_text(path.read_text())
    return folder


@pytest.fixture
def settings(tmp_path: Path, rasa: RasaStub, crm_url: str, campaign_dir: Path) -> Settings:
    return Settings(client_file=client_file(tmp_path), hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}",
                    rasa_url=rasa.url, actions_url=rasa.url, crm_url=crm_url, rasa_timeout_s=3.0,
                    max_message_chars=4000, outreach_dir=campaign_dir, outreach_api_key=API_KEY,
                    outreach_loop=False)


@pytest.fixture
def channel_settings(platform: PlatformStub) -> ChannelSettings:
    return ChannelSettings(
        telegram=TelegramSettings(bot_token=TG_TOKEN, secret_token=TG_SECRET, api_url=platform.url),
        whatsapp=WhatsAppSettings(account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, whatsapp_from=TWILIO_FROM,
                                  api_url=platform.url),
        slack=SlackSettings(bot_token=SLACK_TOKEN, signing_secret=SLACK_SECRET, api_url=platform.url),
        public_url=PUBLIC_URL, max_attempts=4, retry_base_s=0.05,
    )


@pytest.fixture
def make_client():
    clients: list[TestClient] = []

    def _make(settings: Settings, channel_settings: ChannelSettings | None = None, **changes: Any) -> TestClient:
        client = TestClient(create_app(replace(settings, **changes),
                                       channel_settings=channel_settings or ChannelSettings()))
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client, settings: Settings) -> TestClient:
    client = make_client(settings)
    set_clock(client, DAYTIME)
    return client
