"""`carebot hub ...` subcommands."""
from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    hub = subparsers.add_parser("hub", help="Run the care hub (the gateway customers talk to).")
    actions = hub.add_subparsers(dest="hub_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="Serve the hub API, websocket, widget and demo page.")
    serve.add_argument("--host", default=None, help="Interface to bind (default: CAREBOT_HUB_HOST or 127.0.0.1).")
    serve.add_argument("--port", type=int, default=None, help="Port (default: CAREBOT_HUB_PORT or 8000).")
    serve.set_defaults(handler=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import uvicorn

    from bot.hub.app import create_app
    from bot.hub.routes.ws import frame_limit

    settings = args.settings
    settings = replace(
        settings,
        hub_host=args.host or settings.hub_host,
        hub_port=args.port if args.port is not None else settings.hub_port,
    )
    uvicorn.run(
        create_app(settings, channel_settings=args.channel_settings),
        host=settings.hub_host,
        port=settings.hub_port,
        log_config=None,  # keep the JSON logging configured by `carebot`
        proxy_headers=True,
        # the same proxies the abuse limits believe (bot/hub/client_ip.py), not uvicorn's own default
        forwarded_allow_ips=list(settings.trusted_proxies),
        # a websocket frame larger than this closes the socket before it is read into memory (1009)
        ws_max_size=4 * frame_limit(settings.max_message_chars),
    )
    return 0
