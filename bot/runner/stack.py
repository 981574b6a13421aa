"""A throwaway copy of the whole assistant, for the end-to-end tests and bench/journeys.py.

The real Rasa server (the trained model in models/), action server and hub on free ports, with a fresh hub
database, Rasa tracker and freshly seeded demo CRM in a folder of the caller's, and the client's business
hours around the clock (agents' availability must not depend on when it runs). ``running_stack`` sets the
``CAREBOT_*`` variables in ``os.environ`` while it runs (the services and ``Settings.from_env`` read them
there) and restores them afterwards.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

import yaml

from bot.runner.services import MODEL_DIR, build_services
from bot.runner.supervisor import Supervisor
from bot.settings import PROJECT_ROOT, Settings

MODEL = MODEL_DIR / "carebot.tar.gz"
ALWAYS_OPEN = [{"days": [0, 1, 2, 3, 4, 5, 6], "open": "00:00", "close": "24:00"}]


class StackError(RuntimeError):
    """The stack could not start (no model, a service died or never became healthy)."""


class Stack(NamedTuple):
    supervisor: Supervisor
    settings: Settings

    @property
    def url(self) -> str:
        return f"http://{self.settings.hub_host}:{self.settings.hub_port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_file(directory: Path, business_hours: list[dict] = ALWAYS_OPEN) -> Path:
    """The demo client's file with other business hours."""
    data = yaml.safe_load((PROJECT_ROOT / "client.yml").read_text(encoding="utf-8"))
    data["business_hours"] = business_hours
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "client.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def copied_kb_index(folder: Path) -> Path:
    """An index of the project's knowledge_base/ in ``folder``, started from a copy of the one `make kb`
    builds (var/kb-index), so only articles changed since then are embedded."""
    from bot.kb.index import build_index

    built = PROJECT_ROOT / "var" / "kb-index"
    if (built / "CURRENT").exists():
        shutil.copytree(built, folder, ignore=shutil.ignore_patterns(".build.lock"))
    build_index(Settings().kb_source, folder)
    return folder


def project_kb_index(settings: Settings) -> Path:
    """The project's own index (``settings.kb_index``), built with `carebot kb build` when it is missing."""
    if not (settings.kb_index / "CURRENT").exists():
        subprocess.run([sys.executable, "-m", "bot.cli", "kb", "build"], cwd=PROJECT_ROOT, check=True)
    return settings.kb_index


@contextmanager
def running_stack(folder: Path, kb_index: Path, timeout_s: float = 300,
                  business_hours: list[dict] | None = ALWAYS_OPEN,
                 databases: dict[str, str] | None = None) -> Iterator[Stack]:
    """Start the three services on free ports with fresh databases in ``folder``; stop them on exit.

    ``business_hours``: the care team's hours (default around the clock, so a handoff does not depend
    on the time a test runs); None keeps the client file's own. ``databases``: other URLs for
    CAREBOT_HUB_DB_URL, CAREBOT_CRM_URL and CAREBOT_RASA_TRACKER_URL (PostgreSQL) than SQLite files."""
    if not MODEL.exists():
        raise StackError(f"no trained model at {MODEL}: run `make train`")
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        "CAREBOT_CRM_URL": f"sqlite:///{folder / 'crm.db'}",
        "CAREBOT_HUB_DB_URL": f"sqlite:///{folder / 'hub.db'}",
        "CAREBOT_RASA_TRACKER_URL": f"sqlite:///{folder / 'tracker.db'}",
        "CAREBOT_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "CAREBOT_ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
        "CAREBOT_HUB_PORT": str(free_port()),
        "CAREBOT_KB_INDEX": str(kb_index),
        "CAREBOT_CLIENT_FILE": str(PROJECT_ROOT / "client.yml" if business_hours is None
                                   else client_file(folder / "client", business_hours)),
        **(databases or {}),
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    supervisor = None
    try:
        for command in (["db", "upgrade"], ["crm", "seed"]):  # as `make run` does
            if subprocess.run([sys.executable, "-m", "bot.cli", *command], cwd=PROJECT_ROOT).returncode:
                raise StackError(f"`carebot {' '.join(command)}` failed")
        settings = Settings.from_env()
        supervisor = Supervisor(build_services(settings), log_dir=folder / "log")
        supervisor.start()
        try:
            supervisor.wait_healthy(timeout_s=timeout_s)
        except RuntimeError as error:
            raise StackError(str(error)) from None
        yield Stack(supervisor, settings)
    finally:
        if supervisor is not None:
            supervisor.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
