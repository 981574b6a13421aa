"""`carebot hub serve` wiring (uvicorn itself is replaced by a recorder)."""
from __future__ import annotations

import argparse

import pytest

from bot import cli
from bot.hub import commands


def parse(argv):
    parser = argparse.ArgumentParser(prog="carebot")
    subparsers = parser.add_subparsers(dest="command", required=True)
    commands.register(subparsers)
    return cli.parse(argv, parser)


@pytest.fixture
def uvicorn_calls(monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


def test_serve_defaults_come_from_settings(monkeypatch, uvicorn_calls, tmp_path):
    monkeypatch.setenv("CAREBOT_HUB_PORT", "8123")
    monkeypatch.setenv("CAREBOT_HUB_DB_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    args = parse(["hub", "serve"])
    assert args.handler(args) == 0
    [(app, kwargs)] = uvicorn_calls
    assert kwargs["host"] == "127.0.0.1" and kwargs["port"] == 8123
    assert kwargs["log_config"] is None
    assert app.title == "Carebot care hub"


def test_serve_host_and_port_flags(uvicorn_calls):
    args = parse(["hub", "serve", "--host", "0.0.0.0", "--port", "9000"])
    args.handler(args)
    assert uvicorn_calls[0][1]["host"] == "0.0.0.0" and uvicorn_calls[0][1]["port"] == 9000


def test_hub_requires_an_action():
    with pytest.raises(SystemExit):
        parse(["hub"])
