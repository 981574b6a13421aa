"""`carebot crm ...`: seed the demo CRM and look at orders.

    carebot crm seed [--url URL] [--reset] [--json]
    carebot crm show-order A1042 [--url URL]

Exit codes: 0 ok, 1 not found / bad input, 2 CRM unavailable.
"""
from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    crm = subparsers.add_parser("crm", help="demo CRM: seed data, look up orders")
    commands = crm.add_subparsers(dest="crm_command", required=True, metavar="CRM_COMMAND")

    seed = commands.add_parser("seed", help="fill the CRM with the deterministic demo data (idempotent)")
    seed.add_argument("--url", help="database URL (default: CAREBOT_CRM_URL / settings.crm_url)")
    seed.add_argument("--reset", action="store_true", help="delete existing CRM data and seed again")
    seed.add_argument("--json", action="store_true", help="print the row counts as JSON")
    seed.set_defaults(handler=_seed)

    show = commands.add_parser("show-order", help="print one order as JSON")
    show.add_argument("order_id", metavar="ORDER_ID", help='e.g. A1042 (also "a1042")')
    show.add_argument("--url", help="database URL (default: CAREBOT_CRM_URL / settings.crm_url)")
    show.set_defaults(handler=_show_order)


def _fail(message: str, code: int) -> int:
    print(f"carebot crm: {message}", file=sys.stderr)
    return code


def _seed(args: argparse.Namespace) -> int:
    from bot.crm import CrmError, CrmUnavailable, open_crm
    from bot.crm.seed import seed

    try:
        crm = open_crm(args.url or args.settings.crm_url, client_file=args.settings.client_file)
        try:
            result = seed(crm, reset=args.reset)
        finally:
            crm.close()
    except CrmUnavailable as exc:
        return _fail(str(exc), 2)
    except CrmError as exc:
        return _fail(str(exc), 1)
    if args.json:
        print(json.dumps({"created": result.created, "counts": result.counts}))
    else:
        print(result.summary())
    return 0


def _show_order(args: argparse.Namespace) -> int:
    from bot.crm import CrmError, CrmUnavailable, open_crm, to_dict

    try:
        crm = open_crm(args.url or args.settings.crm_url, client_file=args.settings.client_file)
        try:
            order = crm.get_order(args.order_id)
        finally:
            crm.close()
    except CrmUnavailable as exc:
        return _fail(str(exc), 2)
    except CrmError as exc:
        return _fail(str(exc), 1)
    if order is None:
        return _fail(f"order {args.order_id!r} not found", 1)
    print(json.dumps(to_dict(order), indent=2))
    return 0
