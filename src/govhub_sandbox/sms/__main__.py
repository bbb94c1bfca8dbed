"""``python -m govhub_sandbox.sms --host 127.0.0.1 --port 8091 [--brandname CAMAU-G …]``"""

import argparse
import os
import sys

from aiohttp import web

from govhub_sandbox.serving import base_url, bind, is_loopback
from govhub_sandbox.sms.app import create_app
from govhub_sandbox.sms.config import ConfigError, GatewayConfig


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m govhub_sandbox.sms",
        description="Sandbox brandname SMS gateway for govhub's demo and tests: shows "
                    "messages on an outbox page instead of sending them.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=8091, help="port (default 8091; 0: any)")
    parser.add_argument("--brandname", action="append", dest="brandnames",
                        help="a registered brand name (repeatable; default CAMAU-G)")
    parser.add_argument("--ascii-only", action="store_true",
                        help="refuse accented (UCS-2) messages, as many brandname routes do")
    parser.add_argument("--max-segments", type=int, default=4,
                        help="longest message accepted, in segments (default 4)")
    parser.add_argument("--api-key-env", metavar="VARIABLE",
                        help="require 'Authorization: Bearer <key>', the key read from this "
                             "environment variable")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        api_key = os.environ.get(arguments.api_key_env) if arguments.api_key_env else None
        if arguments.api_key_env and not api_key:
            raise ConfigError(f"{arguments.api_key_env} is not set.")
        config = GatewayConfig(brandnames=tuple(arguments.brandnames or ("CAMAU-G",)),
                               allow_unicode=not arguments.ascii_only,
                               max_segments=arguments.max_segments, api_key=api_key)
        sock = bind(arguments.host, arguments.port)
    except (ConfigError, OSError) as error:
        print(f"sms sandbox: {error}", file=sys.stderr)
        return 2
    if not is_loopback(arguments.host):
        print(f"sms sandbox: WARNING: listening on {arguments.host}, beyond this machine; "
              "anyone who reaches it can read the outbox.", file=sys.stderr)
    url = base_url(sock)
    print(f"SMS sandbox: send API {url}/api/sms/send, outbox {url}/", flush=True)
    web.run_app(create_app(config), sock=sock, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
