"""``python -m govhub_sandbox.miniapp --issuer URL --client-id ID --client-secret-file PATH
--gateway-url URL --hub-client MEMBER/SYSTEM --hub-key-file PATH [--host] [--port]``"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from govhub_sandbox.miniapp.app import create_app
from govhub_sandbox.miniapp.config import (
    CLIENT_SECRET_ENV,
    DEFAULT_HUB_CLIENT,
    DEFAULT_ISSUE,
    DEFAULT_SERVICE_PATH,
    HUB_KEY_ENV,
    ConfigError,
    Settings,
    read_secret,
)
from govhub_sandbox.serving import bind, is_loopback

PROG = "python -m govhub_sandbox.miniapp"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--public-url", help="where browsers reach this app "
                        "(default http://HOST:PORT); the redirect URI is PUBLIC_URL/callback")
    parser.add_argument("--issuer", required=True, help="govhub's OpenID issuer URL")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret-file", type=Path,
                        help=f"file holding the client secret (or set {CLIENT_SECRET_ENV})")
    parser.add_argument("--gateway-url", required=True, help="the integration hub's gateway")
    parser.add_argument("--service-path", default=DEFAULT_SERVICE_PATH,
                        help=f"the land service on the gateway (default {DEFAULT_SERVICE_PATH})")
    parser.add_argument("--hub-client", default=DEFAULT_HUB_CLIENT,
                        help="this app's consumer system at the hub (X-Road-Client)")
    parser.add_argument("--hub-key-file", type=Path,
                        help=f"file holding the hub API key (or set {HUB_KEY_ENV}); "
                        "without one the app starts and says so instead of searching")
    parser.add_argument("--hub-issue", default=DEFAULT_ISSUE, help="X-Road-Issue")
    return parser


def settings_from(arguments: argparse.Namespace) -> Settings:
    secret = read_secret(arguments.client_secret_file, CLIENT_SECRET_ENV)
    if not secret:
        raise ConfigError(f"no client secret: pass --client-secret-file or set "
                          f"{CLIENT_SECRET_ENV}")
    public_url = arguments.public_url or f"http://{arguments.host}:{arguments.port}"
    return Settings(issuer=arguments.issuer, client_id=arguments.client_id,
                    client_secret=secret, public_url=public_url,
                    gateway_url=arguments.gateway_url, service_path=arguments.service_path,
                    hub_client=arguments.hub_client, hub_issue=arguments.hub_issue,
                    hub_key_file=arguments.hub_key_file)


async def _serve(app: web.Application, host: str, port: int) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, bind(host, port)).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        settings = settings_from(arguments)
    except ConfigError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not is_loopback(arguments.host):
        print(f"{PROG}: WARNING: listening on {arguments.host}; use HTTPS in front of it "
              "beyond this machine.", file=sys.stderr)
    if settings.hub_key() is None:
        print(f"{PROG}: no hub API key yet: lookups show a notice until one is configured.",
              file=sys.stderr)
    print(f"Tra cứu thửa đất: {settings.home_url} (issuer {settings.issuer})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C or honcho's stop
        asyncio.run(_serve(create_app(settings), arguments.host, arguments.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
