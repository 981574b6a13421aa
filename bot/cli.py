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
    "bot.hub.privacy_commands",
    "bot.kb.commands",
    "bot.kpis.commands",
    "bot.db_commands",
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


def parse(argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """The arguments, with the environment's settings on ``args.settings`` and ``args.channel_settings``:
    the one place the command line reads the environment (handlers get everything from ``args``)."""
    from bot.channels.settings import ChannelSettings
    from bot.settings import Settings

    args = (parser or build_parser()).parse_args(argv)
    args.settings, args.channel_settings = Settings.from_env(), ChannelSettings.from_env()
    return args


def main(argv: list[str] | None = None) -> int:
    from bot import logs

    args = parse(argv)
    logs.configure(args.settings.log_level, args.settings.log_format)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
