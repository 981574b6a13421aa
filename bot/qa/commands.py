"""`carebot qa ...`: score closed episodes again after the client file's `qa:` weights changed."""
from __future__ import annotations

import argparse
import json
from datetime import date, datetime, timezone


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {value!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    qa = subparsers.add_parser("qa", help="QA scorecards of closed conversations.")
    actions = qa.add_subparsers(dest="qa_command", required=True, metavar="ACTION")
    recompute = actions.add_parser("recompute", help="Score the episodes closed in a range again (reviews are kept).")
    recompute.add_argument("--from", dest="start", type=_day, required=True)
    recompute.add_argument("--to", dest="end", type=_day, default=None, help="Inclusive (default: today, UTC).")
    recompute.set_defaults(handler=recompute_command)


def recompute_command(args: argparse.Namespace) -> int:
    from bot.conversations.closure import Closures
    from bot.conversations.store import Store
    from bot.conversations.closure import day_bounds
    from bot.qa.config import load_qa_config
    from bot.qa.scorecards import Scorecards

    settings = args.settings
    store = Store(settings.hub_db_url, keys=settings.data_keys)
    try:
        store.create_schema()
        cards = Scorecards(store, load_qa_config(settings.client_file))
        end = args.end or datetime.now(timezone.utc).date()
        closures = Closures(store).between(*day_bounds(args.start, end))
        for closure in closures:
            cards.compute(closure)
    finally:
        store.close()
    print(json.dumps({"recomputed": len(closures), "from": args.start.isoformat(), "to": end.isoformat()}))
    return 0
