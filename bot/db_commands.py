"""`carebot db ...`: migrate the hub database or the demo CRM database to the code's schema.

    carebot db upgrade [hub|crm] [--url URL]    # default hub; idempotent; safe to run while others start
    carebot db current [hub|crm] [--url URL]    # the database's revision and the code's head

The URL defaults to the settings' (CAREBOT_HUB_DB_URL, CAREBOT_CRM_URL). docs/database.md tells how
to change the schema.

Exit codes: 0 ok (for `current`: at head), 1 `current`: not at head, 2 the database cannot be used.
"""
from __future__ import annotations

import argparse
import sys

DATABASES = ("hub", "crm")


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema: upgrade the hub or CRM database, show its revision")
    commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    for name, handler, text in (
        ("upgrade", _upgrade, "migrate the database to the newest schema (adopts a database made by 0.1)"),
        ("current", _current, "print the database's schema revision and the code's (exit 1 when behind)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("database", nargs="?", choices=DATABASES, default="hub",
                             help="hub (default): the hub database; crm: the demo CRM database")
        command.add_argument("--url", help="database URL (default: CAREBOT_HUB_DB_URL / CAREBOT_CRM_URL)")
        command.set_defaults(handler=handler)


def _url(args: argparse.Namespace) -> str:
    return args.url or (args.settings.crm_url if args.database == "crm" else args.settings.hub_db_url)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for messages
        return "<invalid url>"


def _run(args: argparse.Namespace, action) -> int:
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        return action(_url(args))
    except ArgumentError as exc:
        return _fail(f"invalid {args.database} database URL: {exc}", 2)
    except SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0][:300]
        return _fail(f"{args.database} database unavailable at {_redacted(_url(args))} ({reason})", 2)
    except OSError as exc:
        return _fail(str(exc), 2)


def _fail(message: str, code: int) -> int:
    print(f"carebot db: {message}", file=sys.stderr)
    return code


def _upgrade(args: argparse.Namespace) -> int:
    from bot.db import upgrade

    def action(url: str) -> int:
        revisions = upgrade(url, args.database)
        if revisions.before == revisions.after:
            print(f"{args.database} database: at {revisions.after} (head), nothing to do")
        else:
            adopted = " (tables made by release 0.1 kept)" if revisions.adopted else ""
            print(f"{args.database} database: {revisions.before or 'empty'} -> {revisions.after} (head){adopted}")
        return 0

    return _run(args, action)


def _current(args: argparse.Namespace) -> int:
    from bot.db import current

    def action(url: str) -> int:
        revisions = current(url, args.database)
        if revisions.current:
            print(f"{args.database} database: {revisions.after} (head)")
            return 0
        print(f"{args.database} database: {revisions.after or 'no version'}, head {revisions.head}: "
              f"run `carebot db upgrade{' crm' if args.database == 'crm' else ''}`")
        return 1

    return _run(args, action)
