"""`carebot outreach ...`: proactive campaigns for operators (docs/outreach.md).

    carebot outreach list [--json]                       campaigns (files and API) with their jobs by status
    carebot outreach status [--campaign ID] [--json]     jobs by status with the reasons; with --campaign, each job
    carebot outreach run [--once] [--now ISO]            the scheduler: one pass (--once) or the loop
    carebot outreach event TYPE --id ID [--orders A1045 ...] [--customers C1001 ...] [--update U] [--data k=v ...]

The running hub runs the scheduler itself (unless CAREBOT_OUTREACH_LOOP=0); `run` is for a hub that
does not, or for a pass at a chosen time (`--now`, e.g. to try a schedule). Messages sent by `run`
are stored and delivered to messaging channels; open widget tabs see them at their next
reconnect, since only the hub holds their websockets.

Exit codes: 0 ok, 1 user error (an invalid campaign file, an unknown campaign, a bad event),
2 the hub database cannot be used.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    outreach = subparsers.add_parser("outreach", help="proactive campaigns: list, status, run, event")
    commands = outreach.add_subparsers(dest="outreach_command", required=True, metavar="OUTREACH_COMMAND")

    listing = commands.add_parser("list", help="campaigns with their jobs by status")
    listing.add_argument("--json", action="store_true", help="one JSON object per campaign")
    listing.set_defaults(handler=_list)

    status = commands.add_parser("status", help="jobs by status, with the reasons for skipped and failed")
    status.add_argument("--campaign", help="only this campaign, and list its jobs")
    status.add_argument("--json", action="store_true", help="JSON output")
    status.set_defaults(handler=_status)

    run = commands.add_parser("run", help="run the scheduler: one pass with --once, else a loop")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    run.add_argument("--now", help="the time of the pass, ISO 8601 (default: now); implies --once")
    run.set_defaults(handler=_run)

    event = commands.add_parser("event", help="post an event (as POST /api/outreach/events does)")
    event.add_argument("type", help="event type, e.g. order_delayed or service_outage")
    event.add_argument("--id", required=True, help="the event's id (posting it again sends nothing new)")
    event.add_argument("--update", default="", help="an update of the event (same customers), e.g. 1 or resolved")
    event.add_argument("--orders", nargs="*", default=[], help="order ids: their customers are told")
    event.add_argument("--customers", nargs="*", default=[], help="customer ids")
    event.add_argument("--data", nargs="*", default=[], metavar="KEY=VALUE", help="values for the flow's entities")
    event.set_defaults(handler=_event)


def _fail(message: str, code: int) -> int:
    print(f"carebot outreach: {message}", file=sys.stderr)
    return code


def _with_service(args: argparse.Namespace, action) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.conversations.store import Store
    from bot.crm.sql import SqlCrm
    from bot.outreach.app import build_service
    from bot.outreach.campaigns import CampaignError, load_campaigns
    from bot.outreach.service import EventError

    settings = args.settings
    try:
        load_campaigns(settings.outreach_dir)  # report a bad file here, with its name and field
    except CampaignError as exc:
        return _fail(str(exc), 1)
    try:
        store = Store(settings.hub_db_url, keys=settings.data_keys)
        crm = SqlCrm(settings.crm_url)  # opened once for the run; nothing connects before the first look-up
        try:
            store.create_schema()
            return action(settings, store, build_service(settings, store=store, crm=crm))
        finally:
            crm.close()
            store.close()
    except (CampaignError, LookupError) as exc:
        return _fail(str(exc), 1)
    except EventError as exc:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        return _fail(exc.message + (f" ({details})" if details else ""), 1)
    except SQLAlchemyError as exc:
        return _fail(f"hub database unavailable ({type(exc).__name__})", 2)


def _list(args: argparse.Namespace) -> int:
    def action(settings, store, service) -> int:
        counts = service.store.counts()
        campaigns = service.campaigns()
        if args.json:
            for campaign in campaigns:
                print(json.dumps({**campaign.to_dict(), "jobs": counts.get(campaign.id, {})}, ensure_ascii=False))
            return 0
        print(f"{'campaign':<20} {'trigger':<34} {'intent':<28} {'channel':<8} {'on':<3} jobs")
        for c in campaigns:
            t = c.trigger
            trigger = {"event": f"event {t.event}", "schedule": f"daily at {t.daily_at}" if t.daily_at
                       else f"every {t.every_minutes} min", "new_customer": "new customer",
                       "handoff_closed": f"handoff closed {t.disposition} +{t.after_days:g}d"}[t.kind]
            jobs = ", ".join(f"{k} {v}" for k, v in sorted(counts.get(c.id, {}).items()) if ":" not in k) or "-"
            print(f"{c.id:<20} {trigger:<34} {c.intent:<28} {c.channel:<8} {'yes' if c.enabled else 'no':<3} {jobs}")
        return 0

    return _with_service(args, action)


def _status(args: argparse.Namespace) -> int:
    def action(settings, store, service) -> int:
        if args.campaign and service.campaign(args.campaign) is None:
            raise LookupError(f"no campaign {args.campaign!r}")
        counts = service.store.counts(args.campaign)
        jobs = service.store.jobs(args.campaign) if args.campaign else []
        if args.json:
            print(json.dumps({"campaigns": counts, "jobs": [j.to_dict() for j in jobs]}, ensure_ascii=False, indent=2))
            return 0
        if not counts:
            print("no outreach jobs yet")
        for campaign, by_status in sorted(counts.items()):
            print(campaign)
            for key, n in sorted(by_status.items()):
                print(f"  {key:<32} {n}")
        for job in jobs:
            print(f"  #{job.id:<6} {job.customer_id:<8} {job.status:<10} {job.reason or '':<18} "
                  f"attempts {job.attempts}  {job.conversation_id or ''} {job.last_error or ''}".rstrip())
        return 0

    return _with_service(args, action)


def _run(args: argparse.Namespace) -> int:
    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            return _fail(f"--now {args.now!r} is not an ISO 8601 time, e.g. 2026-12-03T09:00:00+00:00", 1)
        now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)

    def action(settings, store, service) -> int:
        import asyncio

        asyncio.run(_run_service(settings, args.channel_settings, store, service.crm, now,
                                 once=args.once or now is not None))
        return 0

    return _with_service(args, action)


async def _run_service(settings, channel_settings, store, crm, now, *, once: bool) -> None:
    """The scheduler outside the hub: sends through the Rasa server and the channels' outbox (no sockets)."""
    from bot.channels import open_delivery
    from bot.channels.store import ChannelStore
    from bot.conversations.connections import Connections
    from bot.conversations.rasa_client import RasaClient
    from bot.outreach.app import build_service

    rasa = RasaClient(settings.rasa_url, timeout_s=settings.rasa_timeout_s, token=settings.rasa_token)
    channel_store = ChannelStore(store)
    delivery = open_delivery(channel_settings, channel_store)
    delivery.start()
    service = build_service(settings, rasa=rasa, connections=Connections(sink=delivery.sink), store=store,
                            channels=delivery, crm=crm)
    try:
        if once:
            report = await service.tick(now)
            print(json.dumps(report.to_dict()))
        else:
            await service.run_forever()
    finally:
        await delivery.stop()
        await delivery.http.aclose()
        await rasa.aclose()


def _event(args: argparse.Namespace) -> int:
    data: dict[str, Any] = {}
    for item in args.data:
        key, sep, value = item.partition("=")
        if not sep or not key:
            return _fail(f"--data {item!r}: write KEY=VALUE", 1)
        data[key] = value
    body = {"type": args.type, "id": args.id, "update": args.update, "orders": args.orders,
            "customers": args.customers, "data": data}

    def action(settings, store, service) -> int:
        print(json.dumps(service.post_event(body), ensure_ascii=False))
        return 0

    return _with_service(args, action)
