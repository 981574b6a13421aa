"""`carebot`: the one command line for operator tasks.

Each area registers its own subcommands from a `commands` module with a
`register(subparsers)` function; heavy imports stay inside the handlers so
`carebot --help` is instant.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = (
    "bot.agents.commands",
    "bot.crm.commands",
    "bot.frustration.commands",
    "bot.hub.commands",
    "bot.kb.commands",
    "bot.kpis.commands",
    "bot.migrations.commands",
    "bot.qa.commands",
    "bot.outreach.commands",
    "bot.runner.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carebot", description="Operate the Carebot care assistant.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot import logs
    from bot.settings import Settings

    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    # Handlers that take their settings from here read `args.settings` (one Settings per run).
    args = build_parser().parse_args(argv, namespace=argparse.Namespace(settings=settings))
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
