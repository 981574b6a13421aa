"""What `carebot up` starts: the Rasa server, the action server and the care hub."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import PROJECT_ROOT, Settings

MODEL_DIR = PROJECT_ROOT / "models"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"

# Nothing may be fetched from a model hub at run time.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONUNBUFFERED": "1",
}


@dataclass(frozen=True)
class Service:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def rasa_env(settings: Settings) -> dict[str, str]:
    """Variables endpoints.yml reads; defaults keep one machine working without a .env file."""
    var = PROJECT_ROOT / "var"
    return {
        "CAREBOT_ACTIONS_URL": settings.actions_url,
        "CAREBOT_ACTIONS_TOKEN": settings.actions_token,  # Rasa sends it to the action server (endpoints.yml)
        "CAREBOT_RASA_TRACKER_URL": os.environ.get(
            "CAREBOT_RASA_TRACKER_URL", f"sqlite:///{var / 'rasa-tracker.db'}"
        ),
    }


def build_services(settings: Settings, model: Path | None = None) -> list[Service]:
    rasa_host, rasa_port = _host_port(settings.rasa_url)
    _actions_host, actions_port = _host_port(settings.actions_url)
    model = model or MODEL_DIR
    base_env = {**OFFLINE_ENV, **rasa_env(settings)}
    return [
        Service(
            name="actions",
            # rasa_sdk's server behind the shared secret, on settings.actions_host (actions/server.py)
            argv=[sys.executable, "-m", "actions.server", "--host", settings.actions_host,
                  "--port", str(actions_port),
                  "--logging-config-file", str(PROJECT_ROOT / "bot" / "logging.yml")],
            health_url=f"{settings.actions_url}/health",
            env=base_env,
        ),
        Service(
            name="rasa",
            # The HTTP API (trackers, events, model) answers only with the token, which the hub sends.
            argv=[str(RASA_BIN), "run", "--enable-api", "--auth-token", settings.rasa_token, "--model", str(model),
                  "--interface", rasa_host, "--port", str(rasa_port),
                  "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            health_url=f"{settings.rasa_url}/",
            env=base_env,
        ),
        Service(
            name="hub",
            argv=[sys.executable, "-m", "bot.cli", "hub", "serve",
                  "--host", settings.hub_host, "--port", str(settings.hub_port)],
            health_url=f"http://{settings.hub_host}:{settings.hub_port}/health",
            env=base_env,
        ),
    ]
