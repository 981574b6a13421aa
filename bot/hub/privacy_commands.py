"""`carebot privacy ...`: export or erase one customer's data, purge what is past the retention period,
print the audit log (docs/privacy.md, "Export and erasure").

    carebot privacy export --conversation ID --json     carebot privacy export --email E --json
    carebot privacy erase --conversation ID --json      carebot privacy erase --email E --json
    carebot privacy purge [--dry-run] [--json]          carebot privacy audit [--conversation ID] [--json]
    carebot privacy reseal [--json]
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    privacy = subparsers.add_parser("privacy", help="Export or erase a customer's data; retention; the audit log.")
    actions = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    for name, helptext in (("export", "Everything stored about a conversation or an e-mail address."),
                           ("erase", "Remove a conversation's or an e-mail address's data from every store.")):
        action = actions.add_parser(name, help=helptext)
        who = action.add_mutually_exclusive_group(required=True)
        who.add_argument("--conversation", metavar="ID", help="One conversation, by its id.")
        who.add_argument("--email", metavar="E", help="Every conversation of this address, and its CRM free text.")
        action.add_argument("--json", action="store_true", help="Print the result as JSON.")
        action.set_defaults(handler=export_command if name == "export" else erase_command)
    purge = actions.add_parser("purge", help="Remove the words of conversations idle past client.yml "
                                             "privacy.retention_days.")
    purge.add_argument("--dry-run", action="store_true", help="List the conversations only.")
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(handler=purge_command)
    reseal = actions.add_parser("reseal", help="Encrypt every sealed value again with the first of CAREBOT_DATA_KEYS "
                                               "(key rotation; also seals what was stored before encryption).")
    reseal.add_argument("--json", action="store_true")
    reseal.set_defaults(handler=reseal_command)
    audit = actions.add_parser("audit", help="Who opened, exported or erased which conversation.")
    audit.add_argument("--conversation", metavar="ID")
    audit.add_argument("--since", metavar="YYYY-MM-DD", type=_day)
    audit.add_argument("--limit", type=int, default=1000)
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(handler=audit_command)


def _day(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {value!r}") from None


def _plain_errors(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A database that cannot be reached, an older schema or a key that opens nothing: one line saying
    so and exit code 1, no traceback (nothing was changed: every store is written in one transaction)."""
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        from bot.crm.interface import CrmError
        from bot.db import SchemaNotCurrent

        try:
            return handler(args)
        except (SQLAlchemyError, SchemaNotCurrent, CrmError, ValueError) as exc:
            print(f"carebot privacy {args.privacy_command}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                  file=sys.stderr)
            return 1
    return run


@contextmanager
def _service(args: argparse.Namespace) -> Iterator[Any]:
    from bot.client_file import read_client_file
    from bot.conversations.store import Store
    from bot.db import make_engine, prepare
    from bot.hub.wiring import open_crm_once, privacy_service

    settings = args.settings
    engine = make_engine(settings.hub_db_url, keys=settings.data_keys)
    crm = None
    try:
        prepare(engine, settings.db_upgrade)
        store, crm = Store(engine), open_crm_once(settings.crm_url)
        service = privacy_service(settings, store, crm=crm, client=read_client_file(settings.client_file))
        try:
            yield service
        finally:
            if service.trackers is not None:
                service.trackers.close()
    finally:
        if crm is not None:
            crm.close()
        engine.dispose()


def _request(service: Any, args: argparse.Namespace) -> Any:
    from bot.privacy.service import UnknownSubject

    try:
        return service.for_conversation(args.conversation) if args.conversation else service.for_email(args.email)
    except UnknownSubject as exc:
        print(f"carebot privacy: {exc}", file=sys.stderr)
        return None


def _print(data: dict[str, Any], as_json: bool, summary: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str) if as_json else summary)


def _counts(removed: dict[str, Any]) -> str:
    lines = []
    for store, tables in removed.items():
        for table, count in (tables or {}).items():
            lines.append(f"  {store}: {table}: {count}")
    return "\n".join(lines) or "  nothing was stored"


@_plain_errors
def export_command(args: argparse.Namespace) -> int:
    with _service(args) as service:
        request = _request(service, args)
        if request is None:
            return 2
        data = service.export(request, actor=ACTOR)
    rows = sum(len(v) for v in data["hub_database"].values())
    _print(data, args.json, f"{len(request.subject.conversation_ids)} conversation(s), {rows} hub rows "
                            f"(use --json for the data)")
    return 0


@_plain_errors
def erase_command(args: argparse.Namespace) -> int:
    with _service(args) as service:
        request = _request(service, args)
        if request is None:
            return 2
        data = service.erase(request, actor=ACTOR)
    _print(data, args.json, f"erased {len(request.subject.conversation_ids)} conversation(s):\n"
                            + _counts(data["removed"]))
    return 0


@_plain_errors
def purge_command(args: argparse.Namespace) -> int:
    with _service(args) as service:
        data = service.purge(datetime.now(timezone.utc), actor=ACTOR, dry_run=args.dry_run)
    if data["retention_days"] is None:
        summary = "no retention period is set (client.yml privacy.retention_days): nothing to purge"
    else:
        verb = "would purge" if args.dry_run else "purged"
        summary = f"{verb} {len(data['conversations'])} conversation(s) idle since {data['cutoff']}"
    _print(data, args.json, summary)
    return 0


@_plain_errors
def audit_command(args: argparse.Namespace) -> int:
    with _service(args) as service:
        entries = service.audit.entries(conversation_id=args.conversation, since=args.since, limit=args.limit)
    data = {"entries": [e.to_dict() for e in entries]}
    lines = [f"{e['at']}  {e['actor']:<20} {e['action']:<16} {e['conversation_id'] or '-':<34} {e['subject'] or ''}"
             for e in data["entries"]]
    _print(data, args.json, "\n".join(lines) or "the audit log is empty")
    return 0


@_plain_errors
def reseal_command(args: argparse.Namespace) -> int:
    from bot.db import prepare
    from bot.privacy.reseal import reseal

    settings = args.settings
    if not settings.data_keys:
        print("carebot privacy: no data keys (CAREBOT_DATA_KEYS)", file=sys.stderr)
        return 2
    prepare(settings.hub_db_url, settings.db_upgrade)
    changed = reseal(settings.hub_db_url, settings.data_keys)
    _print({"resealed": changed}, args.json, "\n".join(f"  {t}: {n}" for t, n in changed.items()))
    return 0
