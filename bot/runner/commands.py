"""`carebot up`, `carebot health`, `carebot train`."""
from __future__ import annotations

import argparse
import json
import signal
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    up = subparsers.add_parser("up", help="start Rasa, the action server and the hub; Ctrl-C stops them all")
    up.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every service to be healthy")
    up.set_defaults(handler=_up)

    health = subparsers.add_parser("health", help="check each service's health endpoint")
    health.add_argument("--json", action="store_true", help="print JSON")
    health.set_defaults(handler=_health)

    train = subparsers.add_parser("train", help="train the Rasa model if config, domain or data changed")
    train.add_argument("--force", action="store_true", help="train even if nothing changed")
    train.set_defaults(handler=_train)


def _up(args: argparse.Namespace) -> int:
    from bot.agents.commands import DEFAULT_LOGINS_FILE as DEMO_LOGINS
    from bot.runner.services import MODEL_DIR, build_services
    from bot.runner.supervisor import Supervisor

    settings = args.settings
    if not any(MODEL_DIR.glob("*.tar.gz")):
        print("No trained model in models/: run `make run` (or `carebot train`) first.", file=sys.stderr)
        return 2
    supervisor = Supervisor(build_services(settings))

    def _stop(signum, frame):  # SIGTERM behaves like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    # A shell starts background jobs with SIGINT ignored; Ctrl-C / kill -INT must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        supervisor.start()
        print("Starting the action server, Rasa and the care hub (Rasa takes about a minute)...", flush=True)
        supervisor.wait_healthy(args.timeout)
        base = f"http://{settings.hub_host}:{settings.hub_port}"
        print(f"\n  Carebot is running. Chat with it at: {base}/demo/\n"
              f"  Agent console: {base}/console/  (demo logins: {DEMO_LOGINS})\n"
              f"  Supervisor dashboard: {base}/dashboard/\n"
              f"  Logs: {supervisor.log_dir}/  ·  Ctrl-C stops every service.\n", flush=True)
        for channel, url in args.channel_settings.webhooks(base):
            print(f"  {channel} webhook: {url}", flush=True)
        died = supervisor.watch()
        print(f"{died} stopped unexpectedly; stopping the others. See {supervisor.log_dir}/{died}.log",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    except RuntimeError as error:
        print(f"carebot up: {error}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()


def _health(args: argparse.Namespace) -> int:
    from bot.runner.services import build_services
    from bot.runner.supervisor import is_healthy

    status = {s.name: ("ok" if is_healthy(s.health_url) else "down") for s in build_services(args.settings)}
    if args.json:
        print(json.dumps(status))
    else:
        for name, state in status.items():
            print(f"{name:8} {state}")
    return 0 if all(v == "ok" for v in status.values()) else 1


def _train(args: argparse.Namespace) -> int:
    from bot.runner.training import train_if_changed

    return train_if_changed(force=args.force)
