"""The action server, locked down (issue 15): rasa_sdk's own app, bound to 127.0.0.1 unless the operator
says otherwise, refusing every call but /health that does not carry the shared secret Rasa sends.

    python -m actions.server [--host 127.0.0.1] [--port 5055] [--logging-config-file bot/logging.yml]

The secret is `Settings.actions_token` (CAREBOT_ACTIONS_TOKEN, or the one kept in var/secrets/);
Rasa sends it as ``Authorization: Bearer <token>`` (endpoints.yml, action_endpoint.headers). Without
it, anyone who could reach the port could post a tracker with a forged ``verified_customer_id``
slot and read that customer's orders. docs/privacy.md, "Internal services".
"""
from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app as sdk_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response

from actions import common

OPEN_PATHS = frozenset({"/health"})

log = logging.getLogger(__name__)


class MissingToken(ValueError):
    pass


def create_app(token: str, package: str = "actions") -> Sanic:
    """rasa_sdk's app for `package`, answering only requests with ``Authorization: Bearer <token>``."""
    if not token:
        raise MissingToken("the action server needs a shared secret (CAREBOT_ACTIONS_TOKEN)")
    executor = ActionExecutor()
    executor.register_package(package)
    app = sdk_app(executor, cors_origins=None)  # only Rasa calls it: no browser origin is allowed
    expected = f"Bearer {token}".encode()

    @app.on_request
    async def require_token(request: Any) -> Any:
        if request.path in OPEN_PATHS:
            return None
        supplied = (request.headers.get("authorization") or "").encode()
        if not hmac.compare_digest(supplied, expected):
            log.warning("action server call refused: no valid token",
                        extra={"event": "actions_unauthorized", "path": request.path})
            return response.json({"error": "unauthorized",
                                  "message": "This action server answers only the assistant's Rasa server."},
                                 status=401)
        return None

    return app


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    settings = common.settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=settings.actions_host, help="interface to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--logging-config-file", help="a logging configuration in YAML (bot/logging.yml)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), None, logging.INFO,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    try:
        app = create_app(common.settings().actions_token)
    except MissingToken as exc:
        print(f"actions.server: {exc}", file=sys.stderr)
        return 2
    log.info("action server listening", extra={"event": "actions_listening", "host": args.host, "port": args.port})
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
