"""`carebot crm seed` and `carebot crm show-order`, through `register()` on a real argparse parser."""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys

import pytest

from bot import cli
from bot.crm import commands


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="carebot")
    subparsers = parser.add_subparsers(dest="command", required=True)
    commands.register(subparsers)
    args = cli.parse(argv, parser)
    return args.handler(args)


def test_seed_then_show_order(empty_url, capsys):
    assert run(["crm", "seed", "--url", empty_url, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["created"] is True
    assert first["counts"]["customers"] == 60 and first["counts"]["orders"] == 300

    assert run(["crm", "seed", "--url", empty_url]) == 0  # idempotent, one line of text
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "nothing changed" in out and "60 customers" in out

    assert run(["crm", "seed", "--url", empty_url, "--reset"]) == 0
    assert capsys.readouterr().out.startswith("seeded CRM: 60 customers, 300 orders")

    assert run(["crm", "show-order", "a1042", "--url", empty_url]) == 0
    order = json.loads(capsys.readouterr().out)
    assert order["order_id"] == "A1042" and order["customer_id"] == "C1001"
    assert order["status"] == "shipped" and order["shipment"]["carrier"] == "UPS"
    assert order["total"] == "85.00" and order["lines"][0]["product"] == "Pour-Over Kettle"


def test_show_unknown_order(empty_url, capsys):
    assert run(["crm", "seed", "--url", empty_url]) == 0
    capsys.readouterr()
    assert run(["crm", "show-order", "A9999", "--url", empty_url]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "A9999" in captured.err and "not found" in captured.err


def test_unavailable_backend_exit_code(capsys):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/carebot"
    assert run(["crm", "seed", "--url", url]) == 2
    assert "unavailable" in capsys.readouterr().err
    assert run(["crm", "show-order", "A1042", "--url", url]) == 2


def test_default_url_comes_from_settings(tmp_path, monkeypatch, capsys):
    path = tmp_path / "var" / "crm.db"
    monkeypatch.setenv("CAREBOT_CRM_URL", f"sqlite:///{path}")
    assert run(["crm", "seed", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["invoices"] > 400
    assert path.exists()


def test_subcommand_is_required():
    with pytest.raises(SystemExit):
        run(["crm"])


def test_importing_commands_is_light():
    code = (
        "import sys, bot.crm.commands, bot.crm; "
        "heavy = [m for m in ('sqlalchemy', 'psycopg', 'yaml', 'bot.crm.sql') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(importlib.util.find_spec("bot.runner") is None, reason="bot.runner (lead) not written yet")
def test_through_the_real_carebot_cli(tmp_path, capsys):
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert main(["crm", "seed", "--url", url, "--json"]) == 0
    assert main(["crm", "show-order", "A1043", "--url", url]) == 0
    out = capsys.readouterr().out
    assert '"order_id": "A1043"' in out
