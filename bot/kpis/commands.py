"""`carebot kpis`: the care KPIs of a date range as a table, JSON or CSV (docs/kpis.md)."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timedelta, timezone


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {value!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    from bot.kpis.metrics import BY

    parser = subparsers.add_parser("kpis", help="Care KPIs (CSAT, NPS, CES, FCR, containment, ...) by day or dimension.")
    parser.add_argument("--from", dest="start", type=_day, default=None, help="First UTC day (default: 29 days before --to).")
    parser.add_argument("--to", dest="end", type=_day, default=None, help="Last UTC day, inclusive (default: today).")
    parser.add_argument("--by", choices=BY, default="day")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="The API's JSON document.")
    output.add_argument("--csv", action="store_true", help="The API's CSV.")
    parser.set_defaults(handler=kpis_command)


COLUMNS = (("key", "key"), ("episodes", "n"), ("csat", "CSAT%"), ("nps", "NPS"), ("ces", "CES"), ("fcr", "FCR%"),
           ("containment", "contain%"), ("escalation_rate", "escal%"), ("avg_wait_s", "wait s"),
           ("avg_handle_s", "handle s"), ("kb_helpful", "KB%"), ("frustration", "frustr"))


def kpis_command(args: argparse.Namespace) -> int:
    from bot.kpis.metrics import MAX_RANGE_DAYS, Kpis, to_csv
    from bot.conversations.store import Store

    end = args.end or (args.start + timedelta(days=29) if args.start else datetime.now(timezone.utc).date())
    start = args.start or end - timedelta(days=29)
    if start > end or (end - start).days + 1 > MAX_RANGE_DAYS:
        print(f"--from must be on or before --to, at most {MAX_RANGE_DAYS} days apart", file=sys.stderr)
        return 2
    store = Store(args.settings.hub_db_url, keys=args.settings.data_keys)
    try:
        store.create_schema()
        report = Kpis(store).report(start, end, args.by)
    finally:
        store.close()
    if args.json:
        print(json.dumps(report, indent=2))
    elif args.csv:
        sys.stdout.write(to_csv(report))
    else:
        rows = [*report["rows"], report["totals"]]
        cells = [[title for _, title in COLUMNS]] + [["-" if r[name] is None else str(r[name]) for name, _ in COLUMNS]
                                                      for r in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
        for row in cells:
            print("  ".join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in
                            enumerate(zip(row, widths))))
    return 0
